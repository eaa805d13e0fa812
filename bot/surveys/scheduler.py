"""Runs survey rounds on a schedule with APScheduler. The job lives in APScheduler's SQLAlchemy
job store in the gateway's database, so a restarted gateway keeps its schedule (and runs a
missed round once, not once per missed interval). Several gateways each run the schedule; a
PostgreSQL advisory lock lets one of them place the round's calls."""

import logging

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.surveys.dialer import SurveyDialer
from db.locks import only_one

log = logging.getLogger(__name__)

JOB_ID = "survey-round"
JOBS_TABLE = "scheduler_jobs"

# The store pickles a reference to a module-level function, so the running dialer is found here.
_dialer: SurveyDialer | None = None
_database: Engine | None = None


async def run_survey_round() -> None:
    if _dialer is None or _database is None:
        log.warning("survey round skipped: no dialer running in this process")
        return
    with only_one(_database, JOB_ID) as ours:
        if not ours:
            log.info("survey round skipped: another gateway is running it")
            return
        placed = await _dialer.run_once()
    if placed:
        log.info("survey round placed %d calls", len(placed))


class SurveyScheduler:
    def __init__(self, dialer: SurveyDialer, database: Engine, database_url: str, every_minutes: float) -> None:
        self._dialer = dialer
        self._database = database
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._every_minutes = every_minutes

    def start(self) -> None:
        global _dialer, _database
        _dialer, _database = self._dialer, self._database
        self._scheduler.start()
        self._scheduler.add_job(run_survey_round, "interval", minutes=self._every_minutes, id=JOB_ID,
                                replace_existing=True)

    def next_run(self):
        job = self._scheduler.get_job(JOB_ID)
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        global _dialer, _database
        self._scheduler.shutdown(wait=False)
        _dialer = _database = None
