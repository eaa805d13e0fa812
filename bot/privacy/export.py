"""Everything the shop holds about one person as one JSON document (a RODO/GDPR access request):
their shop account and orders, contacts, conversations with every message, tickets and notes,
surveys and calls, and the engine's tracker of each conversation."""

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.engine.client import EngineUnavailable
from bot.privacy import audit
from bot.privacy.finder import PersonRecords, find_person, parse_identifier
from db.sessions import unit_of_work

FORMAT = "koliber-personal-data/1"
# Secrets' digests: of no use to the person and not to be handed out.
WITHHELD = {"resume_token_hash", "link_token_hash", "token_hash"}

Tracker = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class PersonalData:
    document: dict[str, Any]
    engine_missing: list[str]  # conversations whose tracker the engine could not give

    def json_bytes(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False, indent=2).encode("utf-8")


def export_person(sessions: sessionmaker[Session], identifier: str, actor: audit.Actor, tracker: Tracker,
                  clock: Callable[[], datetime]) -> PersonalData:
    kind, _ = parse_identifier(identifier)
    now = clock()
    with sessions() as session:
        person = find_person(session, identifier)
        document = person_document(person, now)
        ids = person.record_ids()
    missing = _attach_trackers(document["conversations"], tracker)
    document["engine_trackers_missing"] = missing
    with unit_of_work(sessions) as session:
        audit.record(session, actor, "export", {"identifier_kind": kind, **person.counts(), **ids,
                                                "engine_trackers_missing": len(missing)}, now)
    return PersonalData(document, missing)


def person_document(person: PersonRecords, now: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "identifiers": {"emails": sorted(person.emails), "phones": sorted(person.phones)},
        "shop_customers": [{**row(customer), "orders": [_order(order) for order in customer.orders]}
                           for customer in person.customers],
        "contacts": [row(contact) for contact in person.contacts],
        "conversations": [_conversation(conversation, person) for conversation in person.conversations],
        "surveys": [{**row(survey), "calls": [row(call) for call in survey.calls]} for survey in person.surveys],
        "survey_call_events": [row(event) for event in person.status_events],
        "survey_opt_outs": [row(opt_out) for opt_out in person.opt_outs],
        "contact_opt_outs": [row(opt_out) for opt_out in person.contact_opt_outs],
        "complaint_cases": [row(complaint) for complaint in person.complaints],
        "review_decisions": [row(decision) for decision in person.review_decisions],
        "review_audit_entries": [row(entry) for entry in person.trainer_audit],
        "verification_attempts": [row(attempt) for attempt in person.verification_attempts],
        "verification_locks": [row(lock) for lock in person.verification_locks],
        "call_streams": [row(stream) for stream in person.call_streams],
        "outbox": [row(entry) for entry in person.outbox],
    }


def row(record: Any) -> dict[str, Any]:
    """Every column of a record (new columns included without a change here), as JSON values."""
    return {column.key: _json_value(getattr(record, column.key))
            for column in inspect(record).mapper.column_attrs if column.key not in WITHHELD}


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _order(order) -> dict[str, Any]:
    shipment = order.shipment
    return {**row(order), "items": [row(item) for item in order.items],
            "payments": [row(payment) for payment in order.payments],
            "shipment": {**row(shipment), "events": [row(event) for event in shipment.events]} if shipment else None,
            "returns": [{**row(request), "items": [row(item) for item in request.items]} for request in order.returns],
            "refunds": [row(refund) for refund in order.refunds],
            "invoices": [row(invoice) for invoice in order.invoices]}


def _conversation(conversation, person: PersonRecords) -> dict[str, Any]:
    tickets = [ticket for ticket in person.tickets if ticket.conversation_id == conversation.id]
    # Attachments as their names, types and sizes: the files themselves are the agent's to send on request.
    return {**row(conversation), "messages": [{**row(message), "attachments": [
                {column: value for column, value in row(file).items() if column != "content"}
                for file in message.attachments]} for message in conversation.messages],
            "tickets": [{**row(ticket), "notes": [row(note) for note in ticket.notes]} for ticket in tickets],
            "ratings": [row(rating) for rating in person.ratings if rating.conversation_id == conversation.id],
            "delay_notices": [row(notice) for notice in person.delay_notices
                              if notice.conversation_id == conversation.id],
            "engine_tracker": None}


def _attach_trackers(conversations: list[dict[str, Any]], tracker: Tracker) -> list[str]:
    """The engine's tracker into each conversation; the ids it could not give (after the first
    failure the rest are not tried: an unreachable engine would cost a timeout each)."""
    for index, conversation in enumerate(conversations):
        try:
            conversation["engine_tracker"] = tracker(conversation["id"])
        except EngineUnavailable:
            return [later["id"] for later in conversations[index:]]
    return []
