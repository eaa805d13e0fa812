"""The NPS report as JSON, and a survey round on demand, for dashboards and other integrations."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bot.deps import ClockDep, SessionsDep, SurveysDep, require_api_key
from bot.surveys.report import PERIOD_PATTERN, build_report, period_start
from db.sessions import read

router = APIRouter(prefix="/api/v1", tags=["surveys"], dependencies=[Depends(require_api_key)])


@router.get("/nps", summary="NPS by week, language and product category, with outcomes and latest reasons")
async def nps(sessions: SessionsDep, surveys: SurveysDep, clock: ClockDep,
              period: Annotated[str, Query(pattern=PERIOD_PATTERN)] = "90") -> dict:
    since = period_start(period, clock())
    return await read(sessions, lambda session: build_report(
        session, surveys.config.default_time_zone, since).as_dict())


@router.post("/surveys/round", summary="Run a survey round now: open surveys for due orders and call those due")
async def survey_round(surveys: SurveysDep) -> dict:
    """What the scheduler does every few minutes, on demand (a demo, or a shop without the scheduler)."""
    return {"placed_calls": await surveys.dialer.run_once()}
