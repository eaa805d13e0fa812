"""Agent accounts on SQLite and PostgreSQL: Argon2 passwords, log-in sessions, demo accounts."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.handoff.agents import (
    AgentExists,
    agent_for_token,
    authenticate,
    close_session,
    create_agent,
    open_session,
    seed_demo_agents,
)
from bot.models.handoff import Agent, AgentRole, AgentSession
from db.sessions import session_factory, unit_of_work

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"
LIFETIME = timedelta(hours=12)


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


@pytest.fixture
def ola(sessions) -> int:
    with unit_of_work(sessions) as session:
        return create_agent(session, "ola", "Ola", PASSWORD, ["pl"]).id


def test_only_an_argon2_hash_of_the_password_is_stored(sessions, ola):
    with sessions() as session:
        stored = session.get(Agent, ola).password_hash
    assert stored.startswith("$argon2")
    assert PASSWORD not in stored


def test_authenticate(sessions, ola):
    with unit_of_work(sessions) as session:
        assert authenticate(session, "ola", PASSWORD).id == ola
        assert authenticate(session, "ola", PASSWORD + "!") is None
        assert authenticate(session, "nobody", PASSWORD) is None


@pytest.mark.parametrize(("password", "languages"), [("short7!", ["pl"]), (PASSWORD, ["de"]), (PASSWORD, [])])
def test_weak_passwords_and_unknown_languages_are_rejected(sessions, password, languages):
    with unit_of_work(sessions) as session:
        with pytest.raises(ValueError):
            create_agent(session, "ola", "Ola", password, languages)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Agent)) == 0


def test_a_username_is_taken_once(sessions, ola):
    with unit_of_work(sessions) as session:
        with pytest.raises(AgentExists):
            create_agent(session, "ola", "Another Ola", "another-password", ["en"])


def test_a_session_token_logs_in_until_it_expires(sessions, ola):
    with unit_of_work(sessions) as session:
        token = open_session(session, session.get(Agent, ola), NOW, LIFETIME)
    with sessions() as session:
        assert agent_for_token(session, token, NOW + timedelta(hours=1)).id == ola
        assert agent_for_token(session, token, NOW + LIFETIME) is None
        assert agent_for_token(session, token + "x", NOW) is None


def test_only_the_token_digest_is_stored(sessions, ola):
    with unit_of_work(sessions) as session:
        token = open_session(session, session.get(Agent, ola), NOW, LIFETIME)
    with sessions() as session:
        stored = session.scalars(select(AgentSession.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


def test_logging_out_ends_the_session(sessions, ola):
    with unit_of_work(sessions) as session:
        token = open_session(session, session.get(Agent, ola), NOW, LIFETIME)
        other = open_session(session, session.get(Agent, ola), NOW, LIFETIME)
    with unit_of_work(sessions) as session:
        close_session(session, token)
    with sessions() as session:
        assert agent_for_token(session, token, NOW) is None
        assert agent_for_token(session, other, NOW).id == ola  # another browser stays logged in


def test_demo_agents_are_seeded_once(sessions):
    with unit_of_work(sessions) as session:
        assert seed_demo_agents(session, "demo-password") == ["anna", "tom", "tr", "sv", "admin"]
    with unit_of_work(sessions) as session:
        assert seed_demo_agents(session, "demo-password") == []
        assert authenticate(session, "anna", "demo-password").language_list == ["pl", "en"]
        assert authenticate(session, "tom", "demo-password").language_list == ["en"]
        assert authenticate(session, "tr", "demo-password").role == AgentRole.TRAINER
        assert authenticate(session, "sv", "demo-password").role == AgentRole.SUPERVISOR
        assert authenticate(session, "admin", "demo-password").role == AgentRole.ADMIN
        assert session.scalar(select(func.count()).select_from(Agent)) == 5


def test_a_demo_database_from_before_the_trainer_gets_the_trainer_and_the_supervisor(sessions):
    with unit_of_work(sessions) as session:
        create_agent(session, "anna", "Anna", "demo-password", ["pl", "en"])
        create_agent(session, "tom", "Tom", "demo-password", ["en"])
    with unit_of_work(sessions) as session:
        assert seed_demo_agents(session, "demo-password") == ["tr", "sv", "admin"]


def test_demo_agents_are_not_added_next_to_real_ones(sessions, ola):
    with unit_of_work(sessions) as session:
        assert seed_demo_agents(session, "demo-password") == []
        assert session.scalars(select(Agent.username)).all() == ["ola"]
