"""What every number on the supervisor dashboard means: plain records in, one pure function per metric
out. Nothing here reads the database or the clock, so each definition is tested on hand-built
conversations. docs/analytics.md says the same in words.

Conventions: a *contact* is a conversation in which the customer wrote or said something; rates are
percentages with one decimal (None when there is nothing to divide by); durations are whole seconds.
"""

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

REPEAT_WINDOW = timedelta(days=7)
# Opening words carry no topic: a conversation's topic is its first customer intent not among these.
NO_TOPIC_INTENTS = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "inform",
                              "nlu_fallback", "out_of_scope", "request_human"})
FALLBACK_INTENT = "nlu_fallback"
ORDER_STATUS_INTENT = "order_status"  # "where is my order?" (domain.yml)
# A live ticket nobody claimed is abandoned once it is closed, or when it waited this long: the
# customer has left the chat.
ABANDONED_AFTER = timedelta(hours=1)
CLOSED_STATUSES = frozenset({"resolved", "returned"})
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
WARSAW = ZoneInfo("Europe/Warsaw")


# --- records ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketRecord:
    id: int
    kind: str  # live, message, callback
    status: str  # queued, claimed, resolved, returned
    reason: str
    created_at: datetime
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    agent: str | None = None  # the agent who claimed it
    first_agent_reply_at: datetime | None = None  # the first agent message after the claim
    order_number: str | None = None


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    channel: str
    language: str
    customer: str  # "contact:<id>", else "<channel>:<address>", else the conversation itself
    started_at: datetime
    ended_at: datetime  # its last activity
    intents: tuple[str, ...] = ()  # the customer's messages' intents, in order
    order_number: str | None = None  # the verified order, else a ticket's order number
    tickets: tuple[TicketRecord, ...] = ()

    @property
    def topic(self) -> str | None:
        """The first customer intent that names what the contact is about."""
        return next((intent for intent in self.intents if intent not in NO_TOPIC_INTENTS), None)

    @property
    def handed_off(self) -> bool:
        return bool(self.tickets)


@dataclass(frozen=True)
class RatingRecord:
    score: int | None  # 1-5; None: asked, never answered
    channel: str
    language: str


@dataclass(frozen=True)
class SurveyRecord:
    score: int  # 0-10
    language: str
    finished_at: datetime


@dataclass(frozen=True)
class FallbackMessage:
    text: str
    intent: str | None
    confidence: float | None
    language: str
    channel: str


@dataclass(frozen=True)
class NoticeRecord:
    sent_at: datetime
    cause: str
    channel: str | None
    language: str


# --- containment and first-contact resolution ------------------------------------------------------
def _same_issue(first: ConversationRecord, later: ConversationRecord) -> bool:
    if first.order_number and later.order_number == first.order_number:
        return True
    return first.topic is not None and later.topic == first.topic


def contacted_again(conversation: ConversationRecord, everything: Iterable[ConversationRecord],
                    window: timedelta = REPEAT_WINDOW) -> bool:
    """The same customer started another conversation about the same order or the same topic (first
    topic intent) after this one began and at most `window` after it ended."""
    return any(
        other.id != conversation.id and other.customer == conversation.customer
        and conversation.started_at < other.started_at <= conversation.ended_at + window
        and _same_issue(conversation, other)
        for other in everything)


def _by_customer(everything: Iterable[ConversationRecord]) -> dict[str, list[ConversationRecord]]:
    grouped: dict[str, list[ConversationRecord]] = defaultdict(list)
    for conversation in everything:
        grouped[conversation.customer].append(conversation)
    return grouped


def resolved_in_conversation(conversation: ConversationRecord) -> bool:
    """The bot finished without a person, or its last ticket was resolved, or handed back to the
    assistant after a person took it. An open ticket, or one nobody claimed, is not resolved."""
    if not conversation.tickets:
        return True
    last = max(conversation.tickets, key=lambda ticket: (ticket.created_at, ticket.id))
    return last.status in CLOSED_STATUSES and last.claimed_at is not None


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def pct(self) -> float | None:
        return rate(self.count, self.total)


def containment(conversations: Sequence[ConversationRecord], everything: Iterable[ConversationRecord],
                window: timedelta = REPEAT_WINDOW) -> Share:
    """Contacts the bot finished without a handoff (no ticket) and without the same customer
    contacting again about the same order or topic within `window`. `everything` holds the later
    conversations too (up to `window` past the period), so a repeat after the period still counts."""
    later = _by_customer(everything)
    contained = sum(1 for c in conversations
                    if not c.handed_off and not contacted_again(c, later.get(c.customer, ()), window))
    return Share(contained, len(conversations))


def first_contact_resolution(conversations: Sequence[ConversationRecord], everything: Iterable[ConversationRecord],
                             window: timedelta = REPEAT_WINDOW) -> Share:
    """Contacts resolved in that one conversation, by the bot or by a person
    (resolved_in_conversation), without a repeat contact about the same order or topic within `window`."""
    later = _by_customer(everything)
    resolved = sum(1 for c in conversations
                   if resolved_in_conversation(c) and not contacted_again(c, later.get(c.customer, ()), window))
    return Share(resolved, len(conversations))


# --- handoffs -------------------------------------------------------------------------------------
def handoff_rate(conversations: Sequence[ConversationRecord]) -> Share:
    """Contacts that opened at least one ticket for a person."""
    return Share(sum(1 for c in conversations if c.handed_off), len(conversations))


def handoff_reasons(conversations: Sequence[ConversationRecord]) -> list[tuple[str, int]]:
    """Tickets by their reason (tickets.reason), most frequent first."""
    counts = Counter(ticket.reason for c in conversations for ticket in c.tickets)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# --- satisfaction -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Csat:
    asked: int
    responses: int
    average: float | None  # of the 1-5 scores, two decimals
    distribution: dict[int, int]  # score -> answers
    satisfied_pct: float | None  # share of answers that were 4 or 5
    response_pct: float | None


def csat(ratings: Sequence[RatingRecord]) -> Csat:
    """CSAT from the ratings asked in the period: the average of the 1-5 answers, how many gave each
    score, the share of 4s and 5s, and how many of those asked answered."""
    scores = [r.score for r in ratings if r.score is not None]
    distribution = {score: scores.count(score) for score in range(1, 6)}
    average = round(sum(scores) / len(scores), 2) if scores else None
    return Csat(len(ratings), len(scores), average, distribution,
                rate(sum(1 for s in scores if s >= 4), len(scores)), rate(len(scores), len(ratings)))


@dataclass(frozen=True)
class Nps:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> int | None:
        """% promoters (9-10) minus % detractors (0-6), rounded to a whole number, -100..100."""
        return round(100 * (self.promoters - self.detractors) / self.responses) if self.responses else None


def nps(scores: Iterable[int]) -> Nps:
    scores = list(scores)
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return Nps(len(scores), promoters, len(scores) - promoters - detractors, detractors)


def week_of(moment: datetime, zone: ZoneInfo = WARSAW) -> date:
    """The Monday (local date) of the week a moment falls in."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def nps_by_week(surveys: Iterable[SurveyRecord], zone: ZoneInfo = WARSAW) -> list[tuple[date, Nps]]:
    """NPS of the survey answers finished in each week (Monday to Sunday, local time), oldest first."""
    weeks: dict[date, list[int]] = defaultdict(list)
    for survey in surveys:
        weeks[week_of(survey.finished_at, zone)].append(survey.score)
    return [(week, nps(scores)) for week, scores in sorted(weeks.items())]


# --- agents and the queue ----------------------------------------------------------------------------
def seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def median(values: Sequence[int]) -> int | None:
    return round(statistics.median(values)) if values else None


def first_response_seconds(ticket: TicketRecord) -> int | None:
    """From the agent's claim to their first message to the customer."""
    if ticket.claimed_at is None or ticket.first_agent_reply_at is None:
        return None
    return seconds(ticket.claimed_at, ticket.first_agent_reply_at)


def handle_seconds(ticket: TicketRecord) -> int | None:
    """From the claim to the ticket's closing (resolved or handed back)."""
    if ticket.claimed_at is None or ticket.closed_at is None:
        return None
    return seconds(ticket.claimed_at, ticket.closed_at)


@dataclass(frozen=True)
class AgentTimes:
    agent: str
    tickets: int  # claimed in the period
    first_response_median: int | None
    handle_median: int | None


def _times(name: str, tickets: Sequence[TicketRecord]) -> AgentTimes:
    first = [s for s in map(first_response_seconds, tickets) if s is not None]
    handle = [s for s in map(handle_seconds, tickets) if s is not None]
    return AgentTimes(name, len(tickets), median(first), median(handle))


def agent_times(tickets: Iterable[TicketRecord]) -> tuple[AgentTimes, list[AgentTimes]]:
    """Median first response and handle time over all claimed tickets, and per agent (by name)."""
    claimed = [t for t in tickets if t.claimed_at is not None]
    per_agent: dict[str, list[TicketRecord]] = defaultdict(list)
    for ticket in claimed:
        per_agent[ticket.agent or "?"].append(ticket)
    return _times("", claimed), [_times(name, per_agent[name]) for name in sorted(per_agent)]


OpeningHours = Callable[[date], tuple[time, time] | None]


def open_seconds(start: datetime, end: datetime, opening_hours: OpeningHours, zone: ZoneInfo = WARSAW) -> int:
    """Seconds between two moments during which the shop was open (its weekly hours, holidays
    closed): a ticket opened at night starts waiting when the shop opens."""
    if end <= start:
        return 0
    total = 0.0
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        span = opening_hours(day)
        if span is not None:
            opening = datetime.combine(day, span[0], tzinfo=zone)
            closing = (datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone) if span[1] == time.max
                       else datetime.combine(day, span[1], tzinfo=zone))
            overlap = (min(end, closing) - max(start, opening)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return round(total)


def abandoned(ticket: TicketRecord, now: datetime) -> bool:
    """A live ticket nobody claimed: closed without a claim, or still waiting after ABANDONED_AFTER."""
    if ticket.kind != "live" or ticket.claimed_at is not None:
        return False
    return ticket.status in CLOSED_STATUSES or now - ticket.created_at >= ABANDONED_AFTER


@dataclass(frozen=True)
class QueueStats:
    live_tickets: int  # claimed or abandoned; those still waiting briefly are left out
    answered: int
    abandoned: int
    wait_median: int | None  # wall-clock seconds from opening to claim
    wait_average: int | None
    within_target: int
    target_seconds: int

    @property
    def abandonment_pct(self) -> float | None:
        return rate(self.abandoned, self.live_tickets)

    @property
    def service_level_pct(self) -> float | None:
        return rate(self.within_target, self.live_tickets)


def queue_stats(tickets: Iterable[TicketRecord], now: datetime, target_seconds: int, opening_hours: OpeningHours,
                zone: ZoneInfo = WARSAW) -> QueueStats:
    """Live-chat tickets only (messages and call-backs are answered later by design).

    Queue wait: claim minus opening, wall clock. Abandonment: abandoned() over the live tickets that
    were claimed or abandoned. Service level: the share of those claimed within `target_seconds` of
    *business* time (open_seconds), so a chat opened at 19:59 and claimed at 8:00:30 the next
    morning waited 90 s; an abandoned ticket counts as not answered in time."""
    live = [t for t in tickets if t.kind == "live"]
    answered = [t for t in live if t.claimed_at is not None]
    gone = [t for t in live if abandoned(t, now)]
    waits = [seconds(t.created_at, t.claimed_at) for t in answered]
    within = sum(1 for t in answered if open_seconds(t.created_at, t.claimed_at, opening_hours, zone) <= target_seconds)
    return QueueStats(len(answered) + len(gone), len(answered), len(gone), median(waits),
                      round(sum(waits) / len(waits)) if waits else None, within, target_seconds)


# --- volume -----------------------------------------------------------------------------------------
def counted(values: Iterable[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True)
class Volume:
    by_channel: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    by_intent: list[tuple[str, int]]  # by topic; "" when no topic was understood
    by_hour_of_week: list[list[int]]  # [weekday 0 = Monday][local hour 0-23]


def volume(conversations: Iterable[ConversationRecord], zone: ZoneInfo = WARSAW) -> Volume:
    """Contacts by channel, language, topic and the local hour of the week they began."""
    conversations = list(conversations)
    grid = [[0] * 24 for _ in range(7)]
    for c in conversations:
        local = c.started_at.astimezone(zone)
        grid[local.weekday()][local.hour] += 1
    return Volume(counted(c.channel for c in conversations), counted(c.language for c in conversations),
                  counted(c.topic or "" for c in conversations), grid)


# --- fallbacks ----------------------------------------------------------------------------------------
def missed(message: FallbackMessage, confidence_threshold: float) -> bool:
    """The engine fell back (nlu_fallback) or was less sure than the review inbox's threshold."""
    return message.intent == FALLBACK_INTENT or (message.confidence is not None
                                                 and message.confidence < confidence_threshold)


def phrase_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.casefold())).strip()


@dataclass(frozen=True)
class Phrase:
    text: str  # as first seen
    count: int
    intent: str | None
    language: str


@dataclass(frozen=True)
class Fallbacks:
    messages: int
    by_intent: list[tuple[str, int]]  # the intent the engine settled on
    phrases: list[Phrase] = field(default_factory=list)


def fallbacks(messages: Iterable[FallbackMessage], confidence_threshold: float, top: int = 10) -> Fallbacks:
    """Customer messages the bot missed (missed()), by the intent it settled on, and the phrases
    missed most often (compared without case and punctuation)."""
    hits = [m for m in messages if missed(m, confidence_threshold)]
    groups: dict[str, list[FallbackMessage]] = defaultdict(list)
    for message in hits:
        groups[phrase_key(message.text)].append(message)
    phrases = [Phrase(group[0].text, len(group), Counter(m.intent for m in group).most_common(1)[0][0],
                      group[0].language) for key, group in groups.items() if key]
    phrases.sort(key=lambda p: (-p.count, p.text))
    return Fallbacks(len(hits), counted(m.intent or FALLBACK_INTENT for m in hits)[:top], phrases[:top])


# --- delay notices ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WismoPeriod:
    start: datetime
    end: datetime
    shipped: int  # orders shipped in the period (shipments.shipped_at)
    contacts: int  # "where is my order?" contacts that began in it
    notices: int  # delay notices sent in it

    @property
    def contacts_per_100(self) -> float | None:
        return round(100 * self.contacts / self.shipped, 1) if self.shipped else None

    @property
    def notices_per_100(self) -> float | None:
        return round(100 * self.notices / self.shipped, 1) if self.shipped else None


def asked_where_is_my_order(conversation: ConversationRecord) -> bool:
    return ORDER_STATUS_INTENT in conversation.intents


def _period(start: datetime, end: datetime, shipped: Sequence[datetime], conversations: Sequence[ConversationRecord],
            notices: Sequence[NoticeRecord]) -> WismoPeriod:
    return WismoPeriod(start, end, sum(1 for at in shipped if start <= at < end),
                       sum(1 for c in conversations if start <= c.started_at < end and asked_where_is_my_order(c)),
                       sum(1 for n in notices if start <= n.sent_at < end))


def wismo_before_after(start: datetime, end: datetime, first_notice_at: datetime | None, shipped: Sequence[datetime],
                       conversations: Sequence[ConversationRecord],
                       notices: Sequence[NoticeRecord]) -> tuple[WismoPeriod, WismoPeriod | None]:
    """Delay notices sent and "where is my order?" contacts (a customer message understood as
    order_status) per 100 orders shipped, before and after the first notice ever sent: the period
    [start, end) is split at that moment. No notice yet: the whole period is "before"."""
    if first_notice_at is None or first_notice_at >= end:
        return _period(start, end, shipped, conversations, notices), None
    split = max(start, first_notice_at)
    before = _period(start, split, shipped, conversations, notices)
    return before, _period(split, end, shipped, conversations, notices)
