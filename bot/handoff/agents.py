"""Agent accounts: Argon2 password hashes and log-in sessions kept in the database.

A session token is random; only its SHA-256 is stored, so a leaked database opens no console.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models.handoff import Agent, AgentRole, AgentSession, AgentStatus

_hasher = PasswordHasher()
LANGUAGES = ("pl", "en")


class AgentExists(ValueError):
    pass


def create_agent(session: Session, username: str, display_name: str, password: str,
                 languages: list[str], role: AgentRole = AgentRole.AGENT) -> Agent:
    password_hash = hash_password(password)
    unknown = set(languages) - set(LANGUAGES)
    if unknown or not languages:
        raise ValueError(f"languages must be some of {', '.join(LANGUAGES)}")
    if session.scalar(select(Agent).where(Agent.username == username)) is not None:
        raise AgentExists(f"agent {username!r} already exists")
    agent = Agent(username=username, display_name=display_name, password_hash=password_hash,
                  languages=",".join(languages), role=role, status=AgentStatus.AWAY)
    session.add(agent)
    session.flush()
    return agent


def authenticate(session: Session, username: str, password: str) -> Agent | None:
    agent = session.scalar(select(Agent).where(Agent.username == username, Agent.active))
    if agent is None:
        _hasher.hash(password)  # same work as a real check, so timing does not reveal usernames
        return None
    if not _password_matches(agent, password):
        return None
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    return agent


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    return _hasher.hash(password)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, agent: Agent, now: datetime, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AgentSession(agent_id=agent.id, token_hash=digest(token), created_at=now, expires_at=now + lifetime))
    return token


def agent_for_token(session: Session, token: str, now: datetime) -> Agent | None:
    record = session.scalar(select(AgentSession).where(AgentSession.token_hash == digest(token)))
    if record is None or record.expires_at <= now or not record.agent.active:
        return None
    return record.agent


def close_session(session: Session, token: str) -> None:
    session.execute(delete(AgentSession).where(AgentSession.token_hash == digest(token)))


def purge_expired_sessions(session: Session, now: datetime) -> None:
    session.execute(delete(AgentSession).where(AgentSession.expires_at <= now))


DEMO_AGENTS = (("anna", "Anna", ["pl", "en"], AgentRole.AGENT), ("tom", "Tom", ["en"], AgentRole.AGENT),
               ("tr", "Trainer", ["pl", "en"], AgentRole.TRAINER),
               ("sv", "Supervisor", ["pl", "en"], AgentRole.SUPERVISOR),
               ("admin", "Admin", ["pl", "en"], AgentRole.ADMIN))


def demo_agents_with_password(session: Session, password: str) -> list[str]:
    """Demo accounts that still open with the published demo password."""
    demo = [username for username, *_ in DEMO_AGENTS]
    return [agent.username for agent in session.scalars(select(Agent).where(Agent.username.in_(demo)))
            if _password_matches(agent, password)]


def _password_matches(agent: Agent, password: str) -> bool:
    try:
        return _hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def seed_demo_agents(session: Session, password: str) -> list[str]:
    """Console accounts for trying the product: two agents, a trainer, a supervisor and the shop's admin.
    Never added beside real accounts; a database seeded before some of them existed gets the missing ones."""
    existing = set(session.scalars(select(Agent.username)))
    demo = {username for username, *_ in DEMO_AGENTS}
    if existing - demo:
        return []
    created = []
    for username, name, languages, role in DEMO_AGENTS:
        if username not in existing:
            create_agent(session, username, name, password, languages, role)
            created.append(username)
    return created
