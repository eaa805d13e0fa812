"""Orders read from a platform, kept for a short time in the database: the action server, the gateway
and the notice scheduler share one copy, a conversation's second question about an order costs the
platform nothing, and a platform webhook (or BaseLinker's journal) drops the copy the moment the
order changes."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from db.sessions import unit_of_work
from shop.models import CachedPlatformOrder, PlatformJournalPosition


class OrderCache:
    def __init__(self, sessions: sessionmaker[Session], platform: str, ttl: timedelta,
                 clock: Callable[[], datetime]) -> None:
        self._sessions, self._platform, self._ttl, self._clock = sessions, platform, ttl, clock

    def get(self, number: str) -> dict[str, Any] | None:
        """The cached order while it is younger than the time-to-live."""
        with unit_of_work(self._sessions) as session:
            row = session.get(CachedPlatformOrder, (self._platform, number))
            if row is None or row.fetched_at < self._clock() - self._ttl:
                return None
            return json.loads(row.data)

    def put(self, number: str, data: dict[str, Any]) -> None:
        with unit_of_work(self._sessions) as session:
            row = session.get(CachedPlatformOrder, (self._platform, number))
            if row is None:
                row = CachedPlatformOrder(platform=self._platform, number=number)
                session.add(row)
            row.data, row.fetched_at = json.dumps(data), self._clock()

    def forget(self, *numbers: str) -> None:
        if not numbers:
            return
        with unit_of_work(self._sessions) as session:
            session.execute(delete(CachedPlatformOrder).where(CachedPlatformOrder.platform == self._platform,
                                                              CachedPlatformOrder.number.in_(numbers)))

    def forget_expired(self) -> None:
        with unit_of_work(self._sessions) as session:
            session.execute(delete(CachedPlatformOrder).where(
                CachedPlatformOrder.platform == self._platform,
                CachedPlatformOrder.fetched_at < self._clock() - self._ttl))

    def journal_position(self) -> int | None:
        with unit_of_work(self._sessions) as session:
            row = session.get(PlatformJournalPosition, self._platform)
            return row.last_event_id if row else None

    def save_journal_position(self, last_event_id: int) -> None:
        with unit_of_work(self._sessions) as session:
            row = session.get(PlatformJournalPosition, self._platform)
            if row is None:
                row = PlatformJournalPosition(platform=self._platform, last_event_id=last_event_id, read_at=self._clock())
                session.add(row)
            row.last_event_id, row.read_at = last_event_id, self._clock()

