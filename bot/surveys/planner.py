"""Who gets a survey call and when: picks delivered orders once each, spaces out attempts by
the calling rules, and moves a survey on when Twilio reports how an attempt went.

Everything here is synchronous database work with the moment passed in, so tests pin the clock;
placing the calls themselves is the dialer's job.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models.conversation import Contact, Conversation
from bot.models.survey import CallStatusEvent, Survey, SurveyCall, SurveyOptOut, SurveyState
from bot.observability import metrics
from bot.surveys.calling_rules import CallingRules
from bot.surveys.config import SurveyConfig
from contracts.survey_result import PROMOTER_MIN, SurveyOutcome
from db.sessions import unit_of_work
from shop.order_views import OrderView
from shop.service import ShopService

log = logging.getLogger(__name__)

FINAL_CALL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
UNREACHED = {"busy": SurveyOutcome.NO_ANSWER, "no-answer": SurveyOutcome.NO_ANSWER,
             "canceled": SurveyOutcome.NO_ANSWER, "failed": SurveyOutcome.FAILED}
# Twilio's AnsweredBy values for a machine (answering-machine detection).
MACHINE_ANSWERS = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax")


@dataclass(frozen=True)
class CallRequest:
    """An attempt to place now."""

    survey_id: int
    call_id: int
    phone: str
    language: str


@dataclass(frozen=True)
class StatusUpdate:
    applied: bool  # False: this callback was seen before and changed nothing
    send_link_to: int | None = None  # a survey whose last attempt reached voicemail: text it the link
    ask_review_from: int | None = None  # a promoter's survey call just ended: text them the review link


def normalise_phone(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


ORDER_TO_DELIVERY = timedelta(days=30)


class SurveyPlanner:
    def __init__(self, sessions: sessionmaker[Session], config: SurveyConfig, shop: ShopService) -> None:
        self._sessions = sessions
        self._config = config
        self._shop = shop  # delivered orders, from the demo tables or the shop's platform
        self.rules = CallingRules(config)

    # --- choosing whom to call ---------------------------------------------------------------
    def select_due_orders(self, now: datetime) -> list[int]:
        """Opens a survey for every order delivered long enough ago and not surveyed yet."""
        config = self._config
        delivered_from = now - timedelta(days=config.max_days_after_delivery)
        delivered_until = now - timedelta(days=config.days_after_delivery)
        # An order is placed before it is delivered; a month covers the slowest parcel.
        due = [order for order in self._shop.orders_placed_since(delivered_from - ORDER_TO_DELIVERY)
               if order.status == "delivered" and order.shipment and order.shipment.delivered_at
               and delivered_from < order.shipment.delivered_at <= delivered_until and order.customer_phone]
        with unit_of_work(self._sessions) as session:
            surveyed = set(session.scalars(select(Survey.order_number).where(
                Survey.order_number.in_([order.number for order in due]))))
            opened = []
            for order in sorted(due, key=lambda order: order.shipment.delivered_at):
                phone = normalise_phone(order.customer_phone or "")
                if order.number in surveyed or not phone or self.is_blocked(session, phone):
                    continue
                zone = config.time_zone_for(order.delivery_country)
                survey = Survey(order_number=order.number, customer_id=order.customer_id, phone=phone,
                                categories=sorted({item.category for item in order.items}),
                                language=self._language_of(session, order, phone), time_zone=zone,
                                state=SurveyState.SCHEDULED, next_attempt_at=self.rules.next_call_time(now, zone),
                                created_at=now)
                session.add(survey)
                opened.append(survey)
            session.flush()
            return [survey.id for survey in opened]

    def is_blocked(self, session: Session, phone: str) -> bool:
        if phone in {normalise_phone(number) for number in self._config.do_not_call}:
            return True
        return session.scalar(select(exists().where(SurveyOptOut.phone == phone))) or False

    @staticmethod
    def _language_of(session: Session, order: OrderView, phone: str) -> str:
        """The language of the customer's latest conversation on any channel, else their account's."""
        theirs = Contact.phone == phone
        if order.customer_id is not None:
            theirs = theirs | (Contact.shop_customer_id == order.customer_id)
        spoken = session.scalar(
            select(Conversation.language).join(Contact, Conversation.contact_id == Contact.id)
            .where(theirs).order_by(Conversation.last_activity_at.desc()).limit(1))
        return spoken or order.language

    def expire_silent_calls(self, now: datetime) -> int:
        """Attempts whose final status callback never came count as failed (retried like one), so
        a lost webhook cannot leave a survey "calling" for ever. Returns how many."""
        cutoff = now - timedelta(minutes=self._config.silent_call_minutes)
        with unit_of_work(self._sessions) as session:
            silent = session.scalars(select(SurveyCall).join(Survey).where(
                Survey.state == SurveyState.CALLING, SurveyCall.attempt == Survey.attempts,
                SurveyCall.ended_at.is_(None), SurveyCall.placed_at <= cutoff)).all()
            for call in silent:
                log.warning("survey call %s (%s) had no final status after %s min: counted as failed",
                            call.id, call.call_sid, self._config.silent_call_minutes)
                call.ended_at = now
                self._after_unreached(call.survey, SurveyOutcome.FAILED, now)
            return len(silent)

    def due_surveys(self, now: datetime) -> list[int]:
        with self._sessions() as session:
            return list(session.scalars(
                select(Survey.id).where(Survey.state == SurveyState.SCHEDULED, Survey.next_attempt_at <= now)
                .order_by(Survey.next_attempt_at, Survey.id)))

    # --- one attempt ------------------------------------------------------------------------------
    def begin_attempt(self, survey_id: int, now: datetime) -> CallRequest | None:
        """Claims a due survey for a call now, or None when it is not to be called now."""
        with unit_of_work(self._sessions) as session:
            # One conditional update: two schedulers never call the same customer twice.
            claimed = session.execute(
                update(Survey).where(Survey.id == survey_id, Survey.state == SurveyState.SCHEDULED,
                                     Survey.next_attempt_at <= now)
                .values(state=SurveyState.CALLING, attempts=Survey.attempts + 1)).rowcount
            if not claimed:
                return None
            survey = session.get(Survey, survey_id)
            if self.is_blocked(session, survey.phone):
                self._finish(survey, SurveyOutcome.OPTED_OUT, now)
                return None
            if not self.rules.may_call(now, survey.time_zone):
                survey.state, survey.attempts = SurveyState.SCHEDULED, survey.attempts - 1
                survey.next_attempt_at = self.rules.next_call_time(now, survey.time_zone)
                return None
            call = SurveyCall(survey=survey, attempt=survey.attempts, placed_at=now)
            session.add(call)
            session.flush()
            return CallRequest(survey.id, call.id, survey.phone, survey.language)

    def call_placed(self, call_id: int, call_sid: str) -> None:
        with unit_of_work(self._sessions) as session:
            session.get(SurveyCall, call_id).call_sid = call_sid

    def call_not_placed(self, call_id: int, now: datetime) -> None:
        """Twilio refused the call (bad number, outage): counts as a failed attempt."""
        with unit_of_work(self._sessions) as session:
            call = session.get(SurveyCall, call_id)
            call.status, call.ended_at = "failed", now
            self._after_unreached(call.survey, SurveyOutcome.FAILED, now)

    def call_answered(self, call_id: int, call_sid: str, answered_by: str | None) -> tuple[bool, str] | None:
        """Twilio fetched the call's TwiML: a person answered (True) or a machine; and the language.
        None for a call we never placed."""
        with unit_of_work(self._sessions) as session:
            call = session.get(SurveyCall, call_id)
            if call is None or (call.call_sid and call.call_sid != call_sid):
                return None
            call.call_sid = call.call_sid or call_sid
            call.answered_by = answered_by
            return not (answered_by or "").startswith(MACHINE_ANSWERS), call.survey.language

    def link_conversation(self, call_id: int, conversation_id: str) -> None:
        with unit_of_work(self._sessions) as session:
            session.get(SurveyCall, call_id).conversation_id = conversation_id

    # --- how it went ------------------------------------------------------------------------------
    def apply_status(self, call_sid: str, status: str, answered_by: str | None, duration: int | None,
                     now: datetime) -> StatusUpdate:
        """A Twilio status callback; each (call, status) pair is applied once however often it comes."""
        try:
            with unit_of_work(self._sessions) as session:
                session.add(CallStatusEvent(call_sid=call_sid, status=status, received_at=now))
                session.flush()
                call = session.scalar(select(SurveyCall).where(SurveyCall.call_sid == call_sid))
                if call is None:
                    log.warning("status %s for unknown survey call %s", status, call_sid)
                    return StatusUpdate(applied=True)
                if call.ended_at is not None:  # already counted as failed: too late to change it
                    return StatusUpdate(applied=True)
                call.status = status
                call.answered_by = answered_by or call.answered_by
                if status not in FINAL_CALL_STATUSES:
                    return StatusUpdate(applied=True)
                call.ended_at, call.duration_seconds = now, duration
                survey = call.survey
                if survey.state == SurveyState.FINISHED:
                    promoter = survey.score is not None and survey.score >= PROMOTER_MIN and survey.answered_via == "phone"
                    return StatusUpdate(applied=True,
                                        ask_review_from=survey.id if promoter and self._config.review_link else None)
                if status in UNREACHED:
                    self._after_unreached(survey, UNREACHED[status], now)
                elif (call.answered_by or "").startswith(MACHINE_ANSWERS):
                    self._after_unreached(survey, SurveyOutcome.VOICEMAIL, now)
                    if (survey.state == SurveyState.FINISHED and survey.link_sent_at is None
                            and self._config.after_last_voicemail == "sms"):
                        return StatusUpdate(applied=True, send_link_to=survey.id)
                else:  # a person answered and hung up before the end: do not call them again
                    metrics.SURVEY_CALLS.labels(outcome=SurveyOutcome.INCOMPLETE.value).inc()
                    self._finish(survey, SurveyOutcome.INCOMPLETE, now)
                return StatusUpdate(applied=True)
        except IntegrityError:
            return StatusUpdate(applied=False)

    def _after_unreached(self, survey: Survey, outcome: SurveyOutcome, now: datetime) -> None:
        metrics.SURVEY_CALLS.labels(outcome=outcome.value).inc()
        if survey.attempts >= self._config.max_attempts:
            self._finish(survey, outcome, now)
            return
        retry_at = now + timedelta(minutes=self._config.retry_delay_minutes(survey.attempts))
        survey.state, survey.outcome = SurveyState.SCHEDULED, None
        survey.next_attempt_at = self.rules.next_call_time(retry_at, survey.time_zone)

    @staticmethod
    def _finish(survey: Survey, outcome: SurveyOutcome, now: datetime) -> None:
        survey.state, survey.outcome, survey.finished_at, survey.next_attempt_at = \
            SurveyState.FINISHED, outcome, now, None
