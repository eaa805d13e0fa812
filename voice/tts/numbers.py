"""The numbers of a screen text replaced by the words said on the phone: dates ("7 grudnia" ->
"siódmego grudnia"), clock times ("do 14:30" -> "do czternastej trzydzieści"), amounts ("od 200 zł"
-> "od dwustu złotych"), counts before a noun ("2 minuty" -> "dwie minuty"), written ordinals
("na 3. miejscu" -> "na trzecim miejscu"), postcodes and order or parcel numbers.

espeak-ng reads digits as bare cardinals ("siedem grudnia", "dwa minuty"), so everything it would
get wrong is given to it as words. text.spoken makes the words; numbers.yml says how each kind is
written and which case the word before a number asks for. Each kind is one pass over the text, in
an order where a later pass never sees what an earlier one handled (its output has no digits).
"""

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import get_month_names

from text import spoken
from text.formatting import babel_locale
from text.plurals import noun_form, noun_gender

RULES_FILE = Path(__file__).with_name("numbers.yml")

_HOUR = r"(?:[01]?\d|2[0-3])"
_MINUTE = r"[0-5]\d"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_ORDINAL_SUFFIX = r"(?:st|nd|rd|th)"
# An amount: "1 299,00", "1,299.00", "1.299,00", "12,50", "12.5", "199".
_AMOUNT = (
    r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:\.\d{3})+(?=,\d)|\d+)"
    r"(?:[.,]\d{1,2}(?!\d))?"
)
_NOT_A_DECIMAL = r"(?![.,:]\d)"
_GUARD = r"(?<![\w.,:/@#-])"  # a number that is not the tail of a word, a decimal, a time, an address or a code
_NOUN_CASES = ("nominative", "accusative", "genitive")  # the cases text.plurals has noun forms in


def say_numbers(text: str, language: str) -> str:
    """`text` with its numbers in the words said on the phone; `language` is "pl" or "en".

    >>> say_numbers("Dostawa: wtorek, 8 grudnia, do 14:00", "pl")
    'Dostawa: wtorek, ósmego grudnia, do czternastej'
    """
    for pattern, render in _reader("en" if language == "en" else "pl").passes:
        text = pattern.sub(render, text)
    return text


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _preposition(table: dict[str, str]) -> str:
    """An optional governing word before a number, captured as `prep`."""
    if not table:
        return ""
    return rf"(?:(?<![\w.])(?P<prep>(?i:{_alternatives(list(table))}))\s+)?"


class _Reader:
    """One language's passes: (pattern, renderer) pairs applied in order."""

    def __init__(self, language: str, rules: dict[str, Any]) -> None:
        self.language = language
        self.number_cases: dict[str, str] = rules["number_cases"][language]
        self.time_cases: dict[str, str] = rules["time_cases"][language]
        self.said: dict[str, str] = rules["said"].get(language, {})
        self.range_word: str = rules["range_word"][language]
        self.positions: dict[str, list[str]] = {k.lower(): v for k, v in rules["positions"][language].items()}
        self.units: dict[str, str] = rules["units"][language]
        self.hour_abbreviations: list[str] = rules["hour_abbreviations"][language]
        self.hour_default_preposition: str | None = rules["hour_default_preposition"].get(language)
        self.currencies = {mark.lower(): code for code, marks in rules["currency_marks"].items() for mark in marks}

        marks = _alternatives(list(self.currencies))
        passes = self._date_passes()
        hour_noun = rf"(?:(?P<noun>(?i:{_alternatives(self.hour_abbreviations)}))\s*)?" if self.hour_abbreviations else ""
        passes.append((
            rf"{_preposition(self.time_cases)}{hour_noun}(?<![\w.,:])(?P<h1>{_HOUR})(?::(?P<m1>{_MINUTE}))?"
            rf"(?:\s*[–—-]\s*(?P<h2>{_HOUR})(?::(?P<m2>{_MINUTE}))?)?(?![\w:]|[.,]\d)",
            self.say_time,
        ))
        passes.append((
            rf"{_preposition(self.number_cases)}(?:(?P<mark_before>(?i:{marks}))\s?(?P<amount_after>{_AMOUNT})"
            rf"|(?P<amount>{_AMOUNT})\s?(?P<mark>(?i:{marks}))(?!\w))",
            self.say_amount,
        ))
        if self.positions:
            passes.append((
                rf"{_GUARD}(?P<number>\d{{1,3}})\.\s+(?=(?P<after>(?i:{_alternatives(list(self.positions))}))(?!\w))",
                self.say_position,
            ))
        if language == "en":
            passes.append((rf"{_GUARD}(?P<number>\d{{1,4}}){_ORDINAL_SUFFIX}(?!\w)", self.say_ordinal))
        passes.append((r"(?<![\w.,/-])(?P<code>\d{2}-\d{3})(?![\w-]|[.,]\d)", self.say_postcode))
        units = rf"(?i:{_alternatives(list(self.units))})(?!\w)|" if self.units else ""
        passes.append((
            rf"{_preposition(self.number_cases)}{_GUARD}(?P<count>\d{{1,7}})(?:\s*[–—]\s*(?P<count2>\d{{1,7}}))?"
            rf"{_NOT_A_DECIMAL}\s+(?P<noun>{units}\w+)",
            self.say_count,
        ))
        passes.append((r"(?<![\w.,@])(?P<digits>\d{5,})(?!\w)", self.say_digits))
        passes.append((r"(?:(?<=\d)|(?<=\b[ap]m))\s*[–—]\s*(?=\d)", lambda _: f" {self.range_word} "))  # "8 am–8 pm"
        passes.append((rf"(?<!\w)(?P<mark>(?i:{marks}))(?!\w)", self.say_currency))
        self.passes = [(re.compile(pattern), render) for pattern, render in passes]

    def _date_passes(self) -> list[tuple[str, Callable[[re.Match[str]], str]]]:
        """"7 grudnia", "23. listopada", "7 grudnia 2026 r."; "7 December", "the 3rd of May", "December 7"."""
        months = _alternatives(list(get_month_names("wide", context="format", locale=babel_locale(self.language)).values()))
        if self.language != "en":
            return [(rf"{_GUARD}(?P<day>{_DAY})\.?\s+(?P<month>(?i:{months}))(?!\w)"
                     r"(?:\s+(?P<year>\d{4})(?:\s*r(?=\.))?(?!\w))?", self.say_date)]
        year = r"(?:,?\s+(?P<year>\d{4})(?!\w))?"
        return [
            (rf"(?:(?<!\w)the\s+)?{_GUARD}(?P<day>{_DAY}){_ORDINAL_SUFFIX}?\s+(?:of\s+)?(?P<month>(?i:{months}))(?!\w)"
             + year, self.say_date),
            # capitalised only: "you may 5" is no date
            (rf"(?<!\w)(?P<month>{months})\s+(?P<day>{_DAY}){_ORDINAL_SUFFIX}?(?![\w:]|[.,]\d)" + year,
             self.say_month_first_date),
        ]

    # --- the governing word ---

    def _governed(self, match: re.Match[str], cases: dict[str, str]) -> tuple[str, str]:
        """(the preposition as said followed by a space, or "", the case it asks for)."""
        prep = match.groupdict().get("prep")
        if not prep:
            return "", "nominative"
        said = self.said.get(prep.lower(), prep)
        if prep[:1].isupper():
            said = said[:1].upper() + said[1:]
        return f"{said} ", cases[prep.lower()]

    # --- renderers ---

    def say_date(self, match: re.Match[str]) -> str:
        month = spoken.month_number(match["month"], self.language)
        year = int(match["year"]) if match["year"] else None
        return spoken.date_words(int(match["day"]), month, self.language, year)

    def say_month_first_date(self, match: re.Match[str]) -> str:
        """English "December 7": "December the seventh"."""
        said = f"{match['month']} the {spoken.ordinal(int(match['day']), 'en')}"
        return f"{said} {spoken.year_words(int(match['year']), 'en')}" if match["year"] else said

    def say_time(self, match: re.Match[str]) -> str:
        noun, m1, m2 = match["noun"] if "noun" in match.groupdict() else None, match["m1"], match["m2"]
        if not (m1 or noun) or (match["h2"] and (m1 is None) != (m2 is None)):
            return match.group(0)  # "do 5 dni", "1–3": not a clock time
        prep, case = self._governed(match, self.time_cases)
        start = (int(match["h1"]), int(m1 or 0))
        if match["h2"]:
            end = (int(match["h2"]), int(m2 or 0))
            return self._say_time_range(prep, start, end, bool(noun))
        if noun:
            if not prep and self.hour_default_preposition:
                prep, case = f"{self.hour_default_preposition} ", self.time_cases[self.hour_default_preposition]
            return f"{prep}{spoken.hour_noun(case)} {spoken.clock_words(*start, self.language, case)}"
        return f"{prep}{spoken.clock_words(*start, self.language, case)}"

    def _say_time_range(self, prep: str, start: tuple[int, int], end: tuple[int, int], noun: bool) -> str:
        """"9:00–17:00" / "od 9:00–17:00": "od dziewiątej do siedemnastej"; "w godz. 9–17": "w godzinach
        od dziewiątej do siedemnastej"; English "nine am to five pm"."""
        if self.language == "en":
            return f"{prep}{spoken.clock_words(*start, 'en')} {self.range_word} {spoken.clock_words(*end, 'en')}"
        lead = ""
        if prep.strip().lower() == "w":
            lead = f"{prep}{spoken.hours_noun()} "
        start_words, end_words = (spoken.clock_words(*time, "pl", "genitive") for time in (start, end))
        return f"{lead}od {start_words} {self.range_word} {end_words}"

    def say_amount(self, match: re.Match[str]) -> str:
        prep, case = self._governed(match, self.number_cases)
        mark = match["mark"] or match["mark_before"]
        written = match["amount"] or match["amount_after"]
        whole, fraction = re.fullmatch(r"(.*?)(?:[.,](\d{1,2}))?", written).groups()
        amount = Decimal(re.sub(r"\D", "", whole)) + Decimal(f"0.{(fraction or '0').ljust(2, '0')}")
        return prep + spoken.amount_words(amount, self.currencies[mark.lower()], self.language, case)

    def say_position(self, match: re.Match[str]) -> str:
        gender, case = self.positions[" ".join(match["after"].lower().split())]
        return spoken.ordinal(int(match["number"]), self.language, gender, case) + " "

    def say_ordinal(self, match: re.Match[str]) -> str:
        return spoken.ordinal(int(match["number"]), self.language)

    def say_postcode(self, match: re.Match[str]) -> str:
        return spoken.postcode_words(match["code"], self.language)

    def say_count(self, match: re.Match[str]) -> str:
        """A count before a noun the noun table knows, agreeing with it: "2 minuty" -> "dwie minuty",
        "w ciągu 1–3 dni" -> "w ciągu jednego do trzech dni"; "12 min" -> "dwanaście minut"."""
        word = match["noun"]
        unit = next((key for abbreviation, key in self.units.items() if abbreviation.lower() == word.lower()), None)
        counts = [int(match["count"])] + ([int(match["count2"])] if match["count2"] else [])
        if unit:
            word = noun_form(counts[-1], unit, self.language)  # its nominative form, for the gender
        gender = noun_gender(word, self.language)
        if gender is None and unit is None:
            return match.group(0)
        prep, case = self._governed(match, self.number_cases)
        if case == "nominative" and gender == "f" and word.endswith("ę"):
            case = "accusative"  # "masz 1 minutę": the feminine accusative singular ends in -ę
        if unit:
            word = noun_form(counts[-1], unit, self.language, case if case in _NOUN_CASES else "nominative")
        said = f" {self.range_word} ".join(spoken.cardinal(count, self.language, gender or "m", case) for count in counts)
        return f"{prep}{said} {word}"

    def say_digits(self, match: re.Match[str]) -> str:
        return spoken.digit_groups(match["digits"], self.language)

    def say_currency(self, match: re.Match[str]) -> str:
        return spoken.currency_name(self.currencies[match["mark"].lower()], self.language)


@cache
def _rules() -> dict[str, Any]:
    with RULES_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


@cache
def _reader(language: str) -> _Reader:
    return _Reader(language, _rules())
