"""Customers' data requests in the console, for admins: find a person by e-mail or phone, download
everything about them as JSON, or erase it (confirmed by typing the address again)."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import AdminOnly, AdminOnlyPage
from bot.console.routes import templates
from bot.deps import ClockDep, SessionsDep, SettingsDep
from bot.engine.address import EngineAddress
from bot.privacy import audit
from bot.privacy.engine_trackers import EngineTrackers
from bot.privacy.erase import erase_person
from bot.privacy.export import export_person
from bot.privacy.finder import UnknownIdentifier, find_person, parse_identifier
from bot.settings import Settings
from db.sessions import read

router = console_router("/console/privacy", ["customer data"])
Address = Annotated[str, Form(description="the person's e-mail address or phone number", max_length=254)]


@dataclass(frozen=True)
class _Parts:
    """The gateway's parts the customer-data pages use."""

    sessions: sessionmaker[Session]
    settings: Settings
    clock: Callable[[], datetime]

    def engine(self) -> EngineTrackers:
        return EngineTrackers(EngineAddress.of(self.settings), self.settings.engine_timeout_seconds)


def _parts(sessions: SessionsDep, settings: SettingsDep, clock: ClockDep) -> _Parts:
    return _Parts(sessions, settings, clock)


PartsDep = Annotated[_Parts, Depends(_parts)]


def _actor(agent: SignedInAgent) -> audit.Actor:
    return audit.Actor.agent(agent.id, agent.username)


def _look_up(session: Session, address: str) -> dict[str, Any]:
    person = find_person(session, address)
    return {"counts": person.counts(), "found": person.found,
            "conversations": [{"id": c.id, "channel": c.channel.value, "created_at": c.created_at,
                               "last_activity_at": c.last_activity_at, "messages": len(c.messages)}
                              for c in person.conversations]}


def _recent_audit(session: Session) -> list[dict[str, Any]]:
    return [{"when": entry.created_at, "actor": entry.actor, "action": entry.action, "details": entry.details}
            for entry in audit.recent(session)]


async def _page(request: Request, parts: _Parts, agent: SignedInAgent, address: str = "",
                notice: dict[str, Any] | None = None, status_code: int = status.HTTP_200_OK) -> Response:
    found, error = None, None
    if address:
        try:
            parse_identifier(address)
            found = await read(parts.sessions, lambda session: _look_up(session, address))
        except UnknownIdentifier as problem:
            error, status_code = str(problem), status.HTTP_422_UNPROCESSABLE_CONTENT
    return templates.TemplateResponse(request, "privacy.html", {
        "agent": agent.as_dict(), "address": address, "found": found, "error": error, "notice": notice,
        "audit": await read(parts.sessions, _recent_audit)}, status_code=status_code)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def privacy_page(request: Request, parts: PartsDep, agent: AdminOnlyPage,
                       q: Annotated[str, Query(max_length=254)] = "") -> Response:
    return await _page(request, parts, agent, q.strip())


@router.post("/export", include_in_schema=False)
async def export(request: Request, parts: PartsDep, agent: AdminOnly, address: Address) -> Response:
    try:
        data = await asyncio.to_thread(export_person, parts.sessions, address, _actor(agent),
                                       parts.engine().tracker, parts.clock)
    except UnknownIdentifier:
        return await _page(request, parts, agent, address)
    day = parts.clock().date().isoformat()
    return Response(data.json_bytes(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="koliber-personal-data-{day}.json"',
                             "Cache-Control": "no-store"})


@router.post("/erase", response_class=HTMLResponse, include_in_schema=False)
async def erase(request: Request, parts: PartsDep, agent: AdminOnly, address: Address,
                confirmation: Annotated[str, Form(max_length=254)] = "") -> Response:
    try:
        asked = parse_identifier(address)
    except UnknownIdentifier:
        return await _page(request, parts, agent, address)
    try:
        confirmed = parse_identifier(confirmation) == asked
    except UnknownIdentifier:
        confirmed = False
    if not confirmed:
        return await _page(request, parts, agent, address, {"kind": "unconfirmed"},
                           status.HTTP_422_UNPROCESSABLE_CONTENT)
    erasure = await asyncio.to_thread(erase_person, parts.sessions, address, _actor(agent), parts.engine().forget,
                                      parts.clock)
    return await _page(request, parts, agent, "", {"kind": "erased", "counts": erasure.counts,
                                                   "engine_pending": erasure.engine_pending})
