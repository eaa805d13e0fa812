"""The retention period: conversations idle for longer are anonymised (texts, addresses, contact
links, ticket summaries and notes) and forgotten by the engine, while counts, intents, channels,
languages, times and ticket reasons stay. Daily in the gateway, or `koliber privacy retention`."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.engine.address import EngineAddress
from bot.handoff.agents import create_agent
from bot.models.conversation import Author, Channel, Contact, Conversation, Message
from bot.models.handoff import Ticket, TicketKind, TicketNote
from bot.models.privacy import AuditLogEntry
from bot.privacy.anonymise import ANONYMISED
from bot.privacy.engine_trackers import EngineTrackers
from bot.privacy.retention import apply_retention
from db.base import utcnow
from db.sessions import session_factory, unit_of_work
from testing.fakes.engine import FakeEngine, served
from tests.bot.privacy.story import traces
from tests.conftest import FIXED_NOW

OLD_TEXTS = ("Mój telefon to 600 700 800, oddzwońcie", "Dzwonię w sprawie zamówienia 51734", "Notatka: klient zły")


def _conversation(sessions, idle_days: int,
                  texts: tuple[str, str, str] = ("Gdzie paczka?", "Sprawdzam.", "Oddzwonić")) -> str:
    """An SMS conversation last active `idle_days` ago: a customer message, a spoken bot reply the
    customer interrupted (what they heard of it), and a ticket with an agent's note."""
    when = FIXED_NOW - timedelta(days=idle_days)
    with unit_of_work(sessions) as session:
        contact = Contact(phone=f"+48600{idle_days:06d}")
        conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.SMS, address=contact.phone, contact=contact,
                                    language="pl", pending_data={"callback": contact.phone}, created_at=when,
                                    last_activity_at=when)
        session.add(conversation)
        session.add_all([
            Message(conversation=conversation, author=Author.CUSTOMER, channel=Channel.SMS, language="pl",
                    text=texts[0], intent="order_status", confidence=0.9, created_at=when),
            Message(conversation=conversation, author=Author.BOT, channel=Channel.SMS, language="pl", text=texts[1],
                    heard_text=texts[1][:4], created_at=when),
        ])
        agent = create_agent(session, f"agent-{idle_days}", "Ola", "agent-password", ["pl"])
        ticket = Ticket(conversation=conversation, kind=TicketKind.MESSAGE, reason="human_requested",
                        priority="normal", priority_rank=1, language="pl", channel=Channel.SMS, summary=texts[0],
                        contact_details=contact.phone, order_number="51734", created_at=when)
        session.add(ticket)
        session.flush()
        session.add(TicketNote(ticket_id=ticket.id, agent_id=agent.id, text=texts[2], created_at=when))
        return conversation.id


def _forget(engine: EngineAddress | FakeEngine):
    return EngineTrackers(engine if isinstance(engine, EngineAddress) else engine.address, 5).forget


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


def _messages(sessions, conversation_id: str) -> list[tuple]:
    with sessions() as session:
        return session.execute(select(Message.author, Message.channel, Message.language, Message.intent,
                                      Message.created_at, Message.text, Message.heard_text)
                               .where(Message.conversation_id == conversation_id).order_by(Message.id)).all()


def test_conversations_idle_past_the_period_are_anonymised_and_the_counts_stay(sessions, migrated_engine):
    old = _conversation(sessions, 400, OLD_TEXTS)
    recent = _conversation(sessions, 30)
    recent_before = _messages(sessions, recent)
    engine = FakeEngine()
    with served(engine):
        done = apply_retention(sessions, 365, _forget(engine), lambda: FIXED_NOW)

    assert done.anonymised == 1 and done.engine_pending == [] and engine.forgotten == [old]
    assert traces(migrated_engine, [*OLD_TEXTS, "600 700 800", "+48600000400"]) == []  # its contact went too
    assert [m[:5] for m in _messages(sessions, old)] == [
        (Author.CUSTOMER, Channel.SMS, "pl", "order_status", FIXED_NOW - timedelta(days=400)),
        (Author.BOT, Channel.SMS, "pl", None, FIXED_NOW - timedelta(days=400))]
    assert [m[5:] for m in _messages(sessions, old)] == [(ANONYMISED, None), (ANONYMISED, ANONYMISED)]
    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == old))
        assert (ticket.reason, ticket.summary, ticket.contact_details, ticket.order_number) == (
            "human_requested", ANONYMISED, None, None)
        assert [note.text for note in ticket.notes] == [ANONYMISED]
        conversation = session.get(Conversation, old)
        assert (conversation.address, conversation.contact_id, conversation.pending_data) == (None, None, {})
        assert conversation.channel == Channel.SMS and conversation.language == "pl"
        [entry] = session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "retention"))
        assert entry.actor == "system:retention" and entry.details["anonymised_conversations"] == 1
    assert _messages(sessions, recent) == recent_before

    # Nothing twice: a second pass finds nothing new and asks the engine for nothing.
    with served(engine):
        again = apply_retention(sessions, 365, _forget(engine), lambda: FIXED_NOW)
    assert again.anonymised == 0 and engine.forgotten == [old]


def test_with_the_engine_down_the_next_pass_finishes_its_part(sessions):
    old = _conversation(sessions, 800)
    down = apply_retention(sessions, 365, _forget(EngineAddress("http://127.0.0.1:9", "x")), lambda: FIXED_NOW)
    assert down.anonymised == 1 and down.engine_pending == [old]
    assert _messages(sessions, old)[0].text == ANONYMISED  # the database part did not wait
    engine = FakeEngine()
    with served(engine):
        later = apply_retention(sessions, 365, _forget(engine), lambda: FIXED_NOW + timedelta(days=1))
    assert later.anonymised == 0 and later.engine_pending == [] and engine.forgotten == [old]


def test_the_command_uses_the_configured_period_or_the_one_given(gateway, koliber, capsys):
    sessions = gateway.sessions
    year_and_a_half, two_months = _conversation(sessions, 550), _conversation(sessions, 60)
    engine = FakeEngine()
    with served(engine):
        env = {"DATABASE_URL": gateway.settings.database_url, "KOLIBER_RETENTION_DAYS": "500",
               "RASA_URL": engine.url, "KOLIBER_ENGINE_TOKEN": engine.token}
        assert koliber("privacy", "retention", **env) == 0
        assert koliber("privacy", "retention", "--days", "30", **env) == 0
    out = capsys.readouterr().out
    assert "retention 500 days: 1 conversations" in out and "retention 30 days: 1 conversations" in out
    assert engine.forgotten[0] == year_and_a_half and two_months in engine.forgotten


def test_the_gateway_runs_the_pass_daily_at_the_configured_hour(make_gateway, database_url):
    gateway = make_gateway(database_url, clock=lambda: FIXED_NOW, KOLIBER_RETENTION_HOUR_UTC="3",
                           KOLIBER_RETENTION_DAYS="100")
    old, fresh = _conversation(gateway.sessions, 101), _conversation(gateway.sessions, 99)
    job = gateway.client.app.state.retention
    next_run = job.next_run()
    assert (next_run.hour, next_run.minute) == (3, 0) and next_run - utcnow() <= timedelta(days=1)
    done = gateway.client.portal.call(job.run)  # what the scheduler calls at 03:00
    assert done.anonymised == 1
    assert _messages(gateway.sessions, old)[0].text == ANONYMISED
    assert _messages(gateway.sessions, fresh)[0].text != ANONYMISED


def test_the_daily_pass_can_be_turned_off(make_gateway, database_url):
    assert make_gateway(database_url, KOLIBER_RETENTION_JOB="false").client.app.state.retention is None
