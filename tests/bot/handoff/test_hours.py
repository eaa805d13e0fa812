"""Working hours: the weekly schedule in Warsaw, Polish public holidays, the next opening."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import WorkingHours, load_handoff_config
from bot.settings import PROJECT_ROOT

WARSAW = ZoneInfo("Europe/Warsaw")
TEST_DATA = PROJECT_ROOT / "tests" / "data"
ALWAYS_OPEN = TEST_DATA / "handoff_always_open.yml"
CLOSED = TEST_DATA / "handoff_closed.yml"


def warsaw(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


@pytest.fixture(scope="module")
def hours() -> WorkingHours:
    return WorkingHours(load_handoff_config(PROJECT_ROOT / "config" / "handoff.yml"))


def test_shop_config_is_read():
    config = load_handoff_config(PROJECT_ROOT / "config" / "handoff.yml")
    assert config.timezone == "Europe/Warsaw"
    assert config.average_handling_minutes == 6 and config.max_live_wait_minutes == 15
    assert 6 not in config.weekly_hours  # Sunday closed


@pytest.mark.parametrize(("moment", "open_"), [
    (warsaw(2026, 11, 23, 10, 0), True),  # Monday morning
    (warsaw(2026, 11, 23, 7, 59), False),  # Monday before opening
    (warsaw(2026, 11, 23, 19, 59), True),
    (warsaw(2026, 11, 23, 20, 0), False),  # closing time itself is closed
    (warsaw(2026, 11, 23, 21, 0), False),
    (warsaw(2026, 11, 21, 14, 59), True),  # Saturday
    (warsaw(2026, 11, 21, 15, 0), False),
    (warsaw(2026, 11, 22, 12, 0), False),  # Sunday
    (warsaw(2026, 11, 11, 12, 0), False),  # Independence Day, a Wednesday
    (warsaw(2026, 12, 25, 12, 0), False),  # Christmas Day, a Friday
])
def test_is_open(hours, moment, open_):
    assert hours.is_open(moment) is open_


def test_utc_moments_are_judged_in_warsaw(hours):
    assert hours.is_open(datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc))  # 08:30 CET
    assert not hours.is_open(datetime(2026, 11, 23, 6, 30, tzinfo=timezone.utc))  # 07:30 CET
    assert hours.is_open(datetime(2026, 7, 6, 6, 30, tzinfo=timezone.utc))  # 08:30 CEST, a Monday
    assert not hours.is_open(datetime(2026, 7, 6, 5, 30, tzinfo=timezone.utc))  # 07:30 CEST


def test_next_opening_when_open_is_now(hours):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    assert hours.next_opening(now) == now


def test_next_opening_from_sunday_evening_is_monday_morning(hours):
    opening = hours.next_opening(datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc))
    assert opening == warsaw(2026, 11, 23, 8, 0)
    assert opening.utcoffset() == timedelta(hours=1)
    assert opening.astimezone(timezone.utc) == datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)


def test_next_opening_after_saturday_closing_skips_sunday(hours):
    assert hours.next_opening(warsaw(2026, 11, 21, 16, 0)) == warsaw(2026, 11, 23, 8, 0)


def test_next_opening_skips_a_holiday(hours):
    assert hours.next_opening(warsaw(2026, 11, 11, 9, 0)) == warsaw(2026, 11, 12, 8, 0)


def test_next_opening_before_opening_is_the_same_day(hours):
    assert hours.next_opening(warsaw(2026, 11, 24, 6, 0)) == warsaw(2026, 11, 24, 8, 0)


def test_summer_opening_uses_cest(hours):
    opening = hours.next_opening(warsaw(2026, 7, 5, 12, 0))  # Sunday
    assert opening == warsaw(2026, 7, 6, 8, 0)
    assert opening.utcoffset() == timedelta(hours=2)
    assert opening.astimezone(timezone.utc).hour == 6


def test_next_opening_across_the_spring_clock_change(hours):
    opening = hours.next_opening(warsaw(2026, 3, 28, 16, 0))  # Saturday, CET; clocks go forward on Sunday
    assert opening == warsaw(2026, 3, 30, 8, 0)
    assert opening.utcoffset() == timedelta(hours=2)


def test_24_00_means_open_until_midnight():
    always = WorkingHours(load_handoff_config(ALWAYS_OPEN))
    assert always.is_open(warsaw(2026, 11, 22, 23, 59))
    assert always.is_open(warsaw(2026, 11, 23, 0, 0))
    assert always.is_open(warsaw(2026, 11, 11, 12, 0))  # holidays not observed


def test_never_open_config_has_no_next_opening():
    closed = WorkingHours(load_handoff_config(CLOSED))
    assert not closed.is_open(warsaw(2026, 11, 23, 10, 0))
    assert closed.next_opening(warsaw(2026, 11, 23, 10, 0)) is None
