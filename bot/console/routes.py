"""The agents' console: log-in pages, the live queue, the ticket page, their JSON API and socket."""

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from bot.api.deps import GatewayDep, clean_text, require_json
from bot.console.auth import SESSION_COOKIE, CurrentAgent, MaybeAgent, socket_agent
from bot.handoff.agents import authenticate, close_session, open_session
from bot.handoff.models import AgentStatus, TicketStatus
from bot.handoff.queue import TicketUnavailable
from bot.persistence.database import unit_of_work
from bot.realtime import CONSOLE_TOPIC, conversation_topic, ticket_topic
from bot.settings import PROJECT_ROOT

router = APIRouter(prefix="/console", tags=["agent console"])
templates = Jinja2Templates(directory=PROJECT_ROOT / "bot" / "console" / "templates")


# --- pages --------------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "login.html", {"error": None, "username": ""})


@router.post("/login", include_in_schema=False)
async def log_in(request: Request, gateway: GatewayDep, username: Annotated[str, Form()] = "",
                 password: Annotated[str, Form()] = "") -> Response:
    def check() -> str | None:
        with unit_of_work(gateway.sessions) as session:
            agent = authenticate(session, username.strip(), password)
            if agent is None:
                return None
            lifetime = timedelta(hours=gateway.settings.agent_session_hours)
            return open_session(session, agent, gateway.clock(), lifetime)
    token = await asyncio.to_thread(check)
    if token is None:
        return templates.TemplateResponse(request, "login.html", {"error": "Wrong username or password.",
                                                                  "username": username}, status_code=401)
    response = RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=gateway.settings.environment != "development",
                        max_age=gateway.settings.agent_session_hours * 3600)
    return response


@router.post("/logout", include_in_schema=False)
async def log_out(request: Request, gateway: GatewayDep, agent: MaybeAgent) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if agent is not None:
        await gateway.desk.set_status(agent.id, AgentStatus.AWAY)
    if token:
        def forget() -> None:
            with unit_of_work(gateway.sessions) as session:
                close_session(session, token)
        await asyncio.to_thread(forget)
    response = RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/status", include_in_schema=False)
async def set_status(gateway: GatewayDep, agent: MaybeAgent, status_: Annotated[str, Form(alias="status")]) -> Response:
    if agent is None:
        return RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    try:
        await gateway.desk.set_status(agent.id, AgentStatus(status_))
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "status is 'available' or 'away'") from error
    return RedirectResponse("/console", status_code=status.HTTP_303_SEE_OTHER)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, agent: MaybeAgent) -> Response:
    if agent is None:
        return RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    if agent.role == "trainer":  # a trainer works in the review inbox, not the queue
        return RedirectResponse("/console/review", status_code=status.HTTP_303_SEE_OTHER)
    return templates.TemplateResponse(request, "queue.html", {"agent": agent.as_dict()})


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse, include_in_schema=False)
def ticket_page(request: Request, ticket_id: int, agent: MaybeAgent) -> Response:
    if agent is None:
        return RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    return templates.TemplateResponse(request, "ticket.html", {"agent": agent.as_dict(), "ticket_id": ticket_id})


# --- JSON API -----------------------------------------------------------------------------------
class TextIn(BaseModel):
    text: str = Field(description="Reply to the customer, or an internal note")


def _clean(text: str, gateway) -> str:
    try:
        return clean_text(text, gateway.settings.max_message_chars)
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error


def _conflict(error: TicketUnavailable) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(error))


@router.get("/api/queue")
async def queue(gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    return await asyncio.to_thread(gateway.desk.queue_overview, agent.id)


@router.get("/api/tickets/{ticket_id}")
async def ticket(ticket_id: int, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    details = await asyncio.to_thread(gateway.desk.ticket_details, ticket_id)
    if details is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no ticket {ticket_id}")
    return details


@router.post("/api/tickets/{ticket_id}/claim")
async def claim(ticket_id: int, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    try:
        return {"ticket": await gateway.desk.claim(ticket_id, agent.id)}
    except TicketUnavailable as error:
        raise _conflict(error) from error


@router.post("/api/tickets/{ticket_id}/reply", dependencies=[Depends(require_json)])
async def reply(ticket_id: int, body: TextIn, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    try:
        return {"message": await gateway.desk.reply(ticket_id, agent.id, _clean(body.text, gateway))}
    except TicketUnavailable as error:
        raise _conflict(error) from error


@router.post("/api/tickets/{ticket_id}/notes", dependencies=[Depends(require_json)])
async def add_note(ticket_id: int, body: TextIn, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    try:
        return {"note": await gateway.desk.add_note(ticket_id, agent.id, _clean(body.text, gateway))}
    except TicketUnavailable as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.post("/api/tickets/{ticket_id}/resolve")
async def resolve(ticket_id: int, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    try:
        return {"ticket": await gateway.desk.close(ticket_id, agent.id, TicketStatus.RESOLVED)}
    except TicketUnavailable as error:
        raise _conflict(error) from error


@router.post("/api/tickets/{ticket_id}/hand-back")
async def hand_back(ticket_id: int, gateway: GatewayDep, agent: CurrentAgent) -> dict[str, Any]:
    try:
        return {"ticket": await gateway.desk.close(ticket_id, agent.id, TicketStatus.RETURNED)}
    except TicketUnavailable as error:
        raise _conflict(error) from error


# --- live updates -------------------------------------------------------------------------------
@router.websocket("/ws")
async def console_socket(socket: WebSocket) -> None:
    """Queue changes for everyone; with ?ticket=<id>, that ticket's messages, notes and status too."""
    gateway = socket.app.state.gateway
    agent = await socket_agent(socket)
    if agent is None:
        await socket.close(code=4401, reason="log in to the console first")
        return
    await socket.accept()
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
    topics = [CONSOLE_TOPIC]
    ticket_id = socket.query_params.get("ticket")
    if ticket_id and ticket_id.isdigit():
        details = await asyncio.to_thread(gateway.desk.ticket_details, int(ticket_id))
        if details is not None:
            topics += [ticket_topic(int(ticket_id)), conversation_topic(details["conversation"]["id"])]
    for topic in topics:
        gateway.hub.subscribe(topic, events)
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
            gateway.hub.unsubscribe(topic, events)


CONSOLE_EVENTS = ("message", "note", "ticket", "queue_changed")


async def _forward(socket: WebSocket, events: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        event = await events.get()
        if event.get("type") in CONSOLE_EVENTS:  # typing and queue places are for the customer
            await socket.send_text(json.dumps(event, ensure_ascii=False))
