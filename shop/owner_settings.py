"""Settings the shop owner changes in the console, one JSON document per section ("handoff",
"returns", ...), and their audit log; and a short-lived cache of what they make of the defaults.
Here, below the gateway, so the action server reads the same rows. A section with no row is still
at the defaults in config/."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from db.base import Base, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
# The console's opening hours (saved by the gateway, bot/handoff/hours_settings.py) are the shop's:
# the contact details customers are given say them too (shop/policy_settings.py).
OPENING_HOURS = "handoff"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the stored weekly hours' keys


@dataclass(frozen=True)
class Problem:
    """A value the console refuses: the form field, and the key of the message that says why."""

    field: str
    message: str


class ShopSetting(Base):
    __tablename__ = "shop_settings"

    section: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SettingChange(Base):
    """One changed field: who, when, and the old and new value as the console showed them."""

    __tablename__ = "setting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(100))
    old_value: Mapped[str] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    actor: Mapped[str] = mapped_column(String(100))  # the agent's username then: kept if the account goes
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def stored(session: Session, section: str) -> dict[str, Any] | None:
    """The section as last saved in the console; None while it is still at the defaults in config/."""
    row = session.get(ShopSetting, section)
    return dict(row.value) if row is not None else None


class LiveSettings(Generic[T]):
    """Settings in force, read from the database (the source of truth for every process) and kept for
    a few seconds, so a change reaches every process soon without a query per question, and the
    process that saved it at once (`forget`). While the database is away, the last settings read
    stay in force (the defaults, if none were read yet): a customer still gets an answer."""

    def __init__(self, sessions: sessionmaker[Session], defaults: T, read: Callable[[Session], T],
                 keep_seconds: float = 5.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.defaults = defaults
        self._sessions = sessions
        self._read_from = read
        self._keep_seconds = keep_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()  # one reader refreshes; the others get the same result
        self._cached: tuple[float, T] | None = None

    def __call__(self) -> T:
        cached = self._cached
        if cached is not None and self._monotonic() < cached[0]:
            return cached[1]
        with self._lock:
            cached = self._cached
            if cached is not None and self._monotonic() < cached[0]:
                return cached[1]
            value = self._read(cached[1] if cached else None)
            self._cached = (self._monotonic() + self._keep_seconds, value)
            return value

    def in_session(self, session: Session) -> T:
        """The settings in force as `session` reads them, past the cache (the console shows and
        changes them in its own transaction)."""
        return self._read_from(session)

    def _read(self, last: T | None) -> T:
        try:
            with self._sessions() as session:
                return self._read_from(session)
        except SQLAlchemyError:
            log.warning("could not read the shop owner's settings; keeping the %s", "defaults" if last is None
                        else "last ones", exc_info=True)
            return self.defaults if last is None else last

    def forget(self) -> None:
        """Saved just now: the next question reads the database."""
        self._cached = None
