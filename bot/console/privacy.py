"""Customers' data requests in the console, for admins: find a person by e-mail or phone, download
everything about them as JSON, or erase it (confirmed by typing the address again)."""

import asyncio
from typing import Annotated, Any

from fastapi import Form, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from bot.api.deps import GatewayDep
from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import AdminOnly, AdminOnlyPage
from bot.console.routes import templates
from bot.gateway import Gateway, engine_address
from bot.privacy import audit
from bot.privacy.engine_trackers import EngineTrackers
from bot.privacy.erase import erase_person
from bot.privacy.export import export_person
from bot.privacy.finder import UnknownIdentifier, find_person, parse_identifier

router = console_router("/console/privacy", ["customer data"])
Address = Annotated[str, Form(description="the person's e-mail address or phone number", max_length=254)]


def _engine(gateway: Gateway) -> EngineTrackers:
    return EngineTrackers(engine_address(gateway.settings), gateway.settings.engine_timeout_seconds)


def _actor(agent: SignedInAgent) -> audit.Actor:
    return audit.Actor.agent(agent.id, agent.username)


def _look_up(gateway: Gateway, address: str) -> dict[str, Any]:
    with gateway.sessions() as session:
        person = find_person(session, address)
        return {"counts": person.counts(), "found": person.found,
                "conversations": [{"id": c.id, "channel": c.channel.value, "created_at": c.created_at,
                                   "last_activity_at": c.last_activity_at, "messages": len(c.messages)}
                                  for c in person.conversations]}


def _recent_audit(gateway: Gateway) -> list[dict[str, Any]]:
    with gateway.sessions() as session:
        return [{"when": entry.created_at, "actor": entry.actor, "action": entry.action, "details": entry.details}
                for entry in audit.recent(session)]


async def _page(request: Request, gateway: Gateway, agent: SignedInAgent, address: str = "",
                notice: dict[str, Any] | None = None, status_code: int = status.HTTP_200_OK) -> Response:
    found, error = None, None
    if address:
        try:
            parse_identifier(address)
            found = await asyncio.to_thread(_look_up, gateway, address)
        except UnknownIdentifier as problem:
            error, status_code = str(problem), status.HTTP_422_UNPROCESSABLE_CONTENT
    return templates.TemplateResponse(request, "privacy.html", {
        "agent": agent.as_dict(), "address": address, "found": found, "error": error, "notice": notice,
        "audit": await asyncio.to_thread(_recent_audit, gateway)}, status_code=status_code)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def privacy_page(request: Request, gateway: GatewayDep, agent: AdminOnlyPage,
                       q: Annotated[str, Query(max_length=254)] = "") -> Response:
    return await _page(request, gateway, agent, q.strip())


@router.post("/export", include_in_schema=False)
async def export(request: Request, gateway: GatewayDep, agent: AdminOnly, address: Address) -> Response:
    try:
        data = await asyncio.to_thread(export_person, gateway.sessions, address, _actor(agent),
                                       _engine(gateway).tracker, gateway.clock)
    except UnknownIdentifier:
        return await _page(request, gateway, agent, address)
    day = gateway.clock().date().isoformat()
    return Response(data.json_bytes(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="koliber-personal-data-{day}.json"',
                             "Cache-Control": "no-store"})


@router.post("/erase", response_class=HTMLResponse, include_in_schema=False)
async def erase(request: Request, gateway: GatewayDep, agent: AdminOnly, address: Address,
                confirmation: Annotated[str, Form(max_length=254)] = "") -> Response:
    try:
        asked = parse_identifier(address)
    except UnknownIdentifier:
        return await _page(request, gateway, agent, address)
    try:
        confirmed = parse_identifier(confirmation) == asked
    except UnknownIdentifier:
        confirmed = False
    if not confirmed:
        return await _page(request, gateway, agent, address, {"kind": "unconfirmed"},
                           status.HTTP_422_UNPROCESSABLE_CONTENT)
    erasure = await asyncio.to_thread(erase_person, gateway.sessions, address, _actor(agent),
                                      _engine(gateway).forget, gateway.clock)
    return await _page(request, gateway, agent, "", {"kind": "erased", "counts": erasure.counts,
                                                     "engine_pending": erasure.engine_pending})
