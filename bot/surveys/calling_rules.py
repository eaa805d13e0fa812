"""When a customer may be called: local calling hours, never on closed weekdays or public
holidays. Pure functions of a moment, so tests pin the clock."""

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.surveys.config import WEEKDAYS, SurveyConfig

SEARCH_DAYS = 14  # longer than any run of closed days (Easter plus a Sunday, Christmas)


@lru_cache
def _holidays(country: str):
    return holidays.country_holidays(country)


class CallingRules:
    def __init__(self, config: SurveyConfig) -> None:
        self._config = config
        self._closed = {WEEKDAYS.index(day) for day in config.closed_weekdays}

    def _calling_day(self, day) -> bool:
        country = self._config.holidays_country
        return day.weekday() not in self._closed and not (country and day in _holidays(country))

    def may_call(self, moment: datetime, time_zone: str) -> bool:
        local = moment.astimezone(ZoneInfo(time_zone))
        start, end = self._config.calling_hours
        return self._calling_day(local.date()) and start <= local.time() < end

    def next_call_time(self, moment: datetime, time_zone: str) -> datetime:
        """`moment` when a call is allowed then, else the next start of calling hours."""
        if self.may_call(moment, time_zone):
            return moment
        zone = ZoneInfo(time_zone)
        local = moment.astimezone(zone)
        start = self._config.calling_hours[0]
        for offset in range(SEARCH_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            opening = datetime.combine(day, start, tzinfo=zone)
            if opening > local and self._calling_day(day):
                return opening.astimezone(moment.tzinfo)
        raise ValueError(f"no calling day within {SEARCH_DAYS} days of {moment}")
