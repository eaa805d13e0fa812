"""What agents do with tickets: claim, reply, note, resolve, hand back, and what they see.

Every reply is stored before it is sent to the customer's channel. An agent sees and works on
tickets only in their own languages (the queue's rule), whichever door the request came through.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.identity import confirm_identity, identity_confirmed, suggested_customer
from bot.conversations.replies import SystemReplies
from bot.conversations.satisfaction import Satisfaction
from bot.conversations.texts import GatewayTexts
from bot.conversations.views import contact_label, conversation_view, message_view, note_view, ticket_view
from bot.handoff.announcer import QueueAnnouncer
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Attachment, Author, Channel, Conversation, ConversationState, Message
from bot.models.handoff import Agent, AgentStatus, TicketNote, TicketStatus
from bot.realtime import conversation_topic, ticket_topic
from db.sessions import read, write
from shop.models import Customer
from shop.order_views import OrderView
from shop.platforms.transport import ShopUnavailable
from shop.service import ShopService

# Channels where a conversation is not live: agents joining or leaving it are no news to the customer.
NOT_LIVE = frozenset({Channel.EMAIL})

EARLIER_CONVERSATIONS_SHOWN = 10


@dataclass(frozen=True)
class IdentityCheck:
    verified_order: str | None  # the order the conversation proved it knows, if any
    confirmed: bool  # False while the conversation is not linked to that order's customer
    # A shop customer whose e-mail or phone the conversation comes from, unproven, for the agent to confirm.
    suggested_customer: str | None = None


class NothingToConfirm(ValueError):
    pass


class AgentDesk:
    def __init__(self, sessions: sessionmaker[Session], queue: HandoffQueue, texts: GatewayTexts,
                 delivery: Delivery, announcer: QueueAnnouncer, clock: Callable[[], datetime],
                 satisfaction: Satisfaction, shop: ShopService) -> None:
        self._sessions = sessions
        self._shop = shop  # the customer's orders, from the demo tables or the shop's platform
        self._satisfaction = satisfaction  # asks the customer to rate a resolved ticket (CSAT)
        self._queue = queue
        self._replies = SystemReplies(texts, queue)
        self._delivery = delivery
        self._announcer = announcer
        self._clock = clock

    # --- reading ------------------------------------------------------------------------------
    async def queue_overview(self, agent_id: int) -> dict[str, Any]:
        def queue_overview(session: Session) -> dict[str, Any]:
            agent = session.get(Agent, agent_id)
            now = self._clock()
            places = self._queue.places(session)
            # "for_you": the ticket waits for this agent first, who served the customer before.
            waiting = [{**ticket_view(t, now, getattr(places.get(t.conversation_id), "position", None)),
                        "for_you": t.offered_to_agent_id == agent.id and t.offered_until > now}
                       for t in self._queue.visible_to(session, agent, now)]
            mine = [ticket_view(t, now) for t in self._queue.claimed_by(session, agent)]
            available = session.scalar(select(func.count()).select_from(Agent).where(Agent.status == AgentStatus.AVAILABLE))
            # A ticket waiting for the agent who served its customer before joins this list when the wait ends.
            offer_ends = self._queue.next_offer_ending(session, agent, now)
            return {"tickets": waiting, "mine": mine, "agents_available": available or 0,
                    "refresh_in_seconds": None if offer_ends is None else max(1, (offer_ends - now).total_seconds())}
        return await read(self._sessions, queue_overview)

    async def ticket_conversation(self, ticket_id: int, agent_id: int) -> str:
        """The ticket's conversation id, if the agent may see the ticket."""
        def ticket_conversation(session: Session) -> str:
            return self._queue.ticket_for(session, ticket_id, session.get(Agent, agent_id)).conversation_id
        return await read(self._sessions, ticket_conversation)

    async def ticket_details(self, ticket_id: int, agent_id: int) -> dict[str, Any]:
        """The ticket with its transcript, notes, the customer and their orders, for an agent who may see it.

        The orders are read through the shop service: those of the demo-shop customer the conversation
        is linked to, or of the customer whose order it verified (once an agent confirmed a doubtful
        identity); a shop platform that does not answer leaves the
        panel empty with `orders_unavailable`, never the ticket unreadable."""
        def ticket_details(session: Session) -> tuple[dict[str, Any], str | None, str | None]:
            ticket = self._queue.ticket_for(session, ticket_id, session.get(Agent, agent_id))
            conversation = ticket.conversation
            contact = conversation.contact
            earlier: list[Conversation] = []
            owner_email = None
            if contact is not None:
                earlier = list(session.scalars(
                    select(Conversation).where(Conversation.contact_id == contact.id, Conversation.id != conversation.id)
                    .order_by(Conversation.created_at.desc()).limit(EARLIER_CONVERSATIONS_SHOWN)))
                if contact.shop_customer_id is not None and (owner := session.get(Customer, contact.shop_customer_id)):
                    owner_email = owner.email
            details = {
                "ticket": ticket_view(ticket, self._clock()),
                "conversation": conversation_view(conversation),
                "messages": [message_view(m) for m in conversation.messages],
                "notes": [note_view(n) for n in ticket.notes],
                "customer": None if contact is None else {
                    "label": contact_label(contact, conversation), "email": contact.email, "phone": contact.phone},
                "earlier_conversations": [
                    {**conversation_view(c), "started_at": c.created_at.isoformat(),
                     "messages": [message_view(m) for m in c.messages]} for c in earlier],
            }
            # A platform's order has no demo-shop customer to link: its verified order stands for them.
            verified = conversation.verified_order if identity_confirmed(session, conversation) else None
            return details, owner_email, verified
        details, owner_email, verified_order = await read(self._sessions, ticket_details)
        try:
            orders = await asyncio.to_thread(self._orders_of, owner_email, verified_order)
            details.update(orders=[_order_view(o) for o in orders], orders_unavailable=False)
        except ShopUnavailable:
            details.update(orders=[], orders_unavailable=True)
        return details

    def _orders_of(self, owner_email: str | None, verified_order: str | None) -> list[OrderView]:
        """The orders of the customer linked to the conversation, or of the verified order's customer."""
        if owner_email is None and verified_order is not None:
            verified = self._shop.get_order(verified_order)
            owner_email = verified.customer_email if verified else None
        return self._shop.customer_orders(owner_email) if owner_email else []

    # --- acting -------------------------------------------------------------------------------
    async def identity(self, ticket_id: int, agent_id: int, confirm: bool = False) -> IdentityCheck:
        """Whether the ticket's conversation is linked to the customer of the order it verified; with
        `confirm`, the agent vouches for them and their contacts become one."""
        def check(session: Session) -> IdentityCheck:
            conversation = self._queue.ticket_for(session, ticket_id, session.get(Agent, agent_id)).conversation
            suggested = suggested_customer(session, conversation)
            if confirm:
                if conversation.verified_order is None and suggested is None:
                    raise NothingToConfirm("this conversation has verified no order and matches no customer")
                confirm_identity(session, conversation)
                suggested = None
            return IdentityCheck(conversation.verified_order, identity_confirmed(session, conversation),
                                 suggested.full_name if suggested else None)
        return await write(self._sessions, check)

    async def set_status(self, agent_id: int, status: AgentStatus) -> None:
        def change(session: Session) -> None:
            session.get(Agent, agent_id).status = status
        await write(self._sessions, change)
        await self._announcer.announce()

    async def claim(self, ticket_id: int, agent_id: int) -> dict[str, Any]:
        def claim(session: Session) -> tuple[dict[str, Any], Conversation, list[dict[str, Any]]]:
            agent = session.get(Agent, agent_id)
            ticket = self._queue.claim(session, ticket_id, agent, self._clock())
            notices = self._live_notice(session, ticket.conversation, "agent_joined", agent=agent.display_name)
            session.flush()
            return ticket_view(ticket, self._clock()), ticket.conversation, [message_view(n) for n in notices]
        view, conversation, messages = await write(self._sessions, claim)
        await self._after_change(conversation, view, messages)
        return view

    async def reply(self, ticket_id: int, agent_id: int, text: str) -> dict[str, Any]:
        def store(session: Session) -> tuple[Conversation, dict[str, Any]]:
            ticket = self._queue.held_by(session, ticket_id, session.get(Agent, agent_id))
            conversation = ticket.conversation
            message = self._replies.outbound(session, conversation, Author.AGENT, text, None, self._clock(),
                                             agent_id=agent_id)
            session.flush()
            session.refresh(message, ["agent"])
            return conversation, message_view(message)
        conversation, view = await write(self._sessions, store)
        await self._delivery.deliver(conversation.id, conversation.channel, [view])
        return view

    async def move_to_email(self, ticket_id: int, agent_id: int, address: str) -> dict[str, Any]:
        """The agent answers this conversation by e-mail from now on (a phone call, a message left in
        the chat): their replies go to `address`, and the customer's answers come back to the ticket."""
        def move(session: Session) -> tuple[dict[str, Any], Conversation]:
            ticket = self._queue.held_by(session, ticket_id, session.get(Agent, agent_id))
            conversation = ticket.conversation
            conversation.channel = ticket.channel = Channel.EMAIL
            conversation.address = address
            conversation.subject = conversation.subject or self._replies.texts.say(
                "email_ticket_subject", conversation.language, ticket=ticket.id)
            session.flush()
            return ticket_view(ticket, self._clock()), conversation
        view, conversation = await write(self._sessions, move)
        await self._after_change(conversation, view, [])
        return view

    async def attachment(self, ticket_id: int, attachment_id: int, agent_id: int) -> Attachment:
        """A file the customer sent in this ticket's conversation or their earlier ones, for an
        agent who may see the ticket; LookupError when it is not there or was not kept."""
        def find(session: Session) -> Attachment:
            ticket = self._queue.ticket_for(session, ticket_id, session.get(Agent, agent_id))
            file = session.get(Attachment, attachment_id)
            conversation = file.message.conversation if file is not None else None
            same_customer = conversation is not None and (
                conversation.id == ticket.conversation_id
                or (conversation.contact_id is not None and conversation.contact_id == ticket.conversation.contact_id))
            if not same_customer or file.content is None:
                raise LookupError(f"no attachment {attachment_id} on ticket {ticket_id}")
            session.expunge(file)
            return file
        return await read(self._sessions, find)

    async def add_note(self, ticket_id: int, agent_id: int, text: str) -> dict[str, Any]:
        def store(session: Session) -> dict[str, Any]:
            self._queue.ticket_for(session, ticket_id, session.get(Agent, agent_id))
            note = TicketNote(ticket_id=ticket_id, agent_id=agent_id, text=text, created_at=self._clock())
            session.add(note)
            session.flush()
            session.refresh(note, ["agent"])
            return note_view(note)
        view = await write(self._sessions, store)
        self._delivery.hub.publish(ticket_topic(ticket_id), {"type": "note", "note": view})
        return view

    async def close(self, ticket_id: int, agent_id: int, status: TicketStatus) -> dict[str, Any]:
        """Resolves the ticket, or hands the conversation back to the assistant."""
        def close(session: Session) -> tuple[dict[str, Any], Conversation, list[dict[str, Any]]]:
            agent = session.get(Agent, agent_id)
            ticket = self._queue.close(session, ticket_id, agent, status, self._clock())
            key = "ticket_resolved" if status == TicketStatus.RESOLVED else "handed_back"
            notices = self._live_notice(session, ticket.conversation, key, agent=agent.display_name)
            if status == TicketStatus.RESOLVED and self._satisfaction is not None:
                question = self._satisfaction.after_resolution(session, ticket, self._clock())
                notices += [question] if question is not None else []
            session.flush()
            return ticket_view(ticket, self._clock()), ticket.conversation, [message_view(n) for n in notices]
        view, conversation, messages = await write(self._sessions, close)
        await self._after_change(conversation, view, messages)
        return view

    # --- helpers ------------------------------------------------------------------------------
    def _system(self, session: Session, conversation: Conversation, key: str, **values: Any) -> Message:
        return self._replies.system(session, conversation, key, self._clock(), **values)

    def _live_notice(self, session: Session, conversation: Conversation, key: str, **values: Any) -> list[Message]:
        """Who joined or left a live conversation: news in a chat, an e-mail of its own not worth sending."""
        return [] if conversation.channel in NOT_LIVE else [self._system(session, conversation, key, **values)]

    async def _after_change(self, conversation: Conversation, ticket: dict[str, Any],
                            messages: list[dict[str, Any]]) -> None:
        self._delivery.hub.publish(ticket_topic(ticket["id"]), {"type": "ticket", "ticket": ticket})
        agent_name = ticket["agent_name"] if conversation.state == ConversationState.AGENT else None
        self._delivery.hub.publish(conversation_topic(conversation.id),
                                   {"type": "state", "state": conversation.state.value, "agent_name": agent_name})
        await self._delivery.deliver(conversation.id, conversation.channel, messages)
        await self._announcer.announce()


def _order_view(order: OrderView) -> dict[str, Any]:
    shipment = order.shipment
    return {
        "number": order.number,
        "status": order.status,
        "placed_at": order.placed_at.isoformat(),
        "total": str(order.total),
        "currency": order.currency,
        "items": [{"name": item.name, "quantity": item.quantity} for item in order.items],
        "carrier": shipment.carrier if shipment else None,
        "tracking_number": shipment.tracking_number if shipment else None,
        "delivery_postcode": order.delivery_postcode,
    }
