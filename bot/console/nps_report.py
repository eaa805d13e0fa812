"""The NPS report page in the console, with its CSV export: for agents and admins (it names orders)."""

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.console.origin import console_router
from bot.console.permissions import AgentOrAdmin, AgentOrAdminPage
from bot.console.routes import templates
from bot.deps import ClockDep, SessionsDep, SurveysDep
from bot.surveys.report import PERIOD_PATTERN, PERIODS, build_report, period_start, report_csv
from db.sessions import read

router = console_router("/console", ["agent console"])


@router.get("/nps", response_class=HTMLResponse, include_in_schema=False)
async def nps_page(request: Request, sessions: SessionsDep, surveys: SurveysDep, clock: ClockDep,
                   agent: AgentOrAdminPage, period: str = Query("90", pattern=PERIOD_PATTERN)) -> Response:
    since = period_start(period, clock())
    report = await read(sessions, lambda session: build_report(session, surveys.config.default_time_zone, since))
    return templates.TemplateResponse(request, "nps.html", {
        "agent": agent.as_dict(), "report": report, "period": period, "periods": list(PERIODS)})


@router.get("/nps.csv", include_in_schema=False)
async def nps_csv(sessions: SessionsDep, clock: ClockDep, agent: AgentOrAdmin,
                  period: str = Query("all", pattern=PERIOD_PATTERN)) -> Response:
    since = period_start(period, clock())
    rows = await read(sessions, lambda session: report_csv(session, since))
    return Response(rows, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="koliber-nps.csv"'})
