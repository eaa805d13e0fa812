"""Who is using the console: the session cookie turned into an agent, for pages, API and socket."""

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, WebSocket, status

from bot.api.deps import GatewayDep
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


async def optional_agent(request: Request, gateway: GatewayDep) -> SignedInAgent | None:
    return await asyncio.to_thread(_lookup, gateway, request.cookies.get(SESSION_COOKIE))


async def current_agent(agent: Annotated[SignedInAgent | None, Depends(optional_agent)]) -> SignedInAgent:
    if agent is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in to the console first")
    return agent


async def socket_agent(socket: WebSocket) -> SignedInAgent | None:
    return await asyncio.to_thread(_lookup, socket.app.state.gateway, socket.cookies.get(SESSION_COOKIE))


MaybeAgent = Annotated[SignedInAgent | None, Depends(optional_agent)]
CurrentAgent = Annotated[SignedInAgent, Depends(current_agent)]
