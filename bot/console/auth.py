"""Who is using the console: the session cookie turned into an agent, for pages, API and socket alike."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from bot.deps import ClockDep, SessionsDep
from bot.handoff.agents import agent_for_token
from db.sessions import read

SESSION_COOKIE = "koliber_agent"


@dataclass(frozen=True)
class SignedInAgent:
    id: int
    username: str
    display_name: str
    languages: list[str]
    role: str
    status: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _lookup(session: Session, token: str, now: datetime) -> SignedInAgent | None:
    agent = agent_for_token(session, token, now)
    if agent is None:
        return None
    return SignedInAgent(agent.id, agent.username, agent.display_name, agent.language_list,
                         agent.role.value, agent.status.value)


async def signed_in_agent(connection: HTTPConnection, sessions: SessionsDep, clock: ClockDep) -> SignedInAgent | None:
    """The agent behind the request's or the socket's session cookie, or None."""
    token = connection.cookies.get(SESSION_COOKIE)
    return await read(sessions, lambda session: _lookup(session, token, clock())) if token else None


# Only for the doors that strangers may use too (logging out); every other route declares the
# roles it is for with the aliases in bot.console.permissions.
MaybeAgent = Annotated[SignedInAgent | None, Depends(signed_in_agent)]
