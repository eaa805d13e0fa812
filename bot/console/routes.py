"""The agents' console: log-in and log-out for every role; the live queue, the ticket page, their JSON
API and socket for agents (in their languages) and admins."""

import asyncio
import contextlib
import json
import math
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Path, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from bot.console.auth import SESSION_COOKIE, MaybeAgent
from bot.console.login_throttle import LoginThrottle, address_key
from bot.console.origin import console_router
from bot.console.permissions import (
    ANALYTICS_PAGE,
    REVIEW_PAGE,
    AgentOrAdmin,
    AgentOrAdminPage,
    Area,
    SignedInPage,
    may_enter,
    refuse,
)
from bot.deps import ClockDep, DeskDep, HubDep, SessionsDep, SettingsDep, require_json
from bot.handoff.agents import authenticate, close_session, open_session, purge_expired_sessions
from bot.handoff.queue import TicketForbidden, TicketNotFound, TicketUnavailable
from bot.models.handoff import AgentStatus, TicketStatus
from bot.observability import metrics
from bot.realtime import CONSOLE_TOPIC, conversation_topic, ticket_topic
from bot.settings import PROJECT_ROOT, Settings
from db.sessions import write
from text.cleaning import UnusableText, clean_text
from text.identifiers import normalize_email

router = console_router("/console", ["agent console"])
templates = Jinja2Templates(directory=PROJECT_ROOT / "bot" / "console" / "templates")
MAX_ID = 2**31 - 1  # the database's integer; a larger id is no ticket, not a server error
TicketId = Annotated[int, Path(ge=1, le=MAX_ID)]
T = TypeVar("T")


# --- pages --------------------------------------------------------------------------------------
def _login_page(request: Request, username: str, error: str | None = None, status_code: int = 200,
                headers: dict[str, str] | None = None, **context: Any) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": error, "username": username, **context},
                                      status_code=status_code, headers=headers)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> Response:
    return _login_page(request, "")


@dataclass(frozen=True)
class LoginResult:
    token: str | None = None
    locked_until: datetime | None = None


def _log_in(session: Session, settings: Settings, now: datetime, username: str, password: str, address: str,
            presented_token: str | None) -> LoginResult:
    throttle = LoginThrottle.from_settings(settings)
    locked_until = throttle.locked_until(session, username, address, now)
    if locked_until is not None:  # refused before any hashing: a locked guess costs the server nothing
        return LoginResult(locked_until=locked_until)
    agent = authenticate(session, username, password)
    if agent is None:
        throttle.failed(session, username, address, now)
        return LoginResult()
    throttle.succeeded(session, username, now)
    purge_expired_sessions(session, now)
    if presented_token:  # a session id planted in or left over in this browser never outlives a log-in
        close_session(session, presented_token)
    return LoginResult(token=open_session(session, agent, now, timedelta(hours=settings.agent_session_hours)))


@router.post("/login", include_in_schema=False)
async def log_in(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                 username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "") -> Response:
    username = username.strip()
    address = address_key(request.client.host if request.client else None)
    presented, now = request.cookies.get(SESSION_COOKIE), clock()
    result = await write(sessions, lambda session: _log_in(session, settings, now, username, password, address,
                                                           presented))
    if result.locked_until is not None:
        seconds = max(1, math.ceil((result.locked_until - clock()).total_seconds()))
        return _login_page(request, username, "locked", status.HTTP_429_TOO_MANY_REQUESTS,
                           {"Retry-After": str(seconds)}, minutes=math.ceil(seconds / 60))
    if result.token is None:
        return _login_page(request, username, "wrong", status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="strict", path="/",
                        secure=not settings.development, max_age=settings.agent_session_hours * 3600)
    return response


@router.post("/logout", include_in_schema=False)
async def log_out(request: Request, sessions: SessionsDep, clock: ClockDep, desk: DeskDep,
                  agent: MaybeAgent) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if agent is not None:
        await desk.set_status(agent.id, AgentStatus.AWAY)
    if token:
        def forget(session: Session) -> None:
            close_session(session, token)
            purge_expired_sessions(session, clock())
        await write(sessions, forget)
    response = RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/status", include_in_schema=False)
async def set_status(desk: DeskDep, agent: AgentOrAdmin, status_: Annotated[str, Form(alias="status")]) -> Response:
    try:
        await desk.set_status(agent.id, AgentStatus(status_))
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "status is 'available' or 'away'") from error
    return RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, agent: SignedInPage) -> Response:
    if not may_enter(agent, Area.QUEUE):  # trainers start at the review inbox, supervisors at the dashboard
        start = REVIEW_PAGE if may_enter(agent, Area.REVIEW) else ANALYTICS_PAGE
        return RedirectResponse(start, status_code=status.HTTP_303_SEE_OTHER)
    return templates.TemplateResponse(request, "queue.html", {"agent": agent.as_dict()})


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse, include_in_schema=False)
async def ticket_page(request: Request, ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdminPage) -> Response:
    await refusing(desk.ticket_conversation(ticket_id, agent.id))
    return templates.TemplateResponse(request, "ticket.html", {"agent": agent.as_dict(), "ticket_id": ticket_id})


# --- JSON API -----------------------------------------------------------------------------------
class TextIn(BaseModel):
    text: str = Field(description="Reply to the customer, or an internal note")


def _clean(text: str, settings: Settings) -> str:
    try:
        return clean_text(text, settings.max_message_chars)
    except UnusableText as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


async def refusing(work: Awaitable[T]) -> T:
    """The desk's answer, or its refusal in HTTP: no such ticket, not the agent's language, taken or closed."""
    try:
        return await work
    except TicketNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except TicketForbidden as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    except TicketUnavailable as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


@router.get("/api/queue")
async def queue(desk: DeskDep, agent: AgentOrAdmin) -> dict[str, Any]:
    return await desk.queue_overview(agent.id)


@router.get("/api/tickets/{ticket_id}")
async def ticket(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> dict[str, Any]:
    return await refusing(desk.ticket_details(ticket_id, agent.id))


@router.post("/api/tickets/{ticket_id}/claim")
async def claim(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> dict[str, Any]:
    return {"ticket": await refusing(desk.claim(ticket_id, agent.id))}


@router.post("/api/tickets/{ticket_id}/reply", dependencies=[Depends(require_json)])
async def reply(ticket_id: TicketId, body: TextIn, desk: DeskDep, settings: SettingsDep,
                agent: AgentOrAdmin) -> dict[str, Any]:
    return {"message": await refusing(desk.reply(ticket_id, agent.id, _clean(body.text, settings)))}


class EmailAddressIn(BaseModel):
    address: str = Field(max_length=254)


@router.post("/api/tickets/{ticket_id}/email", dependencies=[Depends(require_json)])
async def move_to_email(ticket_id: TicketId, body: EmailAddressIn, desk: DeskDep,
                        agent: AgentOrAdmin) -> dict[str, Any]:
    """From now on this ticket is answered by e-mail, at this address."""
    address = normalize_email(body.address)
    if address is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "that is not an e-mail address")
    return {"ticket": await refusing(desk.move_to_email(ticket_id, agent.id, address))}


@router.get("/api/tickets/{ticket_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}, 403: {}, 404: {}})
async def attachment(ticket_id: TicketId, attachment_id: Annotated[int, Path(ge=1, le=MAX_ID)], desk: DeskDep,
                     agent: AgentOrAdmin) -> Response:
    """A customer's file, downloaded, never shown inline: it comes from a stranger."""
    try:
        file = await refusing(desk.attachment(ticket_id, attachment_id, agent.id))
    except LookupError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such attachment on this ticket") from None
    disposition = f"attachment; filename*=UTF-8''{quote(file.filename)}"
    return Response(file.content, media_type=file.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store"})


@router.post("/api/tickets/{ticket_id}/notes", dependencies=[Depends(require_json)])
async def add_note(ticket_id: TicketId, body: TextIn, desk: DeskDep, settings: SettingsDep,
                   agent: AgentOrAdmin) -> dict[str, Any]:
    return {"note": await refusing(desk.add_note(ticket_id, agent.id, _clean(body.text, settings)))}


@router.post("/api/tickets/{ticket_id}/resolve")
async def resolve(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> dict[str, Any]:
    return {"ticket": await refusing(desk.close(ticket_id, agent.id, TicketStatus.RESOLVED))}


@router.post("/api/tickets/{ticket_id}/hand-back")
async def hand_back(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> dict[str, Any]:
    return {"ticket": await refusing(desk.close(ticket_id, agent.id, TicketStatus.RETURNED))}


# --- live updates -------------------------------------------------------------------------------
@router.websocket("/ws")
@metrics.counted_open(metrics.OPEN_WEBSOCKETS.labels(kind="console"))
async def console_socket(socket: WebSocket, desk: DeskDep, hub: HubDep, agent: AgentOrAdmin) -> None:
    """Queue changes; with ?ticket=<id>, that ticket's messages, notes and status too (if the agent may see it)."""
    topics = [CONSOLE_TOPIC]
    ticket_id = socket.query_params.get("ticket", "")
    if ticket_id.isdigit() and int(ticket_id) <= MAX_ID:
        try:
            conversation_id = await desk.ticket_conversation(int(ticket_id), agent.id)
            topics += [ticket_topic(int(ticket_id)), conversation_topic(conversation_id)]
        except TicketForbidden as error:
            await refuse(socket, status.HTTP_403_FORBIDDEN, str(error))
        except TicketNotFound:
            pass  # the ticket page says so; queue changes still flow
    await socket.accept()
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
    for topic in topics:
        hub.subscribe(topic, events)
    forwarder = asyncio.create_task(_forward(socket, events))
    try:
        while True:  # the browser sends nothing useful; reading notices when it goes away
            await socket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        forwarder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await forwarder
        for topic in topics:
            hub.unsubscribe(topic, events)


CONSOLE_EVENTS = ("message", "note", "ticket", "queue_changed")


async def _forward(socket: WebSocket, events: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        event = await events.get()
        if event.get("type") in CONSOLE_EVENTS:  # typing and queue places are for the customer
            await socket.send_text(json.dumps(event, ensure_ascii=False))
