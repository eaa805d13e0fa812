"""Calling rules with a pinned clock: local hours, no Sundays, no Polish public holidays."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.surveys.calling_rules import CallingRules
from bot.surveys.config import SurveyConfig

WARSAW = "Europe/Warsaw"
RULES = CallingRules(SurveyConfig())  # 10:00-19:00, closed on Sundays and PL holidays


def warsaw(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(WARSAW))


@pytest.mark.parametrize("moment, allowed", [
    (warsaw(2026, 11, 24, 10, 0), True),  # Tuesday, opening minute
    (warsaw(2026, 11, 24, 18, 59), True),
    (warsaw(2026, 11, 24, 19, 0), False),  # closing time
    (warsaw(2026, 11, 24, 9, 59), False),
    (warsaw(2026, 11, 28, 12, 0), True),  # Saturday
    (warsaw(2026, 11, 29, 12, 0), False),  # Sunday
    (warsaw(2026, 11, 11, 12, 0), False),  # Independence Day (a Wednesday)
    (warsaw(2026, 12, 25, 12, 0), False),  # Christmas
])
def test_calls_only_in_local_hours_on_calling_days(moment, allowed):
    assert RULES.may_call(moment, WARSAW) is allowed


def test_the_customers_own_time_zone_decides():
    # 09:30 in Warsaw is 08:30 in London: too early there.
    moment = warsaw(2026, 11, 24, 10, 30)
    assert RULES.may_call(moment, WARSAW)
    assert not RULES.may_call(moment, "Europe/London")
    assert RULES.next_call_time(moment, "Europe/London") == datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def test_next_call_time_skips_evening_sunday_and_holidays():
    saturday_evening = warsaw(2026, 11, 28, 20, 0)
    assert RULES.next_call_time(saturday_evening, WARSAW) == warsaw(2026, 11, 30, 10, 0)  # Monday, not Sunday
    before_christmas = warsaw(2026, 12, 24, 19, 30)  # Thursday evening; 25th and 26th are holidays, 27th Sunday
    assert RULES.next_call_time(before_christmas, WARSAW) == warsaw(2026, 12, 28, 10, 0)
    allowed = warsaw(2026, 11, 24, 12, 0)
    assert RULES.next_call_time(allowed, WARSAW) == allowed


def test_next_call_time_keeps_the_callers_time_zone():
    utc_moment = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)  # Sunday
    assert RULES.next_call_time(utc_moment, WARSAW) == datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def test_unknown_weekday_names_are_refused():
    with pytest.raises(ValueError, match="unknown weekdays"):
        SurveyConfig(closed_weekdays=["sunday"])
