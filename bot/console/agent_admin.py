"""Agent management for admins (invite, languages and role, deactivate, a new password link) and the
page a one-time password link opens, where the agent sets their password."""

from typing import Annotated, Any

from fastapi import Form, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from bot.console.admin_pages import actor, render
from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import LOGIN_PAGE, AdminOnly, AdminOnlyPage
from bot.console.routes import MAX_ID
from bot.console.shop_settings import audit_rows
from bot.deps import ClockDep, SessionsDep, SettingsDep
from bot.handoff import agent_accounts
from bot.handoff.agent_accounts import AccountRefused, AgentChoice
from bot.handoff.agents import LANGUAGES
from bot.models.handoff import AgentRole
from bot.settings import Settings
from db.sessions import read, write

router = console_router("/console/agents", ["agent management"])
password_router = console_router("/console/password", ["agent management"])
AgentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(min_length=20, max_length=100)]
Languages = Annotated[list[str], Form()]
Role = Annotated[str, Form(max_length=16)]


def _choice(languages: list[str], role: str) -> AgentChoice:
    try:
        return AgentChoice(languages, AgentRole(role))
    except ValueError as error:
        raise AccountRefused("unknown_agent") from error


def _link(request: Request, settings: Settings, token: str) -> str:
    base = settings.public_base_url or str(request.base_url)
    return f"{base.rstrip('/')}/console/password/{token}"


async def _page(request: Request, settings: Settings, sessions: SessionsDep, agent: SignedInAgent,
                notice: dict[str, Any] | None = None, refused: str | None = None, invite: dict[str, Any] | None = None,
                ) -> Response:
    def load(session: Session) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        agents = [{"id": a.id, "username": a.username, "display_name": a.display_name, "languages": a.language_list,
                   "role": a.role.value, "active": a.active} for a in agent_accounts.all_agents(session)]
        return agents, audit_rows(session)
    agents, audit = await read(sessions, load)
    return render(request, settings, agent, "agents.html", {
        "agents": agents, "audit": audit, "notice": notice, "refused": refused, "languages": LANGUAGES,
        "roles": [role.value for role in AgentRole], "invite": invite or {"languages": list(LANGUAGES), "role": "agent"}},
        status.HTTP_422_UNPROCESSABLE_CONTENT if refused else status.HTTP_200_OK)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def agents_page(request: Request, settings: SettingsDep, sessions: SessionsDep, agent: AdminOnlyPage) -> Response:
    return await _page(request, settings, sessions, agent)


@router.post("/invite", response_class=HTMLResponse, include_in_schema=False)
async def invite(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep, agent: AdminOnly,
                 username: Annotated[str, Form(max_length=64)], display_name: Annotated[str, Form(max_length=100)],
                 role: Role, languages: Languages = []) -> Response:  # noqa: B006 (FastAPI copies defaults)
    entered = {"username": username, "display_name": display_name, "languages": languages, "role": role}
    try:
        invited, token = await write(sessions, lambda session: agent_accounts.invite(
            session, username, display_name, _choice(languages, role), actor(agent), clock()))
    except AccountRefused as refusal:
        return await _page(request, settings, sessions, agent, refused=refusal.reason, invite=entered)
    return await _page(request, settings, sessions, agent,
                       {"kind": "link", "username": invited.username, "link": _link(request, settings, token)})


@router.post("/{agent_id}/change", response_class=HTMLResponse, include_in_schema=False)
async def change(request: Request, agent_id: AgentId, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                 agent: AdminOnly, role: Role, languages: Languages = []) -> Response:  # noqa: B006
    return await _account_work(request, settings, sessions, agent, "changed", lambda session: agent_accounts.change(
        session, agent_id, _choice(languages, role), actor(agent), clock()))


@router.post("/{agent_id}/deactivate", response_class=HTMLResponse, include_in_schema=False)
async def deactivate(request: Request, agent_id: AgentId, settings: SettingsDep, sessions: SessionsDep,
                     clock: ClockDep, agent: AdminOnly) -> Response:
    return await _account_work(request, settings, sessions, agent, "deactivated",
                               lambda session: agent_accounts.set_active(session, agent_id, False, actor(agent), clock()))


@router.post("/{agent_id}/activate", response_class=HTMLResponse, include_in_schema=False)
async def activate(request: Request, agent_id: AgentId, settings: SettingsDep, sessions: SessionsDep,
                   clock: ClockDep, agent: AdminOnly) -> Response:
    return await _account_work(request, settings, sessions, agent, "activated",
                               lambda session: agent_accounts.set_active(session, agent_id, True, actor(agent), clock()))


@router.post("/{agent_id}/password-link", response_class=HTMLResponse, include_in_schema=False)
async def password_link(request: Request, agent_id: AgentId, settings: SettingsDep, sessions: SessionsDep,
                        clock: ClockDep, agent: AdminOnly) -> Response:
    try:
        holder, token = await write(sessions, lambda session: agent_accounts.reset_password(
            session, agent_id, actor(agent), clock()))
    except AccountRefused as refusal:
        return await _page(request, settings, sessions, agent, refused=refusal.reason)
    return await _page(request, settings, sessions, agent,
                       {"kind": "link", "username": holder.username, "link": _link(request, settings, token)})


async def _account_work(request: Request, settings: Settings, sessions: SessionsDep, agent: SignedInAgent, done: str,
                        work) -> Response:
    try:
        changed = await write(sessions, work)
    except AccountRefused as refusal:
        return await _page(request, settings, sessions, agent, refused=refusal.reason)
    return await _page(request, settings, sessions, agent, {"kind": done, "username": changed.username})


# --- the one-time link: no log-in, the token is the key ------------------------------------------------
@password_router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def password_page(request: Request, token: Token, settings: SettingsDep, sessions: SessionsDep,
                        clock: ClockDep) -> Response:
    holder = await read(sessions, lambda session: agent_accounts.link_holder(session, token, clock()))
    return _password_page(request, settings, holder.username if holder else None, None if holder else "link")


@password_router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def set_password(request: Request, token: Token, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                       password: Annotated[str, Form(max_length=200)],
                       repeated: Annotated[str, Form(max_length=200)]) -> Response:
    holder = await read(sessions, lambda session: agent_accounts.link_holder(session, token, clock()))
    if holder is None:
        return _password_page(request, settings, None, "link")
    if password != repeated:
        return _password_page(request, settings, holder.username, "mismatch")
    try:
        await write(sessions, lambda session: agent_accounts.set_password(session, token, password, clock()))
    except AccountRefused as refusal:
        return _password_page(request, settings, holder.username, refusal.reason)
    return RedirectResponse(LOGIN_PAGE, status_code=status.HTTP_303_SEE_OTHER)


def _password_page(request: Request, settings: Settings, username: str | None, refused: str | None) -> Response:
    headers = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}  # the URL holds the key
    code = (status.HTTP_404_NOT_FOUND if refused == "link" else
            status.HTTP_422_UNPROCESSABLE_CONTENT if refused else status.HTTP_200_OK)
    response = render(request, settings, None, "set_password.html", {"username": username, "refused": refused}, code)
    response.headers.update(headers)
    return response
