"""Stores what a survey ended with, from a call (the assistant's result message) or from the
SMS link's page, and acts on it: an unhappy customer's ticket goes to the top of the queue,
"don't call me again" is kept for good."""

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.texts import GatewayTexts
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Conversation
from bot.models.handoff import TicketKind
from bot.models.survey import Survey, SurveyCall, SurveyOptOut, SurveyState
from bot.observability import metrics
from bot.surveys.planner import normalise_phone
from contracts.survey_result import DETRACTOR_MAX, SurveyOutcome, SurveyResult

DETRACTOR_REASON = "survey_detractor"


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SurveyResults:
    def __init__(self, queue: HandoffQueue, texts: GatewayTexts) -> None:
        self._queue = queue
        self._texts = texts

    def from_assistant(self, session: Session, conversation: Conversation, payload: dict[str, Any],
                       now: datetime) -> bool:
        """The conversation core's handler for `survey_result` messages; True when a ticket opened."""
        result = SurveyResult.from_message(payload)
        if result is None:
            return False
        survey = session.scalar(select(Survey).join(SurveyCall).where(SurveyCall.conversation_id == conversation.id))
        if survey is None and result.outcome == SurveyOutcome.OPTED_OUT and conversation.address:
            # "Don't call me again" said in a chat or an SMS: no survey call here, but it still counts.
            self.opt_out(session, normalise_phone(conversation.address), None, conversation.channel.value, now)
            return False
        if survey is None or survey.state == SurveyState.FINISHED:
            return False  # a customer rating the shop unprompted: the transcript keeps it
        metrics.SURVEY_CALLS.labels(outcome=result.outcome.value).inc()
        return self.record(session, survey, conversation, result, "phone", now)

    def record(self, session: Session, survey: Survey, conversation: Conversation, result: SurveyResult,
               via: str, now: datetime) -> bool:
        survey.state, survey.outcome, survey.finished_at, survey.next_attempt_at = \
            SurveyState.FINISHED, result.outcome, now, None
        if result.outcome == SurveyOutcome.OPTED_OUT:
            self.opt_out(session, survey.phone, survey.customer_id, via, now)
            return False
        if result.score is None:
            return False
        survey.score, survey.reason, survey.answered_via = result.score, result.reason, via
        survey.callback_requested = result.callback_requested
        if result.score > DETRACTOR_MAX:
            return False
        summary = self._texts.say("survey_detractor_summary", conversation.language, score=result.score,
                                  order=survey.order_number, reason=result.reason or "-")
        ticket = self._queue.open_ticket(
            session, conversation, kind=TicketKind.CALLBACK if result.callback_requested else TicketKind.MESSAGE,
            reason=DETRACTOR_REASON, priority="high", now=now, summary=summary, order_number=survey.order_number,
            # We called the number the customer gave with this order: the shop knows who they are.
            order_verified=True, shop_customer_id=survey.customer_id, contact_details=survey.phone)
        survey.ticket_id = ticket.id
        return True

    @staticmethod
    def opt_out(session: Session, phone: str, customer_id: int | None, source: str, now: datetime) -> None:
        if phone and session.scalar(select(SurveyOptOut).where(SurveyOptOut.phone == phone)) is None:
            session.add(SurveyOptOut(phone=phone, customer_id=customer_id, source=source, created_at=now))
