"""Opening hours, the shop's days off and the wait limit for "talk to a person" as the console edits
them: checked, stored as the "handoff" settings section, and laid over the defaults in config/handoff.yml."""

import re
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any

from bot.handoff.hours import HandoffConfig, _parse_time
from shop.owner_settings import OPENING_HOURS, WEEKDAYS, Problem
from text.formatting import weekly_hours

SECTION = OPENING_HOURS
CLOSED = "—"  # a closed day, in the audit log
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
MAX_WAIT_MINUTES = 240


@dataclass(frozen=True)
class HoursForm:
    """What the admin typed: per weekday None (closed) or (opening, closing) as HH:MM."""

    weekly_hours: dict[str, tuple[str, str] | None]
    observe_holidays: bool
    closed_days: list[str]
    max_live_wait_minutes: str

    @classmethod
    def of(cls, config: HandoffConfig) -> "HoursForm":
        return cls(weekly_hours={day: _span_text(config.weekly_hours.get(index)) for index, day in enumerate(WEEKDAYS)},
                   observe_holidays=config.observe_holidays,
                   closed_days=sorted(day.isoformat() for day in config.closed_days),
                   max_live_wait_minutes=f"{config.max_live_wait_minutes:g}")

    def problems(self) -> list[Problem]:
        found = []
        for day, span in self.weekly_hours.items():
            if span is None:
                continue
            opening, closing = span
            if not TIME.match(opening) or opening == "24:00":
                found.append(Problem(f"{day}_opening", "time_format"))
            elif not TIME.match(closing):
                found.append(Problem(f"{day}_closing", "time_format"))
            elif _parse_time(closing) <= _parse_time(opening):
                found.append(Problem(f"{day}_closing", "closing_before_opening"))
        if all(span is None for span in self.weekly_hours.values()):
            found.append(Problem("weekly_hours", "no_open_day"))
        for day in self.closed_days:
            try:
                date.fromisoformat(day)
            except ValueError:
                found.append(Problem("closed_days", "date_format"))
                break
        try:
            wait = int(self.max_live_wait_minutes)
        except ValueError:
            wait = 0
        if not 1 <= wait <= MAX_WAIT_MINUTES:
            found.append(Problem("max_live_wait_minutes", "wait_range"))
        return found

    def stored(self) -> dict[str, Any]:
        """The section as saved in the database (only after `problems()` found none)."""
        return {"weekly_hours": {day: list(span) for day, span in self.weekly_hours.items() if span is not None},
                "observe_holidays": self.observe_holidays,
                "closed_days": sorted({date.fromisoformat(day).isoformat() for day in self.closed_days}),
                "max_live_wait_minutes": int(self.max_live_wait_minutes)}


def shown(config: HandoffConfig) -> dict[str, str]:
    """The settings field by field, as the audit log shows them: "mon": "08:00–20:00"."""
    form = HoursForm.of(config)
    return {**{day: "–".join(span) if span else CLOSED for day, span in form.weekly_hours.items()},
            "observe_holidays": "on" if form.observe_holidays else "off",
            "closed_days": ", ".join(form.closed_days) or CLOSED,
            "max_live_wait_minutes": form.max_live_wait_minutes}


def apply(defaults: HandoffConfig, stored: dict[str, Any] | None) -> HandoffConfig:
    """The settings in force: the console's over the defaults; the hours in words follow the new hours."""
    if not stored:
        return defaults
    weekly = {WEEKDAYS.index(day): (_parse_time(opening), _parse_time(closing))
              for day, (opening, closing) in stored["weekly_hours"].items()}
    config = replace(defaults, weekly_hours=weekly, observe_holidays=bool(stored["observe_holidays"]),
                     closed_days=frozenset(date.fromisoformat(day) for day in stored["closed_days"]),
                     max_live_wait_minutes=float(stored["max_live_wait_minutes"]))
    if config.weekly_hours != defaults.weekly_hours:
        config = replace(config, hours_description=_described(config))
    return config


def _span_text(span: tuple[time, time] | None) -> tuple[str, str] | None:
    if span is None:
        return None
    return span[0].strftime("%H:%M"), "24:00" if span[1] == time.max else span[1].strftime("%H:%M")


def _described(config: HandoffConfig) -> dict[str, str]:
    """The weekly hours in words per language: "pon.–pt. 8:00–20:00, sob. 9:00–15:00"."""
    week = [_span_text(config.weekly_hours.get(index)) for index in range(len(WEEKDAYS))]
    return {language: weekly_hours(week, language) for language in config.hours_description}
