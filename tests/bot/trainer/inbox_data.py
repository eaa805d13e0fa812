"""Conversations written straight into the database, a minute per step, for the review inbox's tests."""

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from bot.models.conversation import Author, Channel, Conversation, Message
from bot.models.handoff import Ticket, TicketKind
from bot.settings import PROJECT_ROOT
from bot.trainer.data.domain_summary import load_review_domain
from bot.trainer.review.inbox import REPHRASE_RESPONSES

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
DOMAIN = load_review_domain(PROJECT_ROOT / "domain.yml")
REPHRASE_PL, REPHRASE_EN = (DOMAIN.response_texts["utter_ask_rephrase"][i] for i in (0, 1))
REPHRASE_TEXTS = DOMAIN.texts_of(*REPHRASE_RESPONSES)


class Chat:
    """One conversation; each call adds a message (or a ticket) one minute after the last."""

    def __init__(self, session: Session, language: str = "pl", channel: Channel = Channel.WEB,
                 start: datetime = T0) -> None:
        self.session = session
        self.now = start
        self.conversation = Conversation(id=str(uuid.uuid4()), channel=channel, language=language,
                                         created_at=start, last_activity_at=start)
        session.add(self.conversation)
        session.flush()

    @property
    def id(self) -> str:
        return self.conversation.id

    def _tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    def _add(self, author: Author, text: str, **fields) -> Message:
        at = self._tick()
        # Answered at once: a gateway starting on this database must find nothing left to answer.
        message = Message(conversation_id=self.id, author=author, channel=self.conversation.channel, text=text,
                          created_at=at, handled_at=at, **fields)
        self.session.add(message)
        self.session.flush()
        return message

    def customer(self, text: str, intent: str | None = None, confidence: float | None = None, **fields) -> Message:
        fields.setdefault("language", self.conversation.language)
        return self._add(Author.CUSTOMER, text, intent=intent, confidence=confidence, **fields)

    def bot(self, text: str) -> Message:
        return self._add(Author.BOT, text)

    def agent(self, text: str) -> Message:
        return self._add(Author.AGENT, text)

    def ticket(self, reason: str) -> Ticket:
        ticket = Ticket(conversation_id=self.id, kind=TicketKind.LIVE, reason=reason, priority="normal",
                        priority_rank=1, language=self.conversation.language, channel=self.conversation.channel,
                        created_at=self._tick())
        self.session.add(ticket)
        self.session.flush()
        return ticket
