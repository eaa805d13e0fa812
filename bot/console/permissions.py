"""Which console roles may use which part of the console, and the dependencies every console route
and socket declares to enforce it.

Strangers: a page sends them to log in, an API call answers 401, a socket closes with 4401.
A signed-in agent without the role: 403, or close code 4403.
"""

import enum
from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, WebSocket, WebSocketException, status
from starlette.requests import HTTPConnection

from bot.console.auth import SignedInAgent, signed_in_agent
from bot.models.handoff import AgentRole

LOGIN_PAGE = "/console/login"
REVIEW_PAGE = "/console/review"
ANALYTICS_PAGE = "/console/analytics"


class Area(enum.Enum):
    SIGNED_IN = "the console"
    QUEUE = "the queue, tickets and customers' orders"  # and the NPS report
    REVIEW = "the review inbox"  # and the trainers' audit log
    ADMIN = "the administration pages"  # customers' data requests too
    ANALYTICS = "the supervisor dashboard"


# The one table of who may do what. Trainers and supervisors stay out of the queue and the NPS report,
# which show customers, their orders and order numbers; supervisors see only the dashboard's totals
# (and the phrases the bot missed); admins may do everything.
ROLES: dict[Area, frozenset[AgentRole]] = {
    Area.SIGNED_IN: frozenset(AgentRole),
    Area.QUEUE: frozenset({AgentRole.AGENT, AgentRole.ADMIN}),
    Area.REVIEW: frozenset({AgentRole.TRAINER, AgentRole.ADMIN}),
    Area.ADMIN: frozenset({AgentRole.ADMIN}),
    Area.ANALYTICS: frozenset({AgentRole.SUPERVISOR, AgentRole.ADMIN}),
}


def may_enter(agent: SignedInAgent, area: Area) -> bool:
    return AgentRole(agent.role) in ROLES[area]


async def refuse(connection: HTTPConnection, code: int, detail: str) -> NoReturn:
    """401/403 for HTTP; close code 4401/4403 for a socket, accepted first because a browser learns no
    close code from a refused handshake (and the console's pages go to log in on 4401)."""
    if isinstance(connection, WebSocket):
        await connection.accept()
        raise WebSocketException(4000 + code, detail)
    raise HTTPException(code, detail)


class Entry:
    """A dependency that lets in the signed-in agents whose role may use `area`."""

    def __init__(self, area: Area, page: bool = False) -> None:
        self.area = area
        self.page = page

    async def __call__(self, connection: HTTPConnection,
                       agent: Annotated[SignedInAgent | None, Depends(signed_in_agent)]) -> SignedInAgent:
        if agent is None:
            if self.page:
                raise HTTPException(status.HTTP_303_SEE_OTHER, "log in to the console first",
                                    headers={"Location": LOGIN_PAGE})
            await refuse(connection, status.HTTP_401_UNAUTHORIZED, "log in to the console first")
        if not may_enter(agent, self.area):
            await refuse(connection, status.HTTP_403_FORBIDDEN, f"the {agent.role} role may not use {self.area.value}")
        return agent


# API routes and sockets.
AgentOrAdmin = Annotated[SignedInAgent, Depends(Entry(Area.QUEUE))]
TrainerOrAdmin = Annotated[SignedInAgent, Depends(Entry(Area.REVIEW))]
AdminOnly = Annotated[SignedInAgent, Depends(Entry(Area.ADMIN))]
SupervisorOrAdmin = Annotated[SignedInAgent, Depends(Entry(Area.ANALYTICS))]
# HTML pages: a stranger is sent to the log-in page instead of a 401.
SignedInPage = Annotated[SignedInAgent, Depends(Entry(Area.SIGNED_IN, page=True))]
AgentOrAdminPage = Annotated[SignedInAgent, Depends(Entry(Area.QUEUE, page=True))]
TrainerOrAdminPage = Annotated[SignedInAgent, Depends(Entry(Area.REVIEW, page=True))]
AdminOnlyPage = Annotated[SignedInAgent, Depends(Entry(Area.ADMIN, page=True))]
SupervisorOrAdminPage = Annotated[SignedInAgent, Depends(Entry(Area.ANALYTICS, page=True))]
