"""Agent management for admins: invite an agent, change their languages and role, deactivate them,
and one-time links to set a password (no e-mail server needed: the admin passes the link on).

Functions take the caller's session and never commit. Every change is in the settings audit log.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.handoff.agents import LANGUAGES, AgentExists, digest, hash_password
from bot.models.handoff import Agent, AgentRole, AgentSession, AgentStatus, PasswordLink
from bot.persistence.shop_settings import Actor, audit

SECTION = "agents"
LINK_LIFETIME = timedelta(hours=72)
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
NO_PASSWORD = "!"  # no Argon2 hash matches: the account opens only once its link sets a password


class AccountRefused(ValueError):
    """The change cannot be made; `reason` keys the message the console shows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AgentChoice:
    languages: list[str]
    role: AgentRole

    def checked(self) -> "AgentChoice":
        if not self.languages or set(self.languages) - set(LANGUAGES):
            raise AccountRefused("languages")
        return self


def all_agents(session: Session) -> list[Agent]:
    return list(session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.username)))


def invite(session: Session, username: str, display_name: str, choice: AgentChoice, actor: Actor,
           now: datetime) -> tuple[Agent, str]:
    """A new agent with no password yet, and the token of the link that sets it."""
    username = username.strip().lower()
    if not 2 <= len(username) <= 64 or set(username) - USERNAME_CHARS:
        raise AccountRefused("username")
    if not display_name.strip() or len(display_name) > 100:
        raise AccountRefused("display_name")
    choice.checked()
    if session.scalar(select(Agent.id).where(Agent.username == username)) is not None:
        raise AccountRefused("exists") from AgentExists(username)
    agent = Agent(username=username, display_name=display_name.strip(), password_hash=NO_PASSWORD,
                  languages=",".join(choice.languages), role=choice.role, status=AgentStatus.AWAY, created_at=now)
    session.add(agent)
    session.flush()
    audit(session, SECTION, {f"{username}.invited": f"{choice.role.value}, {agent.languages}"}, {}, actor, now)
    return agent, password_link(session, agent, now)


def change(session: Session, agent_id: int, choice: AgentChoice, actor: Actor, now: datetime) -> Agent:
    agent = _agent(session, agent_id)
    choice.checked()
    if agent.id == actor.agent_id and choice.role != AgentRole.ADMIN:
        raise AccountRefused("own_role")  # nobody locks the last door behind themselves
    before = {f"{agent.username}.role": agent.role.value, f"{agent.username}.languages": agent.languages}
    agent.role, agent.languages = choice.role, ",".join(choice.languages)
    audit(session, SECTION, {f"{agent.username}.role": agent.role.value,
                             f"{agent.username}.languages": agent.languages}, before, actor, now)
    return agent


def set_active(session: Session, agent_id: int, active: bool, actor: Actor, now: datetime) -> Agent:
    """A deactivated agent is logged out everywhere, counts as away and cannot log in again."""
    agent = _agent(session, agent_id)
    if agent.id == actor.agent_id and not active:
        raise AccountRefused("own_account")
    was = "active" if agent.active else "inactive"
    agent.active = active
    if not active:
        agent.status = AgentStatus.AWAY
        session.execute(delete(AgentSession).where(AgentSession.agent_id == agent.id))
    audit(session, SECTION, {f"{agent.username}.account": "active" if active else "inactive"},
          {f"{agent.username}.account": was}, actor, now)
    return agent


def reset_password(session: Session, agent_id: int, actor: Actor, now: datetime) -> tuple[Agent, str]:
    """The old password stays valid until the link is used (the agent may still be at work)."""
    agent = _agent(session, agent_id)
    audit(session, SECTION, {f"{agent.username}.password": "reset link"}, {}, actor, now)
    return agent, password_link(session, agent, now)


def password_link(session: Session, agent: Agent, now: datetime) -> str:
    """A new one-time token for `agent`; earlier unused links stop working."""
    session.execute(update(PasswordLink).where(PasswordLink.agent_id == agent.id, PasswordLink.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(PasswordLink(agent_id=agent.id, token_hash=digest(token), created_at=now,
                             expires_at=now + LINK_LIFETIME))
    return token


def link_holder(session: Session, token: str, now: datetime) -> Agent | None:
    """The active agent a still usable link belongs to."""
    link = _usable_link(session, token, now)
    return link.agent if link is not None else None


def set_password(session: Session, token: str, password: str, now: datetime) -> Agent:
    link = _usable_link(session, token, now)
    if link is None:
        raise AccountRefused("link")
    try:
        link.agent.password_hash = hash_password(password)
    except ValueError as error:
        raise AccountRefused("password_short") from error
    link.used_at = now
    session.execute(delete(AgentSession).where(AgentSession.agent_id == link.agent_id))
    return link.agent


def _usable_link(session: Session, token: str, now: datetime) -> PasswordLink | None:
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now or not link.agent.active:
        return None
    return link


def _agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise AccountRefused("unknown_agent")
    return agent
