"""Dates in the phrase they stand in, for every weekday and every day of a month, both languages."""

from datetime import date, timedelta

import pytest
from babel.dates import format_date

from text.formatting import by_day, day, from_day, on_day, position, weekday, weekly_hours

# Monday 7 December 2026 onwards: every weekday once.
WEEK = [date(2026, 12, 7) + timedelta(days=offset) for offset in range(7)]
POLISH_WEEK = [
    ("w poniedziałek", "do poniedziałku", "od poniedziałku"),
    ("we wtorek", "do wtorku", "od wtorku"),
    ("we środę", "do środy", "od środy"),
    ("w czwartek", "do czwartku", "od czwartku"),
    ("w piątek", "do piątku", "od piątku"),
    ("w sobotę", "do soboty", "od soboty"),
    ("w niedzielę", "do niedzieli", "od niedzieli"),
]
ENGLISH_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.mark.parametrize("value, forms", zip(WEEK, POLISH_WEEK), ids=ENGLISH_WEEK)
def test_every_polish_weekday_takes_the_case_of_its_preposition(value, forms):
    dated = f", {value.day} grudnia"
    assert (on_day(value, "pl"), by_day(value, "pl"), from_day(value, "pl")) == tuple(f + dated for f in forms)


@pytest.mark.parametrize("value, name", zip(WEEK, ENGLISH_WEEK), ids=ENGLISH_WEEK)
def test_every_english_weekday(value, name):
    dated = f"{name} {value.day} December"
    assert (on_day(value, "en"), by_day(value, "en"), from_day(value, "en")) == (
        f"on {dated}", f"by {dated}", f"from {dated}")


def test_the_table_agrees_with_babel_on_the_nominative():
    assert [weekday(value, "pl") for value in WEEK] == [format_date(value, "EEEE", locale="pl_PL") for value in WEEK]
    assert weekday(WEEK[2], "pl", "accusative") == "środę"


@pytest.mark.parametrize("day_of_month", range(1, 32))
def test_every_day_of_the_month_keeps_its_number_and_the_genitive_month(day_of_month):
    value = date(2026, 1, day_of_month)
    on, by, since = POLISH_WEEK[value.weekday()]
    polish_day = f"{day_of_month} stycznia"
    assert (on_day(value, "pl"), by_day(value, "pl"), from_day(value, "pl")) == (
        f"{on}, {polish_day}", f"{by}, {polish_day}", f"{since}, {polish_day}")
    assert on_day(value, "en") == f"on {ENGLISH_WEEK[value.weekday()]} {day_of_month} January"
    assert day(value, "pl") == f"{format_date(value, 'EEEE', locale='pl_PL')}, {day_of_month} stycznia"


@pytest.mark.parametrize("number, polish, english", [
    (1, "1.", "1st"), (2, "2.", "2nd"), (3, "3.", "3rd"), (4, "4.", "4th"), (11, "11.", "11th"),
    (12, "12.", "12th"), (13, "13.", "13th"), (21, "21.", "21st"), (22, "22.", "22nd"), (101, "101.", "101st"),
    (111, "111.", "111th"), (123, "123.", "123rd")])
def test_written_places(number, polish, english):
    assert (position(number, "pl"), position(number, "en")) == (polish, english)


SHOP_WEEK = [("08:00", "20:00")] * 5 + [("09:00", "15:00"), None]


@pytest.mark.parametrize(("week", "holidays", "polish", "english"), [
    (SHOP_WEEK, False, "pon.–pt. 8:00–20:00, sob. 9:00–15:00", "Mon–Fri 8:00–20:00, Sat 9:00–15:00"),
    (SHOP_WEEK, True, "pon.–pt. 8:00–20:00, sob. 9:00–15:00 (w święta nieczynne)",
     "Mon–Fri 8:00–20:00, Sat 9:00–15:00 (closed on public holidays)"),
    # Days apart or with other hours are not joined; a day open around the clock ends at 24:00.
    ([("08:00", "16:00"), None, ("08:00", "16:00"), ("08:00", "16:30"), None, None, ("00:00", "24:00")], False,
     "pon. 8:00–16:00, śr. 8:00–16:00, czw. 8:00–16:30, niedz. 0:00–24:00",
     "Mon 8:00–16:00, Wed 8:00–16:00, Thu 8:00–16:30, Sun 0:00–24:00"),
    ([("10:00", "18:00")] * 7, False, "pon.–niedz. 10:00–18:00", "Mon–Sun 10:00–18:00"),
])
def test_opening_hours_in_words(week, holidays, polish, english):
    assert weekly_hours(week, "pl", holidays) == polish
    assert weekly_hours(week, "en", holidays) == english
