"""The human queue on SQLite and PostgreSQL: order, language routing, waits, claiming and closing."""

import threading
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import load_handoff_config
from bot.handoff.queue import HandoffQueue, QueuePlace, TicketUnavailable
from bot.models.conversation import Channel, Conversation, ConversationState
from bot.models.handoff import Agent, AgentStatus, Ticket, TicketKind, TicketStatus
from bot.settings import PROJECT_ROOT
from db.sessions import session_factory, unit_of_work

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # Monday 10:00 in Warsaw: open
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # closed


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


@pytest.fixture(scope="module")
def queue() -> HandoffQueue:
    return HandoffQueue(load_handoff_config(PROJECT_ROOT / "config" / "handoff.yml"))


def add_agent(session, name: str, languages: str, available: bool = True) -> Agent:
    agent = Agent(username=name, display_name=name.title(), password_hash="not-a-login", languages=languages,
                  status=AgentStatus.AVAILABLE if available else AgentStatus.AWAY)
    session.add(agent)
    session.flush()
    return agent


def add_ticket(session, queue, language: str = "pl", priority: str = "normal", minutes_ago: int = 0,
               kind: TicketKind = TicketKind.LIVE) -> Ticket:
    conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.WEB, language=language,
                                state=ConversationState.BOT, pending_data={}, created_at=NOW, last_activity_at=NOW)
    session.add(conversation)
    return queue.open_ticket(session, conversation, kind=kind, reason="other", priority=priority,
                             now=NOW - timedelta(minutes=minutes_ago))


def test_opening_a_live_ticket_queues_the_conversation(sessions, queue):
    with unit_of_work(sessions) as session:
        live = add_ticket(session, queue)
        message = add_ticket(session, queue, kind=TicketKind.MESSAGE)
        assert live.conversation.state == ConversationState.QUEUED
        assert message.conversation.state == ConversationState.BOT
        assert queue.open_ticket_of(session, live.conversation_id).id == live.id


def test_priority_first_then_longest_waiting(sessions, queue):
    with unit_of_work(sessions) as session:
        agent = add_agent(session, "ola", "pl")
        recent = add_ticket(session, queue, minutes_ago=2)
        urgent = add_ticket(session, queue, priority="urgent", minutes_ago=1)
        oldest = add_ticket(session, queue, minutes_ago=20)
        high = add_ticket(session, queue, priority="high", minutes_ago=5)
        expected = [urgent.id, high.id, oldest.id, recent.id]
        assert [t.id for t in queue.visible_to(session, agent, NOW)] == expected
        places = queue.places(session)
        assert [places[t.conversation_id].position for t in (urgent, high, oldest, recent)] == [1, 2, 3, 4]


def test_agents_see_only_tickets_in_their_languages(sessions, queue):
    with unit_of_work(sessions) as session:
        english_only = add_agent(session, "tom", "en")
        both = add_agent(session, "anna", "pl,en")
        polish = add_ticket(session, queue, language="pl")
        english = add_ticket(session, queue, language="en")
        assert [t.id for t in queue.visible_to(session, english_only, NOW)] == [english.id]
        assert {t.id for t in queue.visible_to(session, both, NOW)} == {polish.id, english.id}


def test_places_and_waits_count_available_agents_of_the_language(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "ola", "pl")
        add_agent(session, "ewa", "pl,en")
        add_agent(session, "away", "pl", available=False)
        polish = [add_ticket(session, queue, minutes_ago=10 - i) for i in range(3)]
        english = [add_ticket(session, queue, language="en", minutes_ago=10 - i) for i in range(2)]
        assert queue.available_agents(session, "pl") == 2
        assert [queue.place_of(session, t) for t in polish] == [QueuePlace(1, 6), QueuePlace(2, 6), QueuePlace(3, 12)]
        places = queue.places(session)
        assert [places[t.conversation_id] for t in english] == [QueuePlace(1, 6), QueuePlace(2, 12)]  # one en agent


def test_no_wait_estimate_without_an_agent_of_the_language(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "tom", "en")
        ticket = add_ticket(session, queue, language="pl")
        place = queue.place_of(session, ticket)
        assert place.position == 1 and place.wait_minutes is None


def test_only_waiting_live_chats_have_a_place(sessions, queue):
    with unit_of_work(sessions) as session:
        message = add_ticket(session, queue, kind=TicketKind.MESSAGE)
        assert queue.place_of(session, message) is None
        assert message.conversation_id not in queue.places(session)


def test_closed_hours_offer_no_live_chat_and_say_when_we_open(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "ola", "pl")
        availability = queue.availability(session, "pl", SUNDAY)
        assert not availability.live and not availability.open_now
        assert availability.next_open == datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def test_open_but_nobody_available_offers_no_live_chat(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "ola", "pl", available=False)
        add_agent(session, "tom", "en")
        availability = queue.availability(session, "pl", NOW)
        assert not availability.live and availability.open_now
        assert availability.agents_available == 0
        assert availability.wait_minutes is None and availability.next_open is None


def test_open_with_an_agent_offers_live_chat_with_a_wait(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "ola", "pl")
        availability = queue.availability(session, "pl", NOW)
        assert availability.live and availability.agents_available == 1
        assert availability.wait_minutes == 6 and availability.next_open is None


def test_a_long_queue_stops_offering_live_chat(sessions, queue):
    with unit_of_work(sessions) as session:
        add_agent(session, "ola", "pl")
        add_ticket(session, queue)
        assert queue.availability(session, "pl", NOW).live  # second in line: 12 minutes
        add_ticket(session, queue)
        availability = queue.availability(session, "pl", NOW)
        assert not availability.live and availability.wait_minutes == 18  # above 15
        assert queue.availability(session, "en", NOW).wait_minutes is None  # other languages unaffected


def test_claim_gives_the_conversation_to_the_agent_once(sessions, queue):
    with unit_of_work(sessions) as session:
        ola, ewa = add_agent(session, "ola", "pl"), add_agent(session, "ewa", "pl")
        ticket_id = add_ticket(session, queue).id
    with unit_of_work(sessions) as session:
        ticket = queue.claim(session, ticket_id, session.get(Agent, ola.id), NOW)
        assert ticket.status == TicketStatus.CLAIMED and ticket.agent_id == ola.id
    with unit_of_work(sessions) as session:
        assert session.get(Ticket, ticket_id).conversation.state == ConversationState.AGENT
        assert [t.id for t in queue.claimed_by(session, session.get(Agent, ola.id))] == [ticket_id]
        assert queue.visible_to(session, session.get(Agent, ewa.id), NOW) == []
        with pytest.raises(TicketUnavailable, match="taken by Ola"):
            queue.claim(session, ticket_id, session.get(Agent, ewa.id), NOW)
    with sessions() as session:
        assert session.get(Ticket, ticket_id).agent_id == ola.id


def test_claiming_a_missing_ticket_raises(sessions, queue):
    with unit_of_work(sessions) as session:
        agent = add_agent(session, "ola", "pl")
        with pytest.raises(TicketUnavailable):
            queue.claim(session, 999, agent, NOW)


def test_only_the_holder_closes_and_the_assistant_takes_over(sessions, queue):
    with unit_of_work(sessions) as session:
        ola, ewa = add_agent(session, "ola", "pl"), add_agent(session, "ewa", "pl")
        ticket = add_ticket(session, queue)
        queue.claim(session, ticket.id, ola, NOW)
        with pytest.raises(TicketUnavailable):
            queue.close(session, ticket.id, ewa, TicketStatus.RESOLVED, NOW)
        queue.close(session, ticket.id, ola, TicketStatus.RESOLVED, NOW + timedelta(minutes=5))
        ticket_id, conversation_id = ticket.id, ticket.conversation_id
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.status == TicketStatus.RESOLVED and ticket.closed_at == NOW + timedelta(minutes=5)
        assert ticket.conversation.state == ConversationState.BOT
        assert queue.open_ticket_of(session, conversation_id) is None
        with pytest.raises(TicketUnavailable):
            queue.close(session, ticket_id, session.get(Agent, ola.id), TicketStatus.RESOLVED, NOW)


def test_stop_waiting_turns_a_live_chat_into_a_message(sessions, queue):
    with unit_of_work(sessions) as session:
        ticket = add_ticket(session, queue)
        queue.stop_waiting(session, ticket)
        ticket_id, conversation_id = ticket.id, ticket.conversation_id
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.kind == TicketKind.MESSAGE and ticket.status == TicketStatus.QUEUED
        assert ticket.conversation.state == ConversationState.BOT
        assert queue.open_ticket_of(session, conversation_id).id == ticket_id  # an agent still replies
        assert queue.place_of(session, ticket) is None and queue.places(session) == {}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_many_agents_claiming_at_once_only_one_wins(sessions, queue):
    with unit_of_work(sessions) as session:
        agent_ids = [add_agent(session, f"agent{i}", "pl").id for i in range(8)]
        ticket_ids = [add_ticket(session, queue, minutes_ago=i).id for i in range(3)]
    for ticket_id in ticket_ids:
        barrier = threading.Barrier(len(agent_ids))
        outcomes: dict[int, object] = {}

        def attempt(agent_id: int) -> None:
            try:
                with unit_of_work(sessions) as session:
                    agent = session.get(Agent, agent_id)
                    barrier.wait(timeout=30)
                    queue.claim(session, ticket_id, agent, NOW)
                outcomes[agent_id] = "won"
            except Exception as error:  # noqa: BLE001 - every outcome is checked below
                outcomes[agent_id] = error

        threads = [threading.Thread(target=attempt, args=(agent_id,)) for agent_id in agent_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        winners = [agent_id for agent_id, outcome in outcomes.items() if outcome == "won"]
        losers = [outcome for outcome in outcomes.values() if outcome != "won"]
        assert len(winners) == 1, outcomes
        assert len(losers) == 7 and all(isinstance(error, TicketUnavailable) for error in losers), losers
        winner_name = f"Agent{agent_ids.index(winners[0])}"
        assert all(str(error).endswith(f"taken by {winner_name}") for error in losers), losers
        with sessions() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket.status == TicketStatus.CLAIMED and ticket.agent_id == winners[0]
            assert ticket.conversation.state == ConversationState.AGENT
