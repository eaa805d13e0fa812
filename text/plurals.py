"""A count with its noun in the right form: "1 dzień roboczy", "3 dni robocze", "5 dni roboczych",
"w ciągu 1 dnia roboczego"; "1 business day", "2 business days".

The CLDR plural rules (through Babel) say which category a count falls in; data/nouns.yml holds
each noun's forms. Polish needs the grammatical case as well: the phrase around the count decides
it ("masz 1 minutę" accusative, "w ciągu 3 dni roboczych" genitive).
"""

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from babel import Locale
from babel.numbers import format_decimal

from text.formatting import babel_locale

Case = Literal["nominative", "accusative", "genitive"]

_NOUNS_FILE = Path(__file__).with_name("data") / "nouns.yml"


@cache
def _nouns() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(_NOUNS_FILE.read_text(encoding="utf-8"))


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(babel_locale(language))


def _language(language: str) -> str:
    return "en" if language == "en" else "pl"


def plural_category(count: int | Decimal, language: str) -> str:
    """CLDR's plural category of `count`: "one", "few", "many" or "other"."""
    return _locale(_language(language)).plural_form(count)


def noun_form(count: int | Decimal, noun: str, language: str, case: Case = "nominative") -> str:
    """The form of `noun` (a key of data/nouns.yml) that goes with `count` in `case`."""
    language = _language(language)
    forms = _nouns()[language][noun]
    category = plural_category(count, language)
    if language == "en":
        return forms.get(category, forms["other"])
    if category == "one":
        return forms["singular"][case]
    if category == "other":  # a fraction: "2,5 dnia"
        return forms["singular"]["genitive"]
    if case == "genitive" or category == "many" or forms.get("personal"):
        return forms["plural"]["genitive"]
    return forms["plural"]["nominative"]


def counted(count: int | Decimal, noun: str, language: str, case: Case = "nominative") -> str:
    """The count written the language's way, then its noun: "3 dni robocze", "1,5 godziny"."""
    number = format_decimal(count, locale=_locale(_language(language)))
    return f"{number} {noun_form(count, noun, language, case)}"


def noun_gender(word: str, language: str) -> str | None:
    """"m", "f" or "n" for a noun form that follows a count ("minuty" -> "f"), None when the table
    does not know it. Speech needs it: "2 minuty" is said "dwie minuty"."""
    return _genders(_language(language)).get(word.lower())


@cache
def _genders(language: str) -> dict[str, str]:
    if language != "pl":
        return {}
    genders: dict[str, str] = {}
    for forms in _nouns()["pl"].values():
        for number in ("singular", "plural"):
            for form in forms[number].values():
                genders[form] = forms["gender"]
                genders.setdefault(form.split()[0], forms["gender"])  # "dni" of "dni robocze"
    return genders
