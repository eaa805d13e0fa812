"""Erases one person on request: the app database first, in one transaction with its audit entry,
then the engine's trackers of their conversations (retried by the next erasure if the engine is down).

Shop orders stay for accounting (invoices are kept for five years), with the customer's name,
contact details and delivery address replaced; numbers, amounts and dates remain.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.models.conversation import CallStream, Contact
from bot.models.feedback import ContactOptOut
from bot.models.privacy import AnonymisationReason
from bot.models.survey import CallStatusEvent, SurveyOptOut, SurveyState
from bot.privacy import audit
from bot.privacy.anonymise import ANONYMISED, Forget, anonymise_conversations, forget_in_engine
from bot.privacy.finder import PersonRecords, find_person, parse_identifier
from contracts.survey_result import SurveyOutcome
from db.sessions import unit_of_work
from shop.verification_guard import VerificationAttempt, VerificationLock

# Where the trainers' audit entries quote a customer's message.
QUOTING_KEYS = ("example", "text")


@dataclass(frozen=True)
class Erasure:
    counts: dict[str, int]
    engine_pending: list[str]  # conversations the engine has not forgotten yet (it was unreachable)

    @property
    def complete(self) -> bool:
        return not self.engine_pending


def erase_person(sessions: sessionmaker[Session], identifier: str, actor: audit.Actor, forget: Forget,
                 clock: Callable[[], datetime]) -> Erasure:
    kind, _ = parse_identifier(identifier)
    now = clock()
    with unit_of_work(sessions) as session:
        person = find_person(session, identifier)
        counts = person.counts()
        audit.record(session, actor, "erase", {"identifier_kind": kind, **counts, **person.record_ids()}, now)
        _erase(session, person, now)
    return Erasure(counts, forget_in_engine(sessions, actor, forget, clock))


def _erase(session: Session, person: PersonRecords, now: datetime) -> None:
    anonymise_conversations(session, person.conversation_ids, AnonymisationReason.ERASURE, now)
    for customer in person.customers:
        # Unguessable, so nobody can "verify" the erased customer's orders with it.
        customer.email = f"erased-{secrets.token_hex(8)}@erased.invalid"
        customer.full_name, customer.phone = ANONYMISED, None
        for order in customer.orders:
            order.delivery_name = order.delivery_street = order.delivery_postcode = order.delivery_city = ANONYMISED
    for survey in person.surveys:
        survey.phone, survey.link_token_hash = ANONYMISED, None
        survey.reason = ANONYMISED if survey.reason else survey.reason
        if survey.state != SurveyState.FINISHED:  # never call them again
            survey.state, survey.outcome, survey.next_attempt_at, survey.finished_at = (
                SurveyState.FINISHED, SurveyOutcome.OPTED_OUT, None, now)
        for call in survey.calls:
            call.call_sid = None
    for complaint in person.complaints:
        complaint.description = ANONYMISED
    for notice in person.delay_notices:  # also those planned and not sent, which have no conversation
        notice.address = notice.text = None
    for decision in person.review_decisions:
        decision.example, decision.entities = (ANONYMISED if decision.example else decision.example), []
    for entry in person.trainer_audit:
        entry.details = {key: ANONYMISED if key in QUOTING_KEYS else value for key, value in entry.details.items()}
    for model, records in ((Contact, person.contacts), (CallStatusEvent, person.status_events),
                           (SurveyOptOut, person.opt_outs), (ContactOptOut, person.contact_opt_outs),
                           (CallStream, person.call_streams),
                           (VerificationAttempt, person.verification_attempts),
                           (VerificationLock, person.verification_locks)):
        if records:
            session.execute(delete(model).where(model.id.in_([record.id for record in records])))
    for cached in person.cached_orders:
        session.delete(cached)
