"""Customer satisfaction (CSAT): the one 1-5 question asked when a conversation ends, its answer on
every channel, a comment after a low score with a follow-up ticket for a person, and the customers
who asked not to be asked.

When a conversation ends:
- the assistant finished: the customer says goodbye or thanks (and the assistant answered) in a
  conversation with the assistant, with no ticket open, after at least one real request;
- an agent resolved the ticket.

How it is asked: stars in the web chat (buttons whose payloads are `!rate:1`..`!rate:5`, drawn as
stars by the widget), the keypad on a call (the same buttons: one key answers), a digit reply on
SMS, WhatsApp and Messenger, and a link to a small rating page by e-mail. The question leaves a
pending prompt on the conversation: the next reply that is a lone digit 1-5 is the score and never
reaches the assistant; anything else ends the question and goes on as usual. Never asked twice
within the quiet period for the same address or customer, never after an opt-out, never in a
survey call. Functions that take a session never commit: the caller's unit of work does.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.replies import SystemReplies, known_contact
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Author, Channel, Conversation, ConversationState, Message
from bot.models.feedback import ContactOptOut, Rating
from bot.models.handoff import Ticket, TicketKind
from bot.models.survey import Survey, SurveyCall, SurveyOptOut
from bot.settings import Settings
from db.sessions import read, write
from text.questions import questions

RATING_PAYLOAD = "!rate:"  # a star's (or a key's) payload: "!rate:4"
SCORE_PROMPT = "csat_score"
COMMENT_PROMPT = "csat_comment"
FEEDBACK_TOPIC = "feedback"
LOW_SCORE_REASON = "low_csat"
SCORES = range(1, 6)
# The customer's last turn that ends a conversation the assistant finished.
ENDING_INTENTS = frozenset({"goodbye", "thank"})
# Turns that are no request: a conversation of only these was not a finished task, so nothing is asked.
NOT_A_REQUEST = frozenset({"greet", "goodbye", "thank", "bot_challenge", "affirm", "deny"})
# Where the question can be asked. The REST API's integrators get no surprise question.
ASKED_ON = frozenset({Channel.WEB, Channel.SMS, Channel.WHATSAPP, Channel.MESSENGER, Channel.EMAIL, Channel.VOICE})
# Channels with stars or keys: the question carries 1-5 as buttons.
WITH_BUTTONS = frozenset({Channel.WEB, Channel.VOICE})
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.VOICE})
MAX_COMMENT_CHARS = 2000
# An opt-out is a short message: "STOP", "nie pytaj mnie więcej", not a sentence that mentions it.
OPT_OUT_MAX_CHARS = 40


@dataclass(frozen=True)
class SatisfactionConfig:
    enabled: bool = True
    quiet_period: timedelta = timedelta(hours=24)
    low_score_max: int = 2  # a score up to this asks what went wrong and opens a follow-up ticket

    @classmethod
    def from_settings(cls, settings: Settings) -> "SatisfactionConfig":
        return cls(settings.csat_enabled, timedelta(hours=settings.csat_quiet_hours), settings.csat_low_score)


@dataclass(frozen=True)
class RatingStep:
    """What a customer's answer to the question did."""

    replies: list[Message]
    ticket_opened: bool = False
    finished: bool = False  # nothing more to ask: a call may hang up


@dataclass(frozen=True)
class LinkedRating:
    """A rating as the e-mailed link's page sees it."""

    language: str
    score: int | None
    comment: str | None
    low: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rating_address(conversation: Conversation) -> str:
    """Who is asked, in the channel's own terms: SMS and WhatsApp from one number are one person, an
    e-mail address or a Messenger id; a web chat is its customer when known, else itself."""
    if conversation.channel in PHONE_CHANNELS and conversation.address:
        return normalise_phone(conversation.address.removeprefix("whatsapp:"))
    if conversation.address:
        return conversation.address.lower()
    contact = conversation.contact
    if contact is not None and (contact.email or contact.phone):
        return contact.email or normalise_phone(contact.phone)
    return f"conversation:{conversation.id}"


def normalise_phone(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def score_in(text: str, payload: str | None) -> int | None:
    """The score a reply gives: a star's payload, or a lone digit 1-5."""
    if payload and payload.startswith(RATING_PAYLOAD):
        value = payload.removeprefix(RATING_PAYLOAD)
    else:
        value = text.strip().rstrip(".!")
    return int(value) if value in {str(score) for score in SCORES} else None


def is_rating_question(message: dict) -> bool:
    """Whether a stored message (its view) is the question with its 1-5 buttons: a call speaks only its text."""
    buttons = message.get("buttons") or []
    return bool(buttons) and all(str(button.get("payload", "")).startswith(RATING_PAYLOAD) for button in buttons)


def is_rating_answer(payload: str | None, pending_prompt: str | None) -> bool:
    """Whether this message answers the rating question rather than the assistant."""
    return pending_prompt in (SCORE_PROMPT, COMMENT_PROMPT) or bool(payload and payload.startswith(RATING_PAYLOAD))


class Satisfaction:
    def __init__(self, config: SatisfactionConfig, sessions: sessionmaker[Session], queue: HandoffQueue,
                 replies: SystemReplies, outside_url: Callable[[str], str], clock: Callable[[], datetime]) -> None:
        self.config = config
        self._sessions = sessions
        self._queue = queue
        self._replies = replies
        self._outside_url = outside_url
        self._clock = clock

    # --- asking ---------------------------------------------------------------------------------
    def after_bot_turn(self, session: Session, message: Message | None, now: datetime) -> Message | None:
        """The question, when the assistant has just answered a customer `message` that ended a
        conversation it finished: goodbye or thanks (and nothing more: an e-mail's other questions
        are answered first) after a real request, with the assistant, no ticket open, nothing pending."""
        if message is None or message.intent not in ENDING_INTENTS or len(questions(message.text)) > 1:
            return None
        conversation = message.conversation
        if conversation.state != ConversationState.BOT:
            return None
        if conversation.pending_prompt is not None or self._queue.open_ticket_of(session, conversation.id):
            return None
        asked_for_something = session.scalar(select(exists().where(
            Message.conversation_id == conversation.id, Message.author == Author.CUSTOMER,
            Message.intent.is_not(None), Message.intent.not_in(NOT_A_REQUEST))))
        return self.ask(session, conversation, now) if asked_for_something else None

    def after_resolution(self, session: Session, ticket: Ticket, now: datetime) -> Message | None:
        """The question, when an agent resolved the ticket (a call is over by then: not asked)."""
        conversation = ticket.conversation
        if conversation.channel == Channel.VOICE:
            return None
        conversation.pending_prompt = None  # a leave-a-message step left open is moot once resolved
        return self.ask(session, conversation, now, ticket)

    def ask(self, session: Session, conversation: Conversation, now: datetime,
            ticket: Ticket | None = None) -> Message | None:
        """Stores the question (and its rating) unless it may not be asked now; the caller sends it."""
        if not self.config.enabled or conversation.channel not in ASKED_ON:
            return None
        address = rating_address(conversation)
        if self._in_survey(session, conversation) or self._opted_out(session, conversation, address):
            return None
        if self._asked_recently(session, conversation, address, now):
            return None
        rating = Rating(conversation_id=conversation.id, ticket_id=ticket.id if ticket else None,
                        channel=conversation.channel, language=conversation.language, address=address, asked_at=now)
        session.add(rating)
        conversation.pending_prompt = SCORE_PROMPT
        values: dict[str, str] = {}
        if conversation.channel == Channel.EMAIL:
            token = secrets.token_urlsafe(24)
            rating.link_token_hash = token_hash(token)
            values["link"] = self._outside_url(f"/rate/{token}")
        buttons = None
        if conversation.channel in WITH_BUTTONS:
            buttons = [{"title": "★" * score, "payload": f"{RATING_PAYLOAD}{score}"} for score in SCORES]
        return self._replies.system(session, conversation, "csat_ask", now, buttons=buttons, **values)

    def _in_survey(self, session: Session, conversation: Conversation) -> bool:
        return bool(session.scalar(select(exists().where(SurveyCall.conversation_id == conversation.id)))
                    or session.scalar(select(exists().where(Survey.link_conversation_id == conversation.id))))

    def _opted_out(self, session: Session, conversation: Conversation, address: str) -> bool:
        if session.scalar(select(exists().where(ContactOptOut.address == address,
                                                ContactOptOut.topic == FEEDBACK_TOPIC))):
            return True
        # "Don't call me again" from a survey call counts for the number's feedback questions too.
        phone = address if conversation.channel in PHONE_CHANNELS else None
        return phone is not None and bool(session.scalar(select(exists().where(SurveyOptOut.phone == phone))))

    def _asked_recently(self, session: Session, conversation: Conversation, address: str, now: datetime) -> bool:
        same_customer = Rating.address == address
        if conversation.contact_id is not None:
            same_customer = or_(same_customer, Rating.conversation_id.in_(
                select(Conversation.id).where(Conversation.contact_id == conversation.contact_id)))
        return bool(session.scalar(select(exists().where(
            same_customer, Rating.asked_at > now - self.config.quiet_period))))

    # --- answers in the conversation ------------------------------------------------------------
    def answer(self, session: Session, message: Message, now: datetime) -> RatingStep | None:
        """Handles a reply while the question is pending (or a star pressed): a score, a comment after
        a low score, or an opt-out. None when the reply is something else: the question is dropped
        and the message goes on to the assistant."""
        conversation = message.conversation
        prompt, conversation.pending_prompt = conversation.pending_prompt, None
        rating = session.scalar(select(Rating).where(Rating.conversation_id == conversation.id)
                                .order_by(Rating.id.desc()).limit(1))
        if rating is None:
            return None
        if prompt == COMMENT_PROMPT:  # whatever it says ("stop sending late parcels!") is the comment
            return self._comment(session, conversation, rating, message.text, now)
        if self._is_opt_out(message.text):
            return RatingStep([self._opt_out(session, conversation, rating, now)], finished=True)
        score = score_in(message.text, message.payload)
        if score is None:
            return None
        if rating.score is not None:  # a star pressed again: the first answer stands, the assistant never sees it
            return RatingStep([], finished=True) if message.payload else None
        return self._score(session, conversation, rating, score, now)

    def _score(self, session: Session, conversation: Conversation, rating: Rating, score: int,
               now: datetime) -> RatingStep:
        rating.score, rating.answered_at = score, now
        if score > self.config.low_score_max:
            return RatingStep([self._replies.system(session, conversation, "csat_thanks", now)], finished=True)
        ticket = self._follow_up(session, conversation, rating, now)
        conversation.pending_prompt = COMMENT_PROMPT
        return RatingStep([self._replies.system(session, conversation, "csat_ask_comment", now, ticket=ticket.id)],
                          ticket_opened=True)

    def _comment(self, session: Session, conversation: Conversation, rating: Rating, text: str,
                 now: datetime) -> RatingStep:
        self._store_comment(session, rating, text)
        reply = self._replies.system(session, conversation, "csat_comment_thanks", now,
                                     ticket=rating.follow_up_ticket_id,
                                     reply_by=self._replies.reply_by(conversation.language, now))
        return RatingStep([reply], finished=True)

    def _store_comment(self, session: Session, rating: Rating, text: str) -> None:
        rating.comment = text.strip()[:MAX_COMMENT_CHARS]
        ticket = session.get(Ticket, rating.follow_up_ticket_id) if rating.follow_up_ticket_id else None
        if ticket is not None:
            ticket.summary = f"{ticket.summary}\n{rating.comment}".strip()

    def _follow_up(self, session: Session, conversation: Conversation, rating: Rating, now: datetime) -> Ticket:
        """A low score: a ticket for a person, on the conversation (so the console shows its transcript)."""
        summary = self._replies.texts.say("csat_follow_up_summary", conversation.language, score=rating.score)
        ticket = self._queue.open_ticket_of(session, conversation.id) or self._queue.open_ticket(
            session, conversation, kind=TicketKind.MESSAGE, reason=LOW_SCORE_REASON, priority="high", now=now,
            summary=summary, contact_details=known_contact(conversation) or conversation.address)
        rating.follow_up_ticket_id = ticket.id
        return ticket

    def _is_opt_out(self, text: str) -> bool:
        words = re.sub(r"[^\w\s']", " ", text.lower()).split()
        said = " ".join(words)
        if not said or len(said) > OPT_OUT_MAX_CHARS:
            return False
        phrases = {phrase.strip() for language in ("pl", "en")
                   for phrase in self._replies.texts.say("csat_opt_out_words", language).lower().split("|")}
        return any(said == phrase or said.startswith(f"{phrase} ") for phrase in phrases if phrase)

    def _opt_out(self, session: Session, conversation: Conversation, rating: Rating, now: datetime) -> Message:
        exists_already = session.scalar(select(exists().where(ContactOptOut.address == rating.address,
                                                              ContactOptOut.topic == FEEDBACK_TOPIC)))
        if not exists_already:
            session.add(ContactOptOut(address=rating.address, topic=FEEDBACK_TOPIC, channel=conversation.channel,
                                      created_at=now))
        return self._replies.system(session, conversation, "csat_opted_out", now)

    # --- the e-mailed link's page ---------------------------------------------------------------
    async def find_by_link(self, token: str) -> LinkedRating | None:
        def find(session: Session) -> LinkedRating | None:
            rating = self._by_token(session, token)
            if rating is None:
                return None
            low = rating.score is not None and rating.score <= self.config.low_score_max
            return LinkedRating(rating.language, rating.score, rating.comment, low)
        return await read(self._sessions, find)

    async def score_by_link(self, token: str, score: int) -> tuple[LinkedRating | None, bool]:
        """Stores the page's score (once); returns the rating and whether a follow-up ticket opened."""
        def store(session: Session) -> tuple[LinkedRating | None, bool]:
            rating = self._by_token(session, token)
            if rating is None:
                return None, False
            opened = False
            if rating.score is None:
                conversation = rating.conversation
                if conversation.pending_prompt in (SCORE_PROMPT, COMMENT_PROMPT):
                    conversation.pending_prompt = None  # answered on the page: the next e-mail is for the assistant
                rating.score, rating.answered_at = score, self._clock()
                if score <= self.config.low_score_max:
                    self._follow_up(session, conversation, rating, self._clock())
                    opened = True
            low = rating.score <= self.config.low_score_max
            return LinkedRating(rating.language, rating.score, rating.comment, low), opened
        return await write(self._sessions, store)

    async def comment_by_link(self, token: str, comment: str) -> bool:
        """Stores the page's comment after a low score (once); False when there is nothing to comment on."""
        def store(session: Session) -> bool:
            rating = self._by_token(session, token)
            if rating is None or rating.score is None or rating.score > self.config.low_score_max or rating.comment:
                return False
            self._store_comment(session, rating, comment)
            return True
        return await write(self._sessions, store)

    @staticmethod
    def _by_token(session: Session, token: str) -> Rating | None:
        return session.scalar(select(Rating).where(Rating.link_token_hash == token_hash(token)))
