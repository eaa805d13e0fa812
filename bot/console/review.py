"""The review inbox and the trainers' audit log in the console, for trainers and admins."""

import asyncio
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.console.auth import SignedInAgent
from bot.console.origin import console_router
from bot.console.permissions import TrainerOrAdmin, TrainerOrAdminPage
from bot.console.routes import templates
from bot.deps import ClockDep, SessionsDep, SettingsDep
from bot.models.conversation import Channel
from bot.settings import Settings
from bot.trainer.review.desk import ReviewConflict, ReviewDesk, ReviewInvalid, ReviewNotFound, TrainerRef
from bot.trainer.review.inbox import InboxFilters, Reason
from bot.trainer.review.texts import console_texts, pick_language
from text.wording import fill

router = console_router("/console/review", ["review inbox"])
LANGUAGE_COOKIE = "koliber_console_lang"
FILTER_KEYS = ("language", "channel", "intent", "since", "until")


def _desk(sessions: SessionsDep, settings: SettingsDep, clock: ClockDep) -> ReviewDesk:
    return ReviewDesk(sessions, settings, clock)


ReviewDeskDep = Annotated[ReviewDesk, Depends(_desk)]
MessageIds = Annotated[str, Form(description="comma-separated message ids of one inbox item")]
Back = Annotated[str, Form(description="the inbox's query string, to return to the same filters")]


def _ids(raw: str) -> list[int]:
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "message_ids are numbers") from error


def _filters_query(back: str) -> dict[str, str]:
    """Only the filters survive a round trip through the form, never a stale notice."""
    return {key: value for key, value in parse_qsl(back) if key in FILTER_KEYS and value}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _page(request: Request, settings: Settings, agent: SignedInAgent, template: str, context: dict[str, Any],
          status_code: int = 200) -> Response:
    language = pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), agent.languages)
    response = templates.TemplateResponse(request, template, {
        "agent": agent.as_dict(), "t": console_texts(settings.review_texts_path, language), "ui_lang": language,
        # fills a text's placeholders in the page's language: "{count:message}" is "3 wiadomości"
        "say": lambda text, **values: fill(text, language, **values),
        "other_lang": "en" if language == "pl" else "pl", **context}, status_code=status_code)
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="strict", path="/console",
                            max_age=365 * 24 * 3600)
    return response


async def _inbox(request: Request, settings: Settings, desk: ReviewDesk, agent: SignedInAgent, query: dict[str, str],
                 notice: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    try:
        channel = Channel(query["channel"]) if query.get("channel") else None
        since = date.fromisoformat(query["since"]) if query.get("since") else None
        until = date.fromisoformat(query["until"]) if query.get("until") else None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"bad filter: {error}") from error
    filters = InboxFilters(language=query.get("language") or None, channel=channel, intent=query.get("intent") or None,
                           since=_day_start(since) if since else None,
                           until=_day_start(until + timedelta(days=1)) if until else None)
    entries, total = await asyncio.to_thread(desk.inbox, filters)
    domain = desk.domain
    return _page(request, settings, agent, "review_inbox.html", {
        "entries": entries, "total": total, "filters": query, "back": urlencode(query), "notice": notice,
        "intents": domain.intents, "entities": domain.entities, "channels": [c.value for c in Channel],
        "reasons": list(Reason), "bot_intents": sorted({*domain.intents, "nlu_fallback"})}, status_code)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def inbox_page(request: Request, settings: SettingsDep, desk: ReviewDeskDep, agent: TrainerOrAdminPage,
                     language: Annotated[str, Query(pattern="^(|pl|en)$")] = "", channel: str = "", intent: str = "",
                     since: str = "", until: str = "", notice: str = "", intent_done: str = "", file: str = "",
                     line: int = 0, count: int = 0) -> Response:
    query = {k: v for k, v in {"language": language, "channel": channel, "intent": intent, "since": since,
                               "until": until}.items() if v}
    shown = {"kind": notice, "intent": intent_done, "file": file, "line": line, "count": count} if notice else None
    return await _inbox(request, settings, desk, agent, query, shown)


def _back_to_inbox(back: str, **notice: Any) -> RedirectResponse:
    return RedirectResponse(f"/console/review?{urlencode({**_filters_query(back), **notice})}",
                            status_code=status.HTTP_303_SEE_OTHER)


def _refused(error: Exception) -> tuple[int, dict[str, Any]]:
    code = {ReviewNotFound: status.HTTP_404_NOT_FOUND, ReviewConflict: status.HTTP_409_CONFLICT}.get(
        type(error), status.HTTP_422_UNPROCESSABLE_CONTENT)
    return code, {"kind": "error", "detail": str(error)}


@router.post("/label", include_in_schema=False)
async def label(request: Request, settings: SettingsDep, desk: ReviewDeskDep, agent: TrainerOrAdmin, message_ids: MessageIds,
                intent: Annotated[str, Form()], example: Annotated[str, Form()], back: Back = "") -> Response:
    try:
        done = await asyncio.to_thread(desk.label, TrainerRef(agent.id, agent.username), _ids(message_ids), intent,
                                       example)
    except (ReviewNotFound, ReviewConflict, ReviewInvalid) as error:
        code, notice = _refused(error)
        return await _inbox(request, settings, desk, agent, _filters_query(back), notice, code)
    return _back_to_inbox(back, notice="labelled" if done.added else "already", intent_done=done.intent,
                          file=done.file, line=done.line, count=done.messages)


@router.post("/dismiss", include_in_schema=False)
async def dismiss(request: Request, settings: SettingsDep, desk: ReviewDeskDep, agent: TrainerOrAdmin,
                  message_ids: MessageIds, back: Back = "") -> Response:
    try:
        count = await asyncio.to_thread(desk.dismiss, TrainerRef(agent.id, agent.username), _ids(message_ids))
    except (ReviewNotFound, ReviewConflict, ReviewInvalid) as error:
        code, notice = _refused(error)
        return await _inbox(request, settings, desk, agent, _filters_query(back), notice, code)
    return _back_to_inbox(back, notice="dismissed", count=count)


@router.post("/conversations/{conversation_id}/export", response_class=HTMLResponse, include_in_schema=False)
async def export_story(request: Request, conversation_id: str, settings: SettingsDep, desk: ReviewDeskDep,
                       agent: TrainerOrAdmin, back: Back = "") -> Response:
    try:
        exported = await desk.export_story(TrainerRef(agent.id, agent.username), conversation_id)
    except (ReviewNotFound, ReviewConflict, ReviewInvalid) as error:
        code, notice = _refused(error)
        return await _inbox(request, settings, desk, agent, _filters_query(back), notice, code)
    return _page(request, settings, agent, "review_export.html",
                 {"exported": exported, "back": urlencode(_filters_query(back))})


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(request: Request, settings: SettingsDep, desk: ReviewDeskDep, agent: TrainerOrAdminPage) -> Response:
    entries = await asyncio.to_thread(desk.audit_log)
    return _page(request, settings, agent, "review_audit.html", {"entries": entries})
