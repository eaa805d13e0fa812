"""The NPS report page in the console, with its CSV export: for agents and admins (it names orders)."""

import asyncio
from datetime import datetime, timedelta

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from bot.api.deps import GatewayDep
from bot.console.origin import console_router
from bot.console.permissions import AgentOrAdmin, AgentOrAdminPage
from bot.console.routes import templates
from bot.surveys.report import build_report, report_csv

router = console_router("/console", ["agent console"])
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def since(gateway, period: str) -> datetime | None:
    days = PERIODS[period]
    return gateway.clock() - timedelta(days=days) if days else None


@router.get("/nps", response_class=HTMLResponse, include_in_schema=False)
async def nps_page(request: Request, gateway: GatewayDep, agent: AgentOrAdminPage,
                   period: str = Query("90", pattern="^(30|90|365|all)$")) -> Response:
    def report():
        with gateway.sessions() as session:
            return build_report(session, gateway.surveys.config.default_time_zone, since(gateway, period))
    return templates.TemplateResponse(request, "nps.html", {
        "agent": agent.as_dict(), "report": await asyncio.to_thread(report), "period": period,
        "periods": list(PERIODS)})


@router.get("/nps.csv", include_in_schema=False)
async def nps_csv(gateway: GatewayDep, agent: AgentOrAdmin,
                  period: str = Query("all", pattern="^(30|90|365|all)$")) -> Response:
    def rows() -> str:
        with gateway.sessions() as session:
            return report_csv(session, since(gateway, period))
    return Response(await asyncio.to_thread(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="koliber-nps.csv"'})
