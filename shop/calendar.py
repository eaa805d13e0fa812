"""Business days of the shop: weekends, public holidays, dispatch cut-off and delivery estimates."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from shop.policy import CalendarPolicy


class BusinessCalendar:
    def __init__(self, policy: CalendarPolicy, timezone: str) -> None:
        self._policy = policy
        self.zone = ZoneInfo(timezone)
        self._holidays = holidays.country_holidays(policy.holidays_country)
        self._extra_closed = {date.fromisoformat(day) for day in policy.extra_closed_days}

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays and day not in self._extra_closed

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)

    def next_business_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def dispatch_date(self, paid_at: datetime) -> date:
        """The day an order paid at `paid_at` leaves the warehouse."""
        local = paid_at.astimezone(self.zone)
        day = local.date()
        if self.is_business_day(day) and local.time() < self._policy.dispatch_cutoff:
            return day
        return self.next_business_day(day)

    def estimated_delivery(self, paid_at: datetime, transit_days: int) -> date:
        return self.add_business_days(self.dispatch_date(paid_at), transit_days)

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count

    def last_order_day(self, deadline: date, transit_days: int) -> date:
        """The last business day an order may be paid (before cut-off) to arrive by `deadline`."""
        day = deadline
        while True:
            if self.is_business_day(day) and self.add_business_days(day, transit_days) <= deadline:
                return day
            day -= timedelta(days=1)
