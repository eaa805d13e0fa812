"""Irreversibly anonymises conversations (for an erasure request or the retention period), and tells
the engine to forget them.

What analytics counts stays: every message row with its author, channel, language, intent and
times; every ticket with its reason, kind and times. What says who the person was or what they
said goes, and so do contacts left without any conversation.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import case, delete, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.engine.client import EngineUnavailable
from bot.models.conversation import (
    Attachment,
    CallStream,
    Channel,
    Contact,
    Conversation,
    ConversationState,
    Message,
)
from bot.models.feedback import Rating
from bot.models.handoff import OPEN_STATUSES, Ticket, TicketNote, TicketStatus
from bot.models.notices import DelayNotice
from bot.models.outbox import OutboxMessage
from bot.models.privacy import AnonymisationReason, AnonymisedConversation
from bot.privacy import audit
from db.sessions import unit_of_work
from shop.verification_guard import VerificationAttempt

log = logging.getLogger(__name__)

# What replaces a text that said something about the person.
ANONYMISED = "[anonymised]"

Forget = Callable[[str], None]


def replaced(column):
    """The marker where the column held something, NULL and empty texts left as they were."""
    return case((column.is_(None), None), (column == "", ""), else_=ANONYMISED)


def anonymise_conversations(session: Session, conversation_ids: Iterable[str], reason: AnonymisationReason,
                            now: datetime) -> int:
    """Anonymises the conversations with their messages and tickets; returns how many it recorded
    as newly anonymised (each is then waiting for the engine to forget it)."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    session.execute(update(Message).where(Message.conversation_id.in_(ids)).values(
        text=ANONYMISED, heard_text=replaced(Message.heard_text), payload=None, buttons=[], proven_sender=None))
    # An e-mail's Message-ID names the sender's domain; a Messenger id is the person's own.
    session.execute(update(Message).where(Message.conversation_id.in_(ids),
                                          Message.channel.in_((Channel.EMAIL, Channel.MESSENGER)))
                    .values(external_id=None))
    session.execute(delete(Attachment).where(Attachment.message_id.in_(
        select(Message.id).where(Message.conversation_id.in_(ids)))))
    ticket_ids = select(Ticket.id).where(Ticket.conversation_id.in_(ids))
    session.execute(update(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids)).values(text=ANONYMISED))
    session.execute(update(Ticket).where(Ticket.conversation_id.in_(ids), Ticket.status.in_(OPEN_STATUSES))
                    .values(status=TicketStatus.RESOLVED, closed_at=now))
    session.execute(update(Ticket).where(Ticket.conversation_id.in_(ids)).values(
        summary=replaced(Ticket.summary), contact_details=None, order_number=None, shop_customer_id=None))
    call_sids = select(Conversation.call_sid).where(Conversation.id.in_(ids), Conversation.call_sid.is_not(None))
    session.execute(delete(CallStream).where(CallStream.call_sid.in_(call_sids)))
    session.execute(delete(VerificationAttempt).where(VerificationAttempt.conversation_id.in_(ids)))
    session.execute(update(Rating).where(Rating.conversation_id.in_(ids)).values(
        comment=replaced(Rating.comment), address=None, link_token_hash=None))
    session.execute(update(DelayNotice).where(DelayNotice.conversation_id.in_(ids)).values(address=None, text=None))
    # Nothing more goes out to the person, and a provider's refusal may quote their number.
    session.execute(delete(OutboxMessage).where(OutboxMessage.conversation_id.in_(ids)))
    contact_ids = set(session.scalars(select(Conversation.contact_id).where(Conversation.id.in_(ids),
                                                                          Conversation.contact_id.is_not(None))))
    session.execute(update(Conversation).where(Conversation.id.in_(ids)).values(
        address=None, subject=None, contact_id=None, resume_token_hash=None, call_sid=None, pending_prompt=None,
        pending_data={},
        verified_order=None, state=ConversationState.BOT))
    # A contact with no conversation left only remembers a phone number or an e-mail address.
    session.execute(delete(Contact).where(Contact.id.in_(contact_ids),
                                          ~exists().where(Conversation.contact_id == Contact.id)))
    known = set(session.scalars(select(AnonymisedConversation.conversation_id)
                                .where(AnonymisedConversation.conversation_id.in_(ids))))
    session.add_all(AnonymisedConversation(conversation_id=conversation_id, reason=reason, anonymised_at=now)
                    for conversation_id in ids if conversation_id not in known)
    session.flush()
    return len(ids) - len(known)


def forget_in_engine(sessions: sessionmaker[Session], actor: audit.Actor, forget: Forget,
                     clock: Callable[[], datetime]) -> list[str]:
    """Asks the engine to forget every anonymised conversation it may still remember (from this
    request or an earlier one); returns the ids still waiting because the engine could not be
    reached, which the next erasure or retention pass retries."""
    with sessions() as session:
        waiting = list(session.scalars(select(AnonymisedConversation.conversation_id)
                                       .where(AnonymisedConversation.engine_forgotten_at.is_(None))
                                       .order_by(AnonymisedConversation.anonymised_at)))
    if not waiting:
        return []
    forgotten = []
    for conversation_id in waiting:
        try:
            forget(conversation_id)
        except EngineUnavailable as error:
            log.warning("the engine did not forget %d conversations: %s", len(waiting) - len(forgotten), error)
            break
        forgotten.append(conversation_id)
    pending = waiting[len(forgotten):]
    with unit_of_work(sessions) as session:
        session.execute(update(AnonymisedConversation).where(AnonymisedConversation.conversation_id.in_(forgotten))
                        .values(engine_forgotten_at=clock()))
        audit.record(session, actor, "engine_forget", {"forgotten": len(forgotten), "pending": len(pending),
                                                        "pending_conversation_ids": pending}, clock())
    return pending
