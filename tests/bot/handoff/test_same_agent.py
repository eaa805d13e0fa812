"""The same agent again: a returning customer's new ticket waits first for the agent who last served them,
while that agent is available and for at most the configured time; then every agent sees it."""

import uuid
from datetime import timedelta

import pytest

from bot.handoff.hours import load_handoff_config
from bot.handoff.queue import HandoffQueue, TicketUnavailable
from bot.models.conversation import Channel, Contact, Conversation, ConversationState
from bot.models.handoff import AgentStatus, Ticket, TicketKind, TicketStatus
from bot.settings import PROJECT_ROOT
from db.sessions import session_factory, unit_of_work
from tests.bot.handoff.test_queue import NOW, add_agent

WAIT = timedelta(seconds=120)
PHONE = "+48600123456"


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


@pytest.fixture(scope="module")
def queue() -> HandoffQueue:
    return HandoffQueue(load_handoff_config(PROJECT_ROOT / "config" / "handoff.yml"), same_agent_wait=WAIT)


def conversation(session, channel: Channel = Channel.SMS, address: str | None = PHONE,
                 contact: Contact | None = None, language: str = "pl") -> Conversation:
    started = Conversation(id=str(uuid.uuid4()), channel=channel, address=address, contact=contact, language=language,
                           state=ConversationState.BOT, pending_data={}, created_at=NOW, last_activity_at=NOW)
    session.add(started)
    return started


def ticket(session, queue, started: Conversation, at=NOW, reason: str = "other") -> Ticket:
    return queue.open_ticket(session, started, kind=TicketKind.LIVE, reason=reason, priority="normal", now=at)


def served(session, queue, agent, started: Conversation, at=NOW - timedelta(days=2)) -> None:
    """An earlier ticket of this customer that `agent` claimed and resolved."""
    earlier = ticket(session, queue, started, at)
    queue.claim(session, earlier.id, agent, at + WAIT)  # whoever it may have been offered to
    queue.close(session, earlier.id, agent, TicketStatus.RESOLVED, at + timedelta(minutes=5))


def visible(session, queue, agent, now) -> list[int]:
    return [t.id for t in queue.visible_to(session, agent, now)]


def test_a_returning_customer_waits_for_their_agent_until_the_offer_ends(sessions, queue):
    with unit_of_work(sessions) as session:
        ola, ewa = add_agent(session, "ola", "pl"), add_agent(session, "ewa", "pl")
        served(session, queue, ola, conversation(session))
        new = ticket(session, queue, conversation(session))  # the same number writes again
        assert (new.offered_to_agent_id, new.offered_until) == (ola.id, NOW + WAIT)

        assert visible(session, queue, ola, NOW) == [new.id]
        assert visible(session, queue, ewa, NOW) == []
        assert queue.next_offer_ending(session, ewa, NOW) == NOW + WAIT
        with pytest.raises(TicketUnavailable, match="waits for Ola"):
            queue.claim(session, new.id, ewa, NOW + WAIT - timedelta(seconds=1))

        later = NOW + WAIT
        assert visible(session, queue, ewa, later) == [new.id]
        assert queue.next_offer_ending(session, ewa, later) is None
        assert queue.claim(session, new.id, ewa, later).agent_id == ewa.id

        again = ticket(session, queue, conversation(session), at=later)  # Ewa served them last now
        assert queue.claim(session, again.id, ewa, later + timedelta(seconds=5)).agent_id == ewa.id


def test_everybody_sees_it_as_soon_as_the_offered_agent_goes_away(sessions, queue):
    with unit_of_work(sessions) as session:
        ola, ewa = add_agent(session, "ola", "pl"), add_agent(session, "ewa", "pl")
        served(session, queue, ola, conversation(session))
        new = ticket(session, queue, conversation(session))
        assert visible(session, queue, ewa, NOW) == []
        ola.status = AgentStatus.AWAY
        session.flush()
        assert visible(session, queue, ewa, NOW) == [new.id]
        assert queue.claim(session, new.id, ewa, NOW).agent_id == ewa.id


def test_the_last_agent_of_the_same_contact_on_any_channel_if_they_can_take_it(sessions, queue):
    with unit_of_work(sessions) as session:
        ola, ewa = add_agent(session, "ola", "pl,en"), add_agent(session, "ewa", "pl")
        tom = add_agent(session, "tom", "en", available=False)
        customer = Contact(phone=PHONE, email="anna@example.pl")
        served(session, queue, ewa, conversation(session, Channel.EMAIL, "old@example.pl", contact=customer))
        served(session, queue, ola, conversation(session, Channel.SMS, contact=customer), at=NOW - timedelta(days=1))
        new = ticket(session, queue, conversation(session, Channel.WEB, None, contact=customer))
        assert new.offered_to_agent_id == ola.id  # the latest to serve them, not the first
        assert visible(session, queue, ewa, NOW) == []

        served(session, queue, ewa, conversation(session, address="+48600555444"))
        served(session, queue, tom, conversation(session, address="+44700900123", language="en"))
        in_english = ticket(session, queue, conversation(session, address="+48600555444", language="en"))
        tom_away = ticket(session, queue, conversation(session, address="+44700900123", language="en"))
        stranger = ticket(session, queue, conversation(session, address="+48600999999"))
        unhappy = ticket(session, queue, conversation(session, Channel.SMS, contact=customer), reason="low_csat")
        assert [t.offered_to_agent_id for t in (in_english, tom_away, stranger, unhappy)] == [None] * 4

        no_wait = HandoffQueue(queue.config)
        unoffered = ticket(session, no_wait, conversation(session, Channel.SMS, contact=customer))
        assert unoffered.offered_to_agent_id is None
