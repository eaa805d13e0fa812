"""`koliber privacy export` and `koliber privacy erase`, end to end on SQLite and PostgreSQL: a
customer's history made through the gateway is exported whole, then erased from every table (what
analytics counts stays), with the engine's part finished by a second run once the engine is back."""

import json
import stat
from collections import Counter

import pytest
from sqlalchemy import select

from bot.models.conversation import Conversation, Message
from bot.models.handoff import Ticket
from bot.models.privacy import AnonymisedConversation, AuditLogEntry
from shop.models import CachedPlatformOrder, Customer, Order
from testing.fakes.engine import FakeEngine, served
from tests.bot.privacy.story import (
    ANNA_API,
    ANNA_EMAIL,
    ANNA_PHONE,
    ANNA_SMS,
    ANNA_TRACES,
    COMPLAINT,
    NOTE,
    PIOTR_EMAIL,
    PIOTR_PHONE,
    PIOTR_SMS,
    SURVEY_REASON,
    anna_and_piotr,
    traces,
)

DEAD_ENGINE = "http://127.0.0.1:9"


@pytest.fixture
def privacy_command(gateway, koliber):
    """Runs `koliber privacy ...` against the gateway's database and the engine at `engine_url`."""
    def run(*argv: str, engine_url: str = DEAD_ENGINE, engine_token: str = "no-engine") -> int:
        return koliber(*argv, DATABASE_URL=gateway.settings.database_url, RASA_URL=engine_url,
                       KOLIBER_ENGINE_TOKEN=engine_token, KOLIBER_ENGINE_TIMEOUT="5")
    return run


def _audit(gateway, action: str) -> list[AuditLogEntry]:
    with gateway.sessions() as session:
        return list(session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == action)))


def _shape(gateway) -> dict:
    """What analytics reads: messages by conversation, author and intent; ticket reasons; orders."""
    with gateway.sessions() as session:
        return {
            "messages": Counter(session.execute(select(Message.conversation_id, Message.author, Message.channel,
                                                       Message.intent, Message.created_at)).all()),
            "tickets": sorted(session.execute(select(Ticket.id, Ticket.reason, Ticket.kind, Ticket.created_at)).all()),
            "orders": sorted(session.execute(select(Order.number, Order.items_total, Order.shipping_cost,
                                                    Order.placed_at, Order.status)).all()),
        }


def test_export_holds_everything_about_the_person_and_nothing_about_others(gateway, policy, privacy_command, tmp_path, capsys):
    story = anna_and_piotr(gateway, policy)
    target = tmp_path / "requests" / "anna.json"

    # Asked by phone, it finds her e-mail's records too (linked through her verified orders).
    assert privacy_command("privacy", "export", "601 234 567", "--output", str(target)) == 1  # engine down: incomplete
    assert "trackers of 2 conversations are missing" in capsys.readouterr().err

    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["identifiers"] == {"emails": [ANNA_EMAIL], "phones": [ANNA_PHONE]}
    [customer] = document["shop_customers"]
    assert customer["full_name"] == "Anna Nowak"
    assert {order["number"] for order in customer["orders"]} == {"48213", "36620", "55870"}
    assert sorted(c["id"] for c in document["conversations"]) == sorted(story.anna_conversations)
    said = [m["text"] for c in document["conversations"] for m in c["messages"] if m["author"] == "customer"]
    assert sorted(said) == sorted([*ANNA_SMS, ANNA_API])
    notes = [n["text"] for c in document["conversations"] for t in c["tickets"] for n in t["notes"]]
    assert notes == [NOTE]
    assert [s["reason"] for s in document["surveys"]] == [SURVEY_REASON]
    assert [c["description"] for c in document["complaint_cases"]] == [COMPLAINT]
    assert [o["phone"] for o in document["survey_opt_outs"]] == [ANNA_PHONE]
    assert len(document["review_decisions"]) == 1 and len(document["verification_attempts"]) == 1
    assert sorted(document["engine_trackers_missing"]) == sorted(story.anna_conversations)
    assert PIOTR_SMS not in target.read_text(encoding="utf-8") and PIOTR_EMAIL not in target.read_text(encoding="utf-8")
    assert "resume_token_hash" not in target.read_text(encoding="utf-8")

    # Audited: who, what and which records, without her data.
    [entry] = _audit(gateway, "export")
    assert entry.actor.startswith("cli:") and entry.details["identifier_kind"] == "phone"
    assert sorted(entry.details["conversation_ids"]) == sorted(story.anna_conversations)
    assert not [t for t in ANNA_TRACES if t.casefold() in json.dumps(entry.details, ensure_ascii=False).casefold()]


def test_export_to_standard_output_with_the_engines_trackers(gateway, policy, privacy_command, capsys):
    story = anna_and_piotr(gateway, policy)
    fake = FakeEngine(trackers={story.anna_conversations[0]: [{"event": "user", "text": ANNA_SMS[0]}]})
    with served(fake):
        assert privacy_command("privacy", "export", ANNA_EMAIL.upper(), "-o", "-", engine_url=fake.url,
                       engine_token=fake.token) == 0
    document = json.loads(capsys.readouterr().out)
    trackers = {c["id"]: c["engine_tracker"] for c in document["conversations"]}
    assert trackers[story.anna_conversations[0]]["events"] == [{"event": "user", "text": ANNA_SMS[0]}]
    assert document["engine_trackers_missing"] == []


def test_erase_leaves_nothing_about_the_person_keeps_the_counts_and_finishes_in_the_engine_later(
        gateway, policy, privacy_command, capsys):
    story = anna_and_piotr(gateway, policy)
    before = _shape(gateway)
    assert traces(gateway.client.app.state.gateway.database, ANNA_TRACES)  # the scan finds her before

    # The engine is down: the database part is done anyway, and the command says what is left.
    assert privacy_command("privacy", "erase", ANNA_EMAIL, "--yes") == 1
    err = capsys.readouterr().err
    assert "still remembers 2 conversations" in err and all(c in err for c in story.anna_conversations)

    assert traces(gateway.client.app.state.gateway.database, ANNA_TRACES) == []
    assert _shape(gateway) == before
    with gateway.sessions() as session:
        piotr = session.scalar(select(Customer).where(Customer.email == PIOTR_EMAIL))
        assert piotr.full_name == "Piotr Wiśniewski" and piotr.phone == PIOTR_PHONE
        assert session.get(Conversation, story.piotr_conversation).address == PIOTR_PHONE
        assert session.scalar(select(Message.text).where(Message.conversation_id == story.piotr_conversation)
                              .order_by(Message.id)) == PIOTR_SMS
        assert session.get(Ticket, story.anna_ticket).status.value == "resolved"  # not left for an agent
        # Her copies of a platform's orders are gone; Piotr's stay.
        assert [row.number for row in session.scalars(select(CachedPlatformOrder))] == ["1202"]
        waiting = set(session.scalars(select(AnonymisedConversation.conversation_id)
                                      .where(AnonymisedConversation.engine_forgotten_at.is_(None))))
        assert waiting == set(story.anna_conversations)
    [erased] = _audit(gateway, "erase")
    assert erased.details["identifier_kind"] == "email"
    assert erased.details["messages"] == 6  # her three and the gateway's three apologies
    assert erased.details["conversations"] == 2 and erased.details["orders"] == 3
    assert not [t for t in ANNA_TRACES if t.casefold() in json.dumps(erased.details, ensure_ascii=False).casefold()]

    # Run again once the engine is back: it forgets her conversations, and only hers.
    fake = FakeEngine()
    with served(fake):
        assert privacy_command("privacy", "erase", ANNA_EMAIL, "--yes", engine_url=fake.url, engine_token=fake.token) == 0
    assert sorted(fake.forgotten) == sorted(story.anna_conversations)
    with gateway.sessions() as session:
        assert session.scalar(select(AnonymisedConversation).where(
            AnonymisedConversation.engine_forgotten_at.is_(None))) is None
    assert [entry.details["pending"] for entry in _audit(gateway, "engine_forget")] == [2, 0]


def test_erase_refuses_what_is_not_an_address_and_asks_to_confirm(gateway, policy, privacy_command, monkeypatch, capsys):
    anna_and_piotr(gateway, policy)
    assert privacy_command("privacy", "erase", "Anna Nowak", "--yes") == 2
    monkeypatch.setattr("builtins.input", lambda prompt: "piotr.wisniewski@example.pl")
    assert privacy_command("privacy", "erase", ANNA_EMAIL) == 2
    assert "nothing was erased" in capsys.readouterr().err
    assert traces(gateway.client.app.state.gateway.database, [ANNA_EMAIL])
    assert _audit(gateway, "erase") == []
