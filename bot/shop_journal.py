"""Reads the shop platform's event journal in the gateway (APScheduler), for a platform that sends
no webhooks (BaseLinker): orders changed since the last read are dropped from the order cache.
Several gateways each run the schedule; a PostgreSQL advisory lock lets one of them read."""

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from db.locks import only_one
from shop.platforms.service import JournalSource, PlatformShopService
from shop.platforms.transport import ShopUnavailable
from shop.service import ShopService

log = logging.getLogger(__name__)

JOB_ID = "shop-journal"


class ShopJournalJob:
    def __init__(self, shop: PlatformShopService, database: Engine, every_seconds: int) -> None:
        self.shop = shop
        self._database = database
        self._scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1})
        self._trigger = IntervalTrigger(seconds=every_seconds)

    def start(self) -> None:
        self._scheduler.start()
        self._scheduler.add_job(self.run, self._trigger, id=JOB_ID)

    async def run(self) -> list[str] | None:
        with only_one(self._database, JOB_ID) as ours:
            if not ours:
                return None
            try:
                changed = await asyncio.to_thread(self.shop.read_journal)
            except ShopUnavailable as error:  # the next read starts where this one would have
                log.warning("the shop's journal could not be read: %s", error)
                return None
        if changed:
            log.info("shop journal: %d orders changed", len(changed))
        return changed

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)


def start_shop_journal_job(shop: ShopService, database: Engine, every_seconds: int) -> ShopJournalJob | None:
    """The journal job, started, when the shop's platform keeps a journal; None otherwise."""
    if not (isinstance(shop, PlatformShopService) and isinstance(shop.platform, JournalSource)):
        return None
    job = ShopJournalJob(shop, database, every_seconds)
    job.start()
    return job
