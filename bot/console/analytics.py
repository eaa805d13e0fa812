"""The supervisor dashboard in the console: the page, its JSON and its CSV, for supervisors and admins.
All three are one report (bot.analytics.dashboard) over the same filters."""

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from bot.analytics.dashboard import build_report, day_bounds, report_csv
from bot.analytics.query import Filters, load_dataset
from bot.console.origin import console_router
from bot.console.permissions import Area, SupervisorOrAdmin, SupervisorOrAdminPage, may_enter
from bot.console.review import LANGUAGE_COOKIE
from bot.console.routes import templates
from bot.deps import ClockDep, QueueDep, SessionsDep, SettingsDep
from bot.handoff.agents import LANGUAGES
from bot.models.conversation import Channel
from bot.trainer.review.texts import console_texts, pick_language
from db.sessions import read

router = console_router("/console", ["supervisor dashboard"])
DEFAULT_DAYS = 30
MAX_DAYS = 366


def _day(value: str, name: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{name} is a date, YYYY-MM-DD") from error


class ReportQuery:
    """The filters every view of the dashboard takes: local days (both inclusive, the last 30 by
    default), a channel, a language, and the demo history instead of real data."""

    def __init__(self, since: Annotated[str, Query(description="first day, YYYY-MM-DD")] = "",
                 until: Annotated[str, Query(description="last day, YYYY-MM-DD (inclusive)")] = "",
                 channel: Annotated[str, Query(pattern="^(|web|sms|whatsapp|api|voice|email|messenger)$")] = "",
                 language: Annotated[str, Query(pattern="^(|pl|en)$")] = "",
                 demo: Annotated[bool, Query(description="the seeded demo history instead of real data")] = False
                 ) -> None:
        self.since, self.until = _day(since, "since"), _day(until, "until")
        self.channel, self.language, self.demo = channel or None, language or None, demo

    def filters(self, today: date, zone: ZoneInfo) -> Filters:
        until = self.until or today
        since = self.since or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until or (until - since).days >= MAX_DAYS:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"since must not be after until, and the range at most {MAX_DAYS} days")
        start, end = day_bounds(since, until, zone)
        return Filters(start, end, self.channel, self.language, self.demo)


ReportQueryDep = Annotated[ReportQuery, Depends()]


async def _report(query: ReportQuery, sessions, settings, queue, clock) -> dict[str, Any]:
    zone = ZoneInfo(queue.config.timezone)
    now = clock()
    filters = query.filters(now.astimezone(zone).date(), zone)

    def build(session) -> dict[str, Any]:
        data = load_dataset(session, filters, settings.review_confidence_threshold)
        return build_report(data, filters, now, settings.service_level_seconds, queue.hours.opening_hours,
                            settings.review_confidence_threshold, zone)
    return await read(sessions, build)


def _query_string(report: dict[str, Any]) -> str:
    shown = report["filters"]
    return urlencode({key: value for key, value in (("since", shown["since"]), ("until", shown["until"]),
                                                   ("channel", shown["channel"] or ""),
                                                   ("language", shown["language"] or ""),
                                                   ("demo", "true" if shown["demo"] else "")) if value})


@router.get("/analytics", response_class=HTMLResponse, include_in_schema=False)
async def analytics_page(request: Request, query: ReportQueryDep, sessions: SessionsDep, settings: SettingsDep,
                         queue: QueueDep, clock: ClockDep, agent: SupervisorOrAdminPage) -> Response:
    report = await _report(query, sessions, settings, queue, clock)
    language = pick_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), agent.languages)
    query_string = _query_string(report)
    response = templates.TemplateResponse(request, "analytics.html", {
        "agent": agent.as_dict(), "t": console_texts(settings.analytics_texts_path, language), "ui_lang": language,
        "other_lang": "en" if language == "pl" else "pl", "report": report, "query": query_string,
        "channels": [c.value for c in Channel], "languages": LANGUAGES,
        "may_review": may_enter(agent, Area.REVIEW), "may_queue": may_enter(agent, Area.QUEUE)})
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="strict", path="/console",
                            max_age=365 * 24 * 3600)
    # The page runs only the console's own files: no inline script, nothing from elsewhere.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    return response


@router.get("/api/analytics")
async def analytics(query: ReportQueryDep, sessions: SessionsDep, settings: SettingsDep, queue: QueueDep,
                    clock: ClockDep, agent: SupervisorOrAdmin) -> dict[str, Any]:
    """Every number of the supervisor dashboard (definitions in docs/analytics.md)."""
    return await _report(query, sessions, settings, queue, clock)


@router.get("/api/analytics.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def analytics_csv(query: ReportQueryDep, sessions: SessionsDep, settings: SettingsDep, queue: QueueDep,
                        clock: ClockDep, agent: SupervisorOrAdmin) -> Response:
    """The dashboard's numbers as CSV: one row per number (metric, key, value)."""
    report = await _report(query, sessions, settings, queue, clock)
    name = f"koliber-analytics-{report['filters']['since']}-{report['filters']['until']}.csv"
    return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
