"""The NPS report as JSON, and a survey round on demand, for dashboards and other integrations."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bot.api.deps import GatewayDep, require_api_key
from bot.console.nps import since
from bot.surveys.report import build_report

router = APIRouter(prefix="/api/v1", tags=["surveys"], dependencies=[Depends(require_api_key)])


@router.get("/nps", summary="NPS by week, language and product category, with outcomes and latest reasons")
async def nps(gateway: GatewayDep, period: Annotated[str, Query(pattern="^(30|90|365|all)$")] = "90") -> dict:
    def report() -> dict:
        with gateway.sessions() as session:
            return build_report(session, gateway.surveys.config.default_time_zone, since(gateway, period)).as_dict()
    return await asyncio.to_thread(report)


@router.post("/surveys/round", summary="Run a survey round now: open surveys for due orders and call those due")
async def survey_round(gateway: GatewayDep) -> dict:
    """What the scheduler does every few minutes, on demand (a demo, or a shop without the scheduler)."""
    return {"placed_calls": await gateway.surveys.dialer.run_once()}
