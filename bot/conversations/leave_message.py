"""The gateway's own small dialogue for when no person can answer live: leave a message (and say
how to be reached) or ask for a call-back. Each ends in a ticket with the contact details."""

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversations.replies import CALLBACK, LEAVE_MESSAGE, SystemReplies, known_contact, known_phone
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Conversation, Message
from bot.models.handoff import Ticket, TicketKind

_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def is_for_gateway(payload: str | None, pending_prompt: str | None) -> bool:
    """Whether this message answers the gateway rather than the assistant."""
    return payload in (LEAVE_MESSAGE, CALLBACK) or pending_prompt is not None


class LeaveMessageDialogue:
    def __init__(self, queue: HandoffQueue, replies: SystemReplies) -> None:
        self._queue = queue
        self._replies = replies

    def next_step(self, session: Session, conversation: Conversation, message: Message, now: datetime) -> list[Message]:
        say = self._replies.system
        ticket = self._queue.open_ticket_of(session, conversation.id)
        if message.payload == LEAVE_MESSAGE:
            if ticket is not None and ticket.kind == TicketKind.LIVE:
                self._queue.stop_waiting(session, ticket)
            conversation.pending_prompt = "message"
            return [say(session, conversation, "ask_message", now)]
        if message.payload == CALLBACK:
            phone = known_phone(conversation)
            if phone is None:
                conversation.pending_prompt = "callback_phone"
                return [say(session, conversation, "ask_callback_phone", now)]
            return [self._book_callback(session, conversation, ticket, phone, now)]
        prompt, conversation.pending_prompt = conversation.pending_prompt, None
        if prompt == "message":
            ticket = ticket or self._message_ticket(session, conversation, now)
            ticket.summary = message.text if not ticket.summary else f"{ticket.summary}\n{message.text}"
            ticket.contact_details = ticket.contact_details or known_contact(conversation)
            if ticket.contact_details is None:
                conversation.pending_prompt = "contact"
                return [say(session, conversation, "ask_contact", now)]
            return [self._message_left(session, conversation, ticket, now)]
        contact = contact_in(message.text)
        if contact is None or (prompt == "callback_phone" and "@" in contact):
            conversation.pending_prompt = prompt
            return [say(session, conversation, "contact_invalid", now)]
        if prompt == "callback_phone":
            return [self._book_callback(session, conversation, ticket, contact, now)]
        ticket = ticket or self._message_ticket(session, conversation, now)
        ticket.contact_details = contact
        return [self._message_left(session, conversation, ticket, now)]

    def _message_ticket(self, session: Session, conversation: Conversation, now: datetime) -> Ticket:
        return self._queue.open_ticket(session, conversation, kind=TicketKind.MESSAGE, reason="left_message",
                                       priority="normal", now=now)

    def _message_left(self, session: Session, conversation: Conversation, ticket: Ticket, now: datetime) -> Message:
        return self._replies.system(session, conversation, "message_left", now, ticket=ticket.id,
                                    reply_by=self._replies.reply_by(conversation.language, now))

    def _book_callback(self, session: Session, conversation: Conversation, ticket: Ticket | None,
                       phone: str, now: datetime) -> Message:
        if ticket is None:
            ticket = self._queue.open_ticket(session, conversation, kind=TicketKind.CALLBACK, reason="callback",
                                             priority="normal", now=now)
        elif ticket.kind == TicketKind.LIVE:
            self._queue.stop_waiting(session, ticket)
        ticket.kind = TicketKind.CALLBACK
        ticket.contact_details = phone
        return self._replies.system(session, conversation, "callback_booked", now, phone=phone, ticket=ticket.id,
                                    reply_by=self._replies.reply_by(conversation.language, now))


def contact_in(text: str) -> str | None:
    """An e-mail address or a phone number the customer typed, tidied; None when neither."""
    email = _EMAIL.search(text)
    if email:
        return email.group(0).lower()
    candidate = text.strip()
    if _PHONE.match(candidate) and sum(ch.isdigit() for ch in candidate) >= 7:
        return re.sub(r"[^\d+]", "", candidate)
    return None
