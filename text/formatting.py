"""Money, dates and lists written the way each language writes them (CLDR data through Babel)."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date as _format_date
from babel.dates import format_time as _format_time
from babel.lists import format_list as _format_list
from babel.numbers import format_currency

_LOCALES = {"pl": "pl_PL", "en": "en_GB"}


def _locale(language: str) -> str:
    return _LOCALES.get(language, "pl_PL")


def money(amount: Decimal, currency: str, language: str) -> str:
    return format_currency(amount, currency, locale=_locale(language))


def day(value: date, language: str) -> str:
    """A day with its weekday: "środa, 25 listopada" / "Wednesday 25 November"."""
    pattern = "EEEE, d MMMM" if language == "pl" else "EEEE d MMMM"
    return _format_date(value, pattern, locale=_locale(language))


def moment(value: datetime, language: str, zone) -> str:
    local = value.astimezone(zone)
    return f"{_format_date(local.date(), 'd MMMM', locale=_locale(language))}, {_format_time(local.time(), 'HH:mm', locale=_locale(language))}"


def listing(items: Sequence[str], language: str) -> str:
    return _format_list(list(items), locale=_locale(language)) if items else ""
