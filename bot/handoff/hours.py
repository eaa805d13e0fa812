"""When agents work: a weekly schedule in the shop's time zone, closed on public holidays."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

from shop.owner_settings import WEEKDAYS


@dataclass(frozen=True)
class HandoffConfig:
    timezone: str
    holidays_country: str
    observe_holidays: bool
    weekly_hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> opening, closing
    average_handling_minutes: float
    max_live_wait_minutes: float
    reply_within_hours: float
    hours_description: dict[str, str]  # the schedule in words, per language
    closed_days: frozenset[date] = frozenset()  # the shop's own days off (stocktaking, Christmas Eve)


def load_handoff_config(path: Path) -> HandoffConfig:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    weekly = {}
    for day, span in (raw.get("weekly_hours") or {}).items():
        opening, closing = (_parse_time(value) for value in span)
        weekly[WEEKDAYS.index(day)] = (opening, closing)
    return HandoffConfig(
        timezone=raw["timezone"],
        holidays_country=raw.get("holidays_country", "PL"),
        observe_holidays=bool(raw.get("observe_holidays", True)),
        weekly_hours=weekly,
        average_handling_minutes=float(raw["average_handling_minutes"]),
        max_live_wait_minutes=float(raw["max_live_wait_minutes"]),
        reply_within_hours=float(raw["reply_within_hours"]),
        hours_description=dict(raw.get("hours_description") or {}),
        closed_days=frozenset(date.fromisoformat(str(day)) for day in raw.get("closed_days") or ()),
    )


def _parse_time(value: str) -> time:
    # "24:00" closes at midnight: the end of the day, not its start.
    return time.max if value == "24:00" else time.fromisoformat(value)


class WorkingHours:
    def __init__(self, config: HandoffConfig) -> None:
        self.zone = ZoneInfo(config.timezone)
        self._weekly = config.weekly_hours
        self._holidays = holidays.country_holidays(config.holidays_country) if config.observe_holidays else {}
        self._closed_days = config.closed_days

    def _span(self, day) -> tuple[time, time] | None:
        if day in self._closed_days or day in self._holidays:
            return None
        return self._weekly.get(day.weekday())

    def opening_hours(self, day: date) -> tuple[time, time] | None:
        """Opening and closing time on this local day; None when closed (a holiday, a day off)."""
        return self._span(day)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        span = self._span(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def next_opening(self, moment: datetime) -> datetime | None:
        """The moment agents are next at work (`moment` itself when open now); None if never."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            span = self._span(day)
            if span is None:
                continue
            opening = datetime.combine(day, span[0], tzinfo=self.zone)
            if opening > local:
                return opening
        return None
