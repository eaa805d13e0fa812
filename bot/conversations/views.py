"""What the outside sees of conversations, messages and tickets: plain JSON-ready dicts."""

from typing import Any

from sqlalchemy.orm import object_session

from bot.conversations.outbox import delivery_problem
from bot.models.conversation import Conversation, Message
from bot.models.handoff import Ticket, TicketNote
from bot.models.outbox import DeliveryStatus, OutboxMessage


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author.value,
        "text": message.text,
        "payload": message.payload,
        "buttons": list(message.buttons or []),
        "channel": message.channel.value,
        "language": message.language,
        "intent": message.intent,
        "confidence": message.confidence,
        "speech_confidence": message.speech_confidence,
        "heard_text": message.heard_text,
        "agent_name": message.agent.display_name if message.agent else None,
        "created_at": message.created_at.isoformat(),
        "delivery": delivery_view(message.delivery),
        "attachments": [{"id": file.id, "filename": file.filename, "content_type": file.content_type,
                         "size": file.size, "refused": file.refused} for file in message.attachments],
    }


def delivery_view(delivery: OutboxMessage | None) -> dict[str, Any] | None:
    """How far a message for a provider's channel got; None for channels that need no provider."""
    if delivery is None:
        return None
    return {
        "status": delivery.status.value,
        "problem": delivery.problem,
        "attempts": delivery.attempts,
        "error": delivery.error,
        "error_code": delivery.error_code,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.status == DeliveryStatus.PENDING else None,
        "provider_id": delivery.provider_id,
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
    }


def conversation_view(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channel": conversation.channel.value,
        "language": conversation.language,
        "state": conversation.state.value,
        "created_at": conversation.created_at.isoformat(),
        "last_activity_at": conversation.last_activity_at.isoformat(),
    }


def ticket_view(ticket: Ticket, now, position: int | None = None) -> dict[str, Any]:
    contact = ticket.conversation.contact
    return {
        "id": ticket.id,
        "conversation_id": ticket.conversation_id,
        "kind": ticket.kind.value,
        "reason": ticket.reason,
        "priority": ticket.priority,
        "language": ticket.language,
        "channel": ticket.channel.value,
        "status": ticket.status.value,
        "created_at": ticket.created_at.isoformat(),
        "waiting_minutes": int((now - ticket.created_at).total_seconds() // 60),
        "summary": ticket.summary,
        "order_number": ticket.order_number,
        "order_verified": ticket.order_verified,
        "customer_label": contact_label(contact, ticket.conversation),
        "agent_name": ticket.agent.display_name if ticket.agent else None,
        "position": position,
        "contact": ticket.contact_details,
        # "failed" or "retrying" when the customer could not be reached on their channel.
        "delivery_problem": _delivery_problem(ticket),
    }


def _delivery_problem(ticket: Ticket) -> str | None:
    session = object_session(ticket)
    return delivery_problem(session, ticket.conversation_id) if session is not None else None


def contact_label(contact, conversation: Conversation) -> str:
    if contact is not None:
        return contact.display_name or contact.email or contact.phone or f"contact {contact.id}"
    return conversation.address or f"{conversation.channel.value} visitor"


def note_view(note: TicketNote) -> dict[str, Any]:
    return {"id": note.id, "agent_name": note.agent.display_name, "text": note.text,
            "created_at": note.created_at.isoformat()}
