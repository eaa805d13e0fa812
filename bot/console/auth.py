"""Who is using the console: the session cookie turned into an agent, for pages, API and socket alike."""

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from bot.gateway import Gateway
from bot.handoff.agents import agent_for_token

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


def _lookup(gateway: Gateway, token: str | None) -> SignedInAgent | None:
    if not token:
        return None
    with gateway.sessions() as session:
        agent = agent_for_token(session, token, gateway.clock())
        if agent is None:
            return None
        return SignedInAgent(agent.id, agent.username, agent.display_name, agent.language_list,
                             agent.role.value, agent.status.value)


async def signed_in_agent(connection: HTTPConnection) -> SignedInAgent | None:
    """The agent behind the request's or the socket's session cookie, or None."""
    return await asyncio.to_thread(_lookup, connection.app.state.gateway, connection.cookies.get(SESSION_COOKIE))


# Only for the doors that strangers may use too (logging out); every other route declares the
# roles it is for with the aliases in bot.console.permissions.
MaybeAgent = Annotated[SignedInAgent | None, Depends(signed_in_agent)]
