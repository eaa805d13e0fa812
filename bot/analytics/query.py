"""Reads what the dashboard needs from the database into the plain records of bot.analytics.definitions:
a handful of queries, the same on SQLite and PostgreSQL. The demo history and real data never meet:
every query keeps to one side (Conversation.demo, Survey.demo, the history's own orders)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from bot.analytics.definitions import (
    REPEAT_WINDOW,
    ConversationRecord,
    FallbackMessage,
    NoticeRecord,
    RatingRecord,
    SurveyRecord,
    TicketRecord,
)
from bot.models.conversation import Author, Conversation, Message
from bot.models.feedback import Rating
from bot.models.handoff import Agent, Ticket
from bot.models.notices import DelayNotice, NoticeState
from bot.models.survey import Survey, SurveyCall, SurveyState
from shop.models import Customer, Order, Shipment

# The seeded history's customers have addresses here (RFC 2606: never a real mailbox), which is how
# its orders and shipments are told from the shop's own.
HISTORY_EMAIL_DOMAIN = "history.koliber.invalid"


@dataclass(frozen=True)
class Filters:
    since: datetime  # inclusive, UTC
    until: datetime  # exclusive
    channel: str | None = None
    language: str | None = None
    demo: bool = False  # the seeded history instead of real data


@dataclass
class Dataset:
    conversations: list[ConversationRecord]  # contacts that began in the period
    everything: list[ConversationRecord]  # and up to REPEAT_WINDOW later, for repeat contacts
    ratings: list[RatingRecord]
    surveys: list[SurveyRecord]
    fallback_candidates: list[FallbackMessage]
    notices: list[NoticeRecord]
    first_notice_at: datetime | None
    shipped: list[datetime]


def _history_order() -> ColumnElement[bool]:
    return Customer.email.like(f"%@{HISTORY_EMAIL_DOMAIN}")


def _not_survey_conversation() -> ColumnElement[bool]:
    # A survey call or its SMS link is the shop asking, not a customer's contact.
    return and_(~Conversation.id.in_(select(SurveyCall.conversation_id).where(SurveyCall.conversation_id.is_not(None))),
                ~Conversation.id.in_(select(Survey.link_conversation_id)
                                     .where(Survey.link_conversation_id.is_not(None))))


def _conversations(session: Session, filters: Filters) -> list[ConversationRecord]:
    """Every contact from the period's start to REPEAT_WINDOW past its end, on every channel."""
    until = filters.until + REPEAT_WINDOW
    wrote = select(Message.conversation_id).where(Message.author == Author.CUSTOMER)
    query = (select(Conversation)
             .where(Conversation.demo.is_(filters.demo), Conversation.created_at >= filters.since,
                    Conversation.created_at < until, Conversation.id.in_(wrote), _not_survey_conversation())
             .order_by(Conversation.created_at, Conversation.id))
    conversations = list(session.scalars(query))
    ids = [c.id for c in conversations]
    intents: dict[str, list[str]] = {}
    tickets: dict[str, list[TicketRecord]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for conversation_id, intent in session.execute(
                select(Message.conversation_id, Message.intent)
                .where(Message.conversation_id.in_(chunk), Message.author == Author.CUSTOMER,
                       Message.intent.is_not(None))
                .order_by(Message.conversation_id, Message.id)):
            intents.setdefault(conversation_id, []).append(intent)
        first_reply = (select(func.min(Message.created_at))
                       .where(Message.conversation_id == Ticket.conversation_id, Message.author == Author.AGENT,
                              Message.created_at >= Ticket.claimed_at)
                       .scalar_subquery())
        for ticket, agent_name, replied in session.execute(
                select(Ticket, Agent.display_name, first_reply)
                .outerjoin(Agent, Agent.id == Ticket.agent_id)
                .where(Ticket.conversation_id.in_(chunk)).order_by(Ticket.id)):
            tickets.setdefault(ticket.conversation_id, []).append(TicketRecord(
                ticket.id, ticket.kind.value, ticket.status.value, ticket.reason, ticket.created_at,
                ticket.claimed_at, ticket.closed_at, agent_name, replied, ticket.order_number))
    records = []
    for c in conversations:
        own = tuple(tickets.get(c.id, ()))
        customer = (f"contact:{c.contact_id}" if c.contact_id is not None
                    else f"{c.channel.value}:{c.address}" if c.address else f"conversation:{c.id}")
        order = c.verified_order or next((t.order_number for t in own if t.order_number), None)
        records.append(ConversationRecord(c.id, c.channel.value, c.language, customer, c.created_at,
                                          max(c.last_activity_at, c.created_at), tuple(intents.get(c.id, ())), order,
                                          own))
    return records


def _ratings(session: Session, filters: Filters) -> list[RatingRecord]:
    query = (select(Rating.score, Rating.channel, Rating.language)
             .join(Conversation, Conversation.id == Rating.conversation_id)
             .where(Conversation.demo.is_(filters.demo), Rating.asked_at >= filters.since,
                    Rating.asked_at < filters.until))
    if filters.channel:
        query = query.where(Rating.channel == filters.channel)
    if filters.language:
        query = query.where(Rating.language == filters.language)
    return [RatingRecord(score, channel.value, language) for score, channel, language in session.execute(query)]


def _surveys(session: Session, filters: Filters) -> list[SurveyRecord]:
    # Survey calls are their own channel: the channel filter leaves them alone.
    query = (select(Survey.score, Survey.language, Survey.finished_at)
             .where(Survey.demo.is_(filters.demo), Survey.state == SurveyState.FINISHED, Survey.score.is_not(None),
                    Survey.finished_at >= filters.since, Survey.finished_at < filters.until))
    if filters.language:
        query = query.where(Survey.language == filters.language)
    return [SurveyRecord(score, language, finished_at) for score, language, finished_at in session.execute(query)]


def _fallback_candidates(session: Session, filters: Filters, threshold: float) -> list[FallbackMessage]:
    language = func.coalesce(Message.language, Conversation.language)
    query = (select(Message.text, Message.intent, Message.confidence, language, Message.channel)
             .join(Conversation, Conversation.id == Message.conversation_id)
             .where(Conversation.demo.is_(filters.demo), Message.author == Author.CUSTOMER,
                    Message.payload.is_(None), Message.created_at >= filters.since, Message.created_at < filters.until,
                    or_(Message.intent == "nlu_fallback", Message.confidence < threshold)))
    if filters.channel:
        query = query.where(Message.channel == filters.channel)
    if filters.language:
        query = query.where(language == filters.language)
    return [FallbackMessage(text, intent, confidence, lang, channel.value)
            for text, intent, confidence, lang, channel in session.execute(query)]


def _notice_side(filters: Filters) -> ColumnElement[bool]:
    """A notice belongs to the demo history when the conversation it opened does."""
    demo_conversations = select(Conversation.id).where(Conversation.demo.is_(True))
    if filters.demo:
        return DelayNotice.conversation_id.in_(demo_conversations)
    return or_(DelayNotice.conversation_id.is_(None), ~DelayNotice.conversation_id.in_(demo_conversations))


def _notices(session: Session, filters: Filters) -> tuple[list[NoticeRecord], datetime | None]:
    sent = and_(DelayNotice.state == NoticeState.SENT, DelayNotice.sent_at.is_not(None), _notice_side(filters))
    first = session.scalar(select(func.min(DelayNotice.sent_at)).where(sent))
    query = select(DelayNotice.sent_at, DelayNotice.cause, DelayNotice.channel, DelayNotice.language).where(
        sent, DelayNotice.sent_at >= filters.since, DelayNotice.sent_at < filters.until)
    if filters.channel:
        query = query.where(DelayNotice.channel == filters.channel)
    if filters.language:
        query = query.where(DelayNotice.language == filters.language)
    notices = [NoticeRecord(at, cause.value, channel.value if channel else None, language)
               for at, cause, channel, language in session.execute(query)]
    return notices, first


def _shipped(session: Session, filters: Filters) -> list[datetime]:
    side = _history_order() if filters.demo else ~_history_order()
    return list(session.scalars(
        select(Shipment.shipped_at).join(Order, Order.id == Shipment.order_id).join(Customer)
        .where(side, Shipment.shipped_at >= filters.since, Shipment.shipped_at < filters.until)))


def load_dataset(session: Session, filters: Filters, confidence_threshold: float) -> Dataset:
    # Repeat contacts are looked for on every channel and in every language, filters or not.
    everything = _conversations(session, filters)
    in_period = [c for c in everything if c.started_at < filters.until
                 and filters.channel in (None, c.channel) and filters.language in (None, c.language)]
    notices, first_notice_at = _notices(session, filters)
    return Dataset(in_period, everything, _ratings(session, filters), _surveys(session, filters),
                   _fallback_candidates(session, filters, confidence_threshold), notices, first_notice_at,
                   _shipped(session, filters))
