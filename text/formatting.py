"""Money, dates and lists written the way each language writes them (CLDR data through Babel)."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_time as _format_time
from babel.lists import format_list as _format_list
from babel.numbers import format_currency

_LOCALES = {"pl": "pl_PL", "en": "en_GB"}
_WEEKDAYS_FILE = Path(__file__).with_name("data") / "weekdays.yml"
WeekdayCase = Literal["nominative", "accusative", "genitive"]
_CLOSED_ON_HOLIDAYS = {"pl": "w święta nieczynne", "en": "closed on public holidays"}  # not in CLDR


def babel_locale(language: str) -> str:
    """The Babel locale Koliber writes a language in ("pl" -> "pl_PL", "en" -> "en_GB")."""
    return _LOCALES.get(language, "pl_PL")


def money(amount: Decimal, currency: str, language: str) -> str:
    return format_currency(amount, currency, locale=babel_locale(language))


def day(value: date, language: str) -> str:
    """A day with its weekday: "środa, 25 listopada" / "Wednesday 25 November"."""
    pattern = "EEEE, d MMMM" if language == "pl" else "EEEE d MMMM"
    return _format_date(value, pattern, locale=babel_locale(language))


def on_day(value: date, language: str) -> str:
    """The day something happens: "w poniedziałek, 7 grudnia", "we wtorek, 8 grudnia" / "on Monday 7 December"."""
    if language != "pl":
        return f"on {day(value, language)}"
    weekday_forms = _polish_weekdays()[value.weekday()]
    return f"{weekday_forms['preposition']} {weekday_forms['accusative']}, {_day_of_month(value, language)}"


def by_day(value: date, language: str) -> str:
    """A deadline: "do piątku, 18 grudnia" / "by Friday 18 December"."""
    return _after_preposition(value, language, "do", "by")


def from_day(value: date, language: str) -> str:
    """A start: "od wtorku, 8 grudnia" / "from Tuesday 8 December"."""
    return _after_preposition(value, language, "od", "from")


def weekday(value: date, language: str, case: WeekdayCase = "nominative") -> str:
    """The weekday alone, in Polish in `case`: "piątek", "piątku"."""
    if language != "pl":
        return _format_date(value, "EEEE", locale=babel_locale(language))
    return _polish_weekdays()[value.weekday()][case]


def position(number: int, language: str) -> str:
    """A place in a line, written: "3." / "3rd"."""
    if language != "pl":
        suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        return f"{number}{suffix}"
    return f"{number}."


def _after_preposition(value: date, language: str, polish: str, english: str) -> str:
    if language != "pl":
        return f"{english} {day(value, language)}"
    return f"{polish} {weekday(value, language, 'genitive')}, {_day_of_month(value, language)}"


def _day_of_month(value: date, language: str) -> str:
    return _format_date(value, "d MMMM", locale=babel_locale(language))  # CLDR's month is genitive: "7 grudnia"


@cache
def _polish_weekdays() -> list[dict[str, str]]:
    return yaml.safe_load(_WEEKDAYS_FILE.read_text(encoding="utf-8"))["pl"]


def moment(value: datetime, language: str, zone) -> str:
    """A point in time in the shop's zone: "7 grudnia o 14:05" / "7 December at 14:05" (the phone
    reads the Polish one "siódmego grudnia o czternastej zero pięć")."""
    local = value.astimezone(zone)
    at = "o" if language == "pl" else "at"
    clock = _format_time(local.time(), "HH:mm", locale=babel_locale(language))
    return f"{_day_of_month(local.date(), language)} {at} {clock}"


def weekly_hours(week: Sequence[tuple[str, str] | None], language: str, closed_on_holidays: bool = False) -> str:
    """Opening hours in words, Monday first, days in a row with the same hours together, under
    Babel's short day names: "pon.–pt. 8:00–20:00, sob. 9:00–15:00 (w święta nieczynne)". `week`
    holds each day's (opening, closing) as HH:MM, or None when the day is closed."""
    names = Locale.parse(babel_locale(language)).days["format"]["abbreviated"]
    runs: list[tuple[int, int, tuple[str, str]]] = []
    for index, span in enumerate(week):
        if span is None:
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == span:
            runs[-1] = (runs[-1][0], index, span)
        else:
            runs.append((index, index, span))
    said = ", ".join(f"{names[first] if first == last else f'{names[first]}–{names[last]}'} "
                     f"{_unpadded(opening)}–{_unpadded(closing)}" for first, last, (opening, closing) in runs)
    closed = _CLOSED_ON_HOLIDAYS.get(language, _CLOSED_ON_HOLIDAYS["pl"])
    return f"{said} ({closed})" if closed_on_holidays else said


def _unpadded(hhmm: str) -> str:
    hours, minutes = hhmm.split(":")
    return f"{int(hours)}:{minutes}"  # "8:00", as customers read a time


def listing(items: Sequence[str], language: str) -> str:
    return _format_list(list(items), locale=babel_locale(language)) if items else ""
