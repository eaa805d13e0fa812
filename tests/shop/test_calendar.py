"""Business days: weekends, Polish public holidays, the dispatch cut-off."""

from datetime import date, datetime, timezone

import pytest

from shop.calendar import BusinessCalendar


@pytest.fixture
def calendar(policy) -> BusinessCalendar:
    return BusinessCalendar(policy.calendar, policy.shop.timezone)


def test_weekends_and_public_holidays_are_not_business_days(calendar):
    assert calendar.is_business_day(date(2026, 11, 23))  # Monday
    assert not calendar.is_business_day(date(2026, 11, 21))  # Saturday
    assert not calendar.is_business_day(date(2026, 11, 11))  # Independence Day
    assert not calendar.is_business_day(date(2026, 12, 24))  # Christmas Eve, a holiday since 2025


def test_cutoff_moves_dispatch_to_the_next_business_day(calendar):
    before = datetime(2026, 11, 20, 12, 59, tzinfo=timezone.utc)  # Friday 13:59 in Warsaw
    after = datetime(2026, 11, 20, 13, 1, tzinfo=timezone.utc)  # Friday 14:01 in Warsaw
    assert calendar.dispatch_date(before) == date(2026, 11, 20)
    assert calendar.dispatch_date(after) == date(2026, 11, 23)


def test_delivery_skips_holidays(calendar):
    paid = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)  # Tuesday; Wednesday 11th is a holiday
    assert calendar.estimated_delivery(paid, 1) == date(2026, 11, 12)


def test_last_order_day_before_christmas(calendar):
    assert calendar.last_order_day(date(2026, 12, 23), 1) == date(2026, 12, 22)
    assert calendar.last_order_day(date(2026, 12, 23), 3) == date(2026, 12, 18)
