"""Fills a text's {placeholders} the way its language writes them, so the shop's YAML decides
the grammar of the sentence it words:

- `{minutes:minute}` a count with its noun in the form the count asks for ("1 minuta", "3 minuty",
  "5 minut"; "1 minute", "3 minutes"); `{minutes:minute/genitive}` after a preposition that
  takes that case ("około 3 minut"). Nouns and cases: text/data/nouns.yml.
- `{position:ordinal}` a place in a line: "3." / "3rd".
- `{date:on_day}`, `{date:by_day}`, `{date:from_day}` a day with its preposition, in the case
  that preposition takes ("we wtorek, 8 grudnia", "do wtorku, 8 grudnia", "od wtorku, 8 grudnia");
  a bare `{date}` is the day with its weekday ("wtorek, 8 grudnia").

docs/polish-checklist.md says when to use which.
"""

import re
import string
from datetime import date, datetime
from typing import Any

from text import formatting, plurals

_DAYS = {"day": formatting.day, "on_day": formatting.on_day, "by_day": formatting.by_day,
         "from_day": formatting.from_day}
_COUNTED = re.compile(r"(?P<noun>[a-z_]{2,})(?:/(?P<case>nominative|accusative|genitive))?")


class _Wording(string.Formatter):
    def __init__(self, language: str) -> None:
        super().__init__()
        self._language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return _DAYS[format_spec or "day"](value, self._language)
        if format_spec in _DAYS:  # no date to write (an order without a shipment): nothing to say
            return str(value or "")
        if format_spec == "ordinal":
            return formatting.position(int(value), self._language)
        counted = _COUNTED.fullmatch(format_spec)
        if counted:
            return plurals.counted(value, counted["noun"], self._language, counted["case"] or "nominative")
        return super().format_field(value, format_spec)


def fill(text: str, language: str, **values: Any) -> str:
    """`text` with its placeholders filled from `values`, worded for `language` ("pl" or "en")."""
    return _Wording(language).format(text, **values)


def clock_time(value: datetime) -> str:
    """A time of day as both languages write it on a 24-hour clock: "8:00", "14:30"."""
    return f"{value.hour}:{value.minute:02d}"
