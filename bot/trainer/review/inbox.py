"""Which customer messages the bot handled poorly: one query with a column per reason, same on
SQLite and PostgreSQL.

Reasons, each judged from what the gateway stored:
- low_confidence: the engine's intent confidence was under the threshold;
- fallback: the engine settled on nlu_fallback;
- rephrase: the bot's next reply was one of its "I did not understand" responses;
- handoff: a ticket opened for one of HANDOFF_REASONS before the customer wrote again;
- agent: the last message the bot answered before a person replied in the conversation.
"""

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from bot.models.conversation import Author, Channel, Conversation, Message
from bot.models.handoff import Ticket
from bot.models.review import ReviewDecision

FALLBACK_INTENT = "nlu_fallback"
# A customer asking for a person and getting one is the bot doing its job.
REQUEST_HUMAN_INTENT = "request_human"
# Handoffs that say the bot failed; complaints, payment problems and late parcels go to a
# person by design, and engine outages or left messages say nothing about the model.
HANDOFF_REASONS = ("customer_request", "repeated_fallback", "verification_failed")
# Responses that mean "I did not understand" (actions/handoff.py, ActionFallback).
REPHRASE_RESPONSES = ("utter_ask_rephrase", "utter_offer_human")
CANDIDATE_LIMIT = 2000  # newest first; grouping happens on these


class Reason(str, enum.Enum):
    LOW_CONFIDENCE = "low_confidence"
    FALLBACK = "fallback"
    REPHRASE = "rephrase"
    HANDOFF = "handoff"
    AGENT = "agent"


@dataclass(frozen=True)
class InboxFilters:
    language: str | None = None
    channel: Channel | None = None
    intent: str | None = None  # the intent the bot settled on
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class MissedMessage:
    id: int
    conversation_id: str
    text: str
    language: str
    channel: Channel
    intent: str | None
    confidence: float | None
    created_at: datetime
    reasons: frozenset[Reason]
    bot_reply: str | None  # what the bot answered first, for context


def find_missed_messages(session: Session, filters: InboxFilters, confidence_threshold: float,
                         rephrase_texts: Sequence[str], limit: int = CANDIDATE_LIMIT) -> list[MissedMessage]:
    m = Message
    later = aliased(Message, name="later")
    reply = aliased(Message, name="reply")
    ticket = aliased(Ticket, name="ticket")
    language = func.coalesce(m.language, Conversation.language)

    def customer_after(*conditions) -> object:
        # Nested two deep: correlation must be explicit, or SQLAlchemy adds `messages` to its FROM.
        return exists().where(later.conversation_id == m.conversation_id, later.author == Author.CUSTOMER,
                              later.id > m.id, *conditions).correlate_except(later)

    reasons = {
        Reason.LOW_CONFIDENCE: and_(m.confidence < confidence_threshold, m.intent != FALLBACK_INTENT),
        Reason.FALLBACK: m.intent == FALLBACK_INTENT,
        Reason.REPHRASE: exists().where(
            reply.conversation_id == m.conversation_id, reply.author == Author.BOT, reply.id > m.id,
            reply.text.in_(list(rephrase_texts) or [""]), not_(customer_after(later.id < reply.id))),
        # Tickets point at no message, so "right after" is by time: opened before the next customer message.
        Reason.HANDOFF: and_(
            or_(m.intent.is_(None), m.intent != REQUEST_HUMAN_INTENT),
            exists().where(
                ticket.conversation_id == m.conversation_id, ticket.reason.in_(HANDOFF_REASONS),
                ticket.created_at >= m.created_at, not_(customer_after(later.created_at <= ticket.created_at)))),
        # Only the last message the bot answered before the person's reply: the earlier ones were
        # probably fine, and messages a person answered have no intent to correct.
        Reason.AGENT: and_(m.intent.is_not(None), exists().where(
            reply.conversation_id == m.conversation_id, reply.author == Author.AGENT, reply.id > m.id,
            not_(customer_after(later.intent.is_not(None), later.id < reply.id)))),
    }
    first_reply = (select(reply.text).where(reply.conversation_id == m.conversation_id, reply.id > m.id,
                                            reply.author != Author.CUSTOMER)
                   .order_by(reply.id).limit(1).scalar_subquery())
    flags = [condition.label(reason.value) for reason, condition in reasons.items()]
    query = (
        select(m.id, m.conversation_id, m.text, language.label("language"), m.channel, m.intent, m.confidence,
               m.created_at, first_reply.label("bot_reply"), *flags)
        .join(Conversation, Conversation.id == m.conversation_id)
        # Button presses and `/intent` payloads are not words a customer typed.
        # The seeded demo history is not the assistant's to learn from.
        .where(Conversation.demo.is_(False), m.author == Author.CUSTOMER, m.payload.is_(None),
               not_(m.text.startswith("/")),
               not_(exists().where(ReviewDecision.message_id == m.id)),
               or_(*reasons.values()))
        .order_by(m.created_at.desc(), m.id.desc())
        .limit(limit)
    )
    if filters.language:
        query = query.where(language == filters.language)
    if filters.channel:
        query = query.where(m.channel == filters.channel)
    if filters.intent:
        query = query.where(m.intent == filters.intent)
    if filters.since:
        query = query.where(m.created_at >= filters.since)
    if filters.until:
        query = query.where(m.created_at < filters.until)
    return [
        MissedMessage(row.id, row.conversation_id, row.text, row.language, row.channel, row.intent, row.confidence,
                      row.created_at, frozenset(r for r in Reason if getattr(row, r.value)), row.bot_reply)
        for row in session.execute(query)
    ]

