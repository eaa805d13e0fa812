"""Numbers, dates, clock times and amounts in the words people say them, Polish and English.

num2words gives the number words; data/spoken.yml the Polish case and gender forms it lacks.
Polish ordinals are num2words' masculine nominative with its final -y / -i replaced by the ending
of the gender and case ("dwudziesty pierwszy" -> "dwudziestego pierwszego"); cardinals are
declined word by word ("dwudziestu pięciu") and agree with their noun ("dwie minuty").

Identifiers are said one way each, everywhere:
- order, parcel and phone numbers digit by digit, in groups of three separated by a comma (a
  pause), the last two groups of two where one digit would be left alone: "48213" -> "cztery
  osiem dwa, jeden trzy", "1234567" -> "jeden dwa trzy, cztery pięć, sześć siedem";
- Polish postcodes as two numbers, a leading zero said as "zero": "60-688" -> "sześćdziesiąt,
  sześćset osiemdziesiąt osiem", "00-950" -> "zero zero, dziewięćset pięćdziesiąt".
"""

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from babel import Locale
from babel.dates import get_month_names
from num2words import num2words

from text.formatting import babel_locale

Gender = Literal["m", "f", "n"]
Case = Literal["nominative", "accusative", "genitive", "locative", "instrumental"]

_DATA_FILE = Path(__file__).with_name("data") / "spoken.yml"
_VELARS = ("g", "k")


def _language(language: str) -> str:
    return "en" if language.replace("_", "-").split("-")[0].lower() == "en" else "pl"


@cache
def _data() -> dict[str, Any]:
    return yaml.safe_load(_DATA_FILE.read_text(encoding="utf-8"))


def _words(language: str) -> dict[str, Any]:
    return _data()[_language(language)]


def _english(number: int, to: str = "cardinal") -> str:
    return num2words(number, lang="en", to=to).replace(",", "")  # "one thousand two hundred"


def cardinal(number: int, language: str, gender: Gender = "m", case: Case = "nominative") -> str:
    """A whole number in words, agreeing in Polish with its noun's gender and case:
    cardinal(2, "pl", "f") == "dwie", cardinal(22, "pl", "m", "genitive") == "dwudziestu dwóch"."""
    if _language(language) == "en":
        return _english(number)
    table = _words("pl")
    if number == 1:
        return table["one"][case][gender]
    words = num2words(number, lang="pl").split()
    declined = table["cardinal_cases"].get(case, {})
    said = [declined.get(word, word) for word in words]
    if gender == "f" and words[-1] == "dwa":
        said[-1] = table["two_feminine"][case]
    return " ".join(said)


def ordinal(number: int, language: str, gender: Gender = "m", case: Case = "nominative") -> str:
    """An ordinal in words: ordinal(21, "pl", "m", "genitive") == "dwudziestego pierwszego",
    ordinal(14, "pl", "f", "locative") == "czternastej", ordinal(21, "en") == "twenty-first"."""
    if _language(language) == "en":
        return _english(number, "ordinal")
    endings = _words("pl")["ordinal_endings"][gender][case]
    return " ".join(_inflected(word, endings) for word in num2words(number, lang="pl", to="ordinal").split())


def _inflected(word: str, endings: list[str]) -> str:
    """One word of num2words' masculine nominative ordinal with the gender and case's ending."""
    if word.endswith("y"):
        return word[:-1] + endings[0]
    if word.endswith("i"):
        stem, ending = word[:-1], endings[1]
        if stem.endswith(_VELARS) and ending in ("ia", "ią"):
            ending = ending[1:]  # "druga", not "drugia"
        return stem + ending
    return word  # "dwa tysiące" of "dwa tysiące dwudziesty"


def date_words(day: int, month: int, language: str, year: int | None = None) -> str:
    """A day of a month as it is said: "siódmego grudnia" / "the seventh of December"; with a
    year "siódmego grudnia dwa tysiące dwudziestego szóstego roku" / "... twenty twenty-six"."""
    language = _language(language)
    month_name = get_month_names("wide", context="format", locale=babel_locale(language))[month]
    said = _words(language)["date"].format(day=ordinal(day, language, "m", "genitive"), month=month_name)
    return f"{said} {year_words(year, language)}" if year is not None else said


def year_words(year: int, language: str) -> str:
    """A year after a date: "dwa tysiące dwudziestego szóstego roku" / "twenty twenty-six"."""
    language = _language(language)
    if language == "en":
        said = num2words(year, lang="en", to="year")
    else:
        said = ordinal(year, language, "m", "genitive")
    return _words(language)["year"].format(year=said)


def month_number(name: str, language: str) -> int | None:
    """The month a written month name ("grudnia", "December") stands for, else None."""
    names = get_month_names("wide", context="format", locale=babel_locale(_language(language)))
    return next((number for number, written in names.items() if written.lower() == name.lower()), None)


def clock_words(hour: int, minute: int, language: str, case: Case = "nominative") -> str:
    """A 24-hour clock time as it is said: (14, 30, "pl", "genitive") -> "czternastej trzydzieści"
    ("do 14:30"), (9, 5, "pl") -> "dziewiąta zero pięć", (0, 0, "pl", "locative") -> "północy",
    (14, 30, "en") -> "two thirty pm", (12, 0, "en") -> "noon"."""
    language = _language(language)
    clock = _words(language)["clock"]
    minute_words = ""
    if minute:
        minute_words = cardinal(minute, language)
        if minute < 10:
            minute_words = clock["minute_below_ten"].format(minute=minute_words)
    if language == "en":
        if not minute and hour in (0, 12):
            return clock["midnight" if hour == 0 else "noon"]
        hour_words = cardinal(hour % 12 or 12, language)
        period = clock["periods"][hour >= 12]
    else:
        if hour == 0:
            if not minute:
                return clock["midnight"][case]
            hour_words = clock["zero_hour"]
        else:
            hour_words = ordinal(hour, language, "f", case)
        period = ""
    template = clock["with_minutes"] if minute else clock["full_hour"]
    return template.format(hour=hour_words, minute=minute_words, period=period).strip()


def hour_noun(case: Case) -> str:
    """Polish "godzina" in a case: "o godzinie", "do godziny"."""
    return _words("pl")["hour_noun"][case]


def hours_noun() -> str:
    """Polish "godzinach", for a range of hours: "w godzinach od dziewiątej do siedemnastej"."""
    return _words("pl")["hours_noun"]


def _unit(forms: dict[str, Any], count: int, language: str, case: Case) -> str:
    language = _language(language)
    category = Locale.parse(babel_locale(language)).plural_form(count)
    if language == "pl" and case == "genitive":
        table = forms["genitive"]
        return table.get("one" if category == "one" else "other", table["other"])
    table = forms["nominative"]
    return table.get(category, table["other"])


def amount_words(amount: Decimal, currency: str, language: str, case: Case = "nominative") -> str:
    """An amount of money in words with its units in the right form: 13,90 EUR is "trzynaście euro
    dziewięćdziesiąt centów", 2 PLN "dwa złote", "do 5 zł" "do pięciu złotych" (genitive);
    £13.90 "thirteen pounds ninety pence". Cases other than the genitive are said as the
    nominative, the accusative of these units."""
    if case != "genitive":
        case = "nominative"
    units = _words(language)["currencies"][currency]
    major, minor = divmod(int(amount.quantize(Decimal("0.01")) * 100), 100)
    parts = []
    for count, forms in ((major, units["major"]), (minor, units["minor"])):
        if count or (forms is units["major"] and not minor):
            gender = forms.get("gender", "m")
            parts.append(f"{cardinal(count, language, gender, case)} {_unit(forms, count, language, case)}")
    return " ".join(parts)


def currency_name(currency: str, language: str) -> str:
    """A currency said without an amount: "ceny w zł" -> "złotych", "in PLN" -> "zlotys"."""
    return _words(language)["currencies"][currency]["name"]


def currencies() -> frozenset[str]:
    """The currency codes whose amounts can be said."""
    return frozenset(_words("pl")["currencies"]) & frozenset(_words("en")["currencies"])


def digit_groups(digits: str, language: str) -> str:
    """An identifier's digits said one by one in groups: "48213" -> "cztery osiem dwa, jeden trzy"."""
    names = [cardinal(int(digit), language) for digit in digits]
    sizes = [3] * (len(names) // 3)
    remainder = len(names) % 3
    if remainder == 2 or (remainder == 1 and not sizes):
        sizes.append(remainder)
    elif remainder == 1:  # never one digit alone: 3+3+1 is said 3+2+2
        sizes[-1:] = [2, 2]
    groups, start = [], 0
    for size in sizes:
        groups.append(" ".join(names[start : start + size]))
        start += size
    return ", ".join(groups)


def postcode_words(code: str, language: str) -> str:
    """A Polish postcode as two numbers: "60-688" -> "sześćdziesiąt, sześćset osiemdziesiąt osiem"."""
    return ", ".join(_with_leading_zeros(part, language) for part in code.split("-"))


def _with_leading_zeros(digits: str, language: str) -> str:
    significant = digits.lstrip("0")
    zeros = [cardinal(0, language)] * (len(digits) - len(significant))
    return " ".join(zeros + ([cardinal(int(significant), language)] if significant else []))
