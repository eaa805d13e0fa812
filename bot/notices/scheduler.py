"""Runs the delay-notice job in the gateway (APScheduler): every few minutes, and when the quiet
hours end so notices found overnight go out at once. Several gateways each run the schedule; a
PostgreSQL advisory lock lets one of them do the work."""

import logging
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.texts import load_texts
from bot.models.conversation import Channel
from bot.notices.notifier import DelayNotifier, NoticeRound
from bot.notices.routing import QuietHours
from bot.settings import Settings
from db.locks import only_one
from shop.service import ShopService

log = logging.getLogger(__name__)

JOB_ID = "delay-notices"


class DelayNoticeJob:
    def __init__(self, notifier: DelayNotifier, database: Engine, every_minutes: float, quiet: QuietHours) -> None:
        self.notifier = notifier
        self._database = database
        # In memory: a fixed interval and a time of day, so a restarted gateway loses nothing by it.
        self._scheduler = AsyncIOScheduler(timezone=quiet.zone, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._triggers = {JOB_ID: IntervalTrigger(minutes=every_minutes, timezone=quiet.zone),
                          f"{JOB_ID}-morning": CronTrigger(hour=quiet.end.hour, minute=quiet.end.minute,
                                                           timezone=quiet.zone)}

    def start(self) -> None:
        self._scheduler.start()
        for job_id, trigger in self._triggers.items():
            self._scheduler.add_job(self.run, trigger, id=job_id)

    async def run(self) -> NoticeRound | None:
        with only_one(self._database, JOB_ID) as ours:  # several gateways: one of them does it
            if not ours:
                return None
            try:
                done = await self.notifier.run_once()
            except Exception:  # noqa: BLE001 - the database went away: the next run finds the same orders
                log.exception("the delay-notice job failed")
                return None
        if done.planned or done.sent:
            log.info("delay notices: %d found, %d sent, %d skipped%s", done.planned, len(done.sent), done.skipped,
                     " (quiet hours: the rest wait)" if done.held_back else "")
        return done

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)


def reachable_channels(settings: Settings) -> frozenset[Channel]:
    """The channels the gateway can send a notice on with its settings."""
    configured = {Channel.SMS: settings.twilio_sms_from, Channel.WHATSAPP: settings.twilio_whatsapp_from,
                  Channel.EMAIL: settings.email_smtp_host}
    return frozenset(channel for channel, setting in configured.items() if setting)


def build_notifier(settings: Settings, sessions: sessionmaker[Session], shop: ShopService, delivery: Delivery,
                   clock: Callable[[], datetime]) -> DelayNotifier:
    quiet = QuietHours.parse(settings.delay_notices_quiet_hours, shop.policy.shop.timezone)
    texts = load_texts(settings.delay_notice_texts_path, settings.default_language)
    # The shop's policy in force at each run, not at start-up: the owner changes the cut-off in the console.
    return DelayNotifier(sessions, shop, delivery, texts, lambda: shop.policy, quiet,
                         settings.delay_notices_silent_business_days, clock, reachable_channels(settings))


def start_delay_notice_job(settings: Settings, database: Engine, sessions: sessionmaker[Session], shop: ShopService,
                           delivery: Delivery, clock: Callable[[], datetime]) -> DelayNoticeJob | None:
    """The gateway's delay-notice job, started; None when KOLIBER_DELAY_NOTICES is off."""
    if not settings.delay_notices:
        return None
    notifier = build_notifier(settings, sessions, shop, delivery, clock)
    job = DelayNoticeJob(notifier, database, settings.delay_notices_every_minutes, notifier.quiet)
    job.start()
    return job
