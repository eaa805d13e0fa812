"""The survey by SMS link, for customers every call reached on voicemail: the link goes out as an
SMS in a conversation of its own, and the page's answer is stored like a call's."""

import asyncio
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.identity import contact_for_phone
from bot.conversations.replies import SystemReplies
from bot.conversations.views import message_view
from bot.handoff.announcer import QueueAnnouncer
from bot.models.conversation import Author, Channel, Conversation, ConversationState, Message
from bot.models.survey import Survey, SurveyState
from bot.settings import Settings
from bot.surveys.results import SurveyResults, link_token_hash
from contracts.survey_result import SurveyOutcome, SurveyResult
from db.sessions import unit_of_work, write

# Writes the SMS into its new conversation; None when there is nothing to send after all.
Compose = Callable[[Session, Survey, Conversation, datetime], Message | None]


@dataclass(frozen=True)
class LinkedSurvey:
    language: str
    order_number: str
    answered: bool


class SurveyLinks:
    def __init__(self, sessions: sessionmaker[Session], replies: SystemReplies, delivery: Delivery,
                 results: SurveyResults, announcer: QueueAnnouncer, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._replies = replies
        self._delivery = delivery
        self._results = results
        self._announcer = announcer
        self._settings = settings
        self._clock = clock

    async def send(self, survey_id: int) -> None:
        """The survey page's link, after the last attempt reached voicemail (once per survey)."""
        await self._text(survey_id, self._link_message)

    async def ask_for_review(self, survey_id: int, review_link: str) -> None:
        """A promoter's thank-you with the shop's public review page."""
        def message(session: Session, survey: Survey, conversation: Conversation, now: datetime) -> Message:
            return self._replies.system(session, conversation, "survey_review_sms", now, link=review_link)
        await self._text(survey_id, message)

    async def _text(self, survey_id: int, compose: Compose) -> None:
        prepared = await asyncio.to_thread(self._prepare, survey_id, compose)
        if prepared is not None:
            conversation_id, view = prepared
            await self._delivery.deliver(conversation_id, Channel.SMS, [view])

    def _prepare(self, survey_id: int, compose: Compose) -> tuple[str, dict] | None:
        """An SMS conversation of its own with the composed message, stored before it is sent."""
        with unit_of_work(self._sessions) as session:
            survey = session.get(Survey, survey_id)
            if survey is None:
                return None
            now = self._clock()
            conversation = Conversation(
                id=str(uuid.uuid4()), channel=Channel.SMS, address=survey.phone, language=survey.language,
                state=ConversationState.BOT, pending_data={}, created_at=now, last_activity_at=now,
                contact=contact_for_phone(session, survey.phone))
            session.add(conversation)
            session.flush()  # no relationship tells SQLAlchemy the conversation must exist first
            message = compose(session, survey, conversation, now)
            if message is None:
                session.rollback()  # no empty conversation left behind
                return None
            session.flush()
            return conversation.id, message_view(message)

    def _link_message(self, session: Session, survey: Survey, conversation: Conversation, now: datetime) -> Message | None:
        if survey.link_sent_at is not None:
            return None
        token = secrets.token_urlsafe(24)
        survey.link_token_hash, survey.link_sent_at = link_token_hash(token), now
        survey.link_conversation_id = conversation.id
        return self._replies.system(session, conversation, "survey_link_sms", now,
                                    order=survey.order_number,
                                    link=self._settings.outside_url(f"/survey/{token}"))

    def find(self, token: str) -> LinkedSurvey | None:
        with self._sessions() as session:
            survey = self._by_token(session, token)
            if survey is None:
                return None
            return LinkedSurvey(survey.language, survey.order_number,
                                survey.score is not None or survey.outcome == SurveyOutcome.OPTED_OUT)

    async def answer(self, token: str, score: int, reason: str, callback: bool) -> bool:
        """Stores the page's answer; False when the link is unknown or already answered."""
        def store(session: Session) -> tuple[bool, bool]:
            survey = self._by_token(session, token)
            if survey is None or survey.score is not None:
                return False, False
            now = self._clock()
            conversation = session.get(Conversation, survey.link_conversation_id)
            session.add(Message(conversation=conversation, author=Author.CUSTOMER, channel=Channel.SMS,
                                language=survey.language, text=f"{score}/10. {reason}".strip(), buttons=[],
                                created_at=now, handled_at=now))
            result = SurveyResult(SurveyOutcome.COMPLETED, survey.language, score, reason or None, callback)
            return True, self._results.record(session, survey, conversation, result, "web", now)
        stored, ticket_opened = await write(self._sessions, store)
        if ticket_opened:
            await self._announcer.announce()
        return stored

    @staticmethod
    def _by_token(session: Session, token: str) -> Survey | None:
        return session.scalar(select(Survey).where(Survey.link_token_hash == link_token_hash(token),
                                                   Survey.state == SurveyState.FINISHED))
