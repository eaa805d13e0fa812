"""Runs the retention pass once a day in the gateway, at a quiet hour (APScheduler)."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session, sessionmaker

from bot.engine.address import EngineAddress
from bot.privacy.engine_trackers import EngineTrackers
from bot.privacy.retention import RetentionPass, apply_retention
from bot.settings import Settings
from db.locks import only_one

log = logging.getLogger(__name__)

JOB_ID = "privacy-retention"


class RetentionJob:
    def __init__(self, run_pass: Callable[[], RetentionPass], hour_utc: int) -> None:
        self._run_pass = run_pass
        # In memory: the job is a fixed time of day, so a restarted gateway loses nothing by it.
        self._scheduler = AsyncIOScheduler(timezone=timezone.utc, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._trigger = CronTrigger(hour=hour_utc, timezone=timezone.utc)

    def start(self) -> None:
        self._scheduler.start()
        self._scheduler.add_job(self.run, self._trigger, id=JOB_ID)

    async def run(self) -> RetentionPass:
        done = await asyncio.to_thread(self._run_pass)
        if done.anonymised or done.engine_pending:
            log.info("retention: %d conversations anonymised, %d waiting for the engine", done.anonymised,
                     len(done.engine_pending))
        return done

    def next_run(self) -> datetime | None:
        job = self._scheduler.get_job(JOB_ID)
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)


def start_retention_job(settings: Settings, sessions: sessionmaker[Session],
                        clock: Callable[[], datetime]) -> RetentionJob | None:
    """The gateway's daily retention pass, started; None when KOLIBER_RETENTION_JOB is off."""
    if not settings.retention_job:
        return None
    engine = EngineTrackers(EngineAddress.of(settings), settings.engine_timeout_seconds)

    def run_pass() -> RetentionPass:
        with only_one(sessions.kw["bind"], JOB_ID) as ours:  # several gateways: one of them does it
            if not ours:
                return RetentionPass(clock(), 0, [])
            return apply_retention(sessions, settings.retention_days, engine.forget, clock)
    job = RetentionJob(run_pass, settings.retention_hour_utc)
    job.start()
    return job
