"""Counts with their nouns, 0-125 in both languages, checked against the grammar-book rule."""

from decimal import Decimal

import pytest

from text.plurals import counted, noun_form, noun_gender, plural_category

COUNTS = range(126)


def polish_group(count: int) -> str:
    """The grammar book: 1 takes the singular; 2-4 (not 12-14) the nominative plural; the rest the
    genitive plural."""
    if count == 1:
        return "singular"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return "few"
    return "many"


# noun: (1, 2-4, 5+) in the nominative; (1, 2-4, 5+) in the genitive
POLISH = {
    "business_day": (("dzień roboczy", "dni robocze", "dni roboczych"),
                     ("dnia roboczego", "dni roboczych", "dni roboczych")),
    "minute": (("minuta", "minuty", "minut"), ("minuty", "minut", "minut")),
    "parcel": (("paczka", "paczki", "paczek"), ("paczki", "paczek", "paczek")),
    "order": (("zamówienie", "zamówienia", "zamówień"), ("zamówienia", "zamówień", "zamówień")),
    "agent": (("konsultant", "konsultantów", "konsultantów"), ("konsultanta", "konsultantów", "konsultantów")),
}
GROUP = {"singular": 0, "few": 1, "many": 2}


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("noun", POLISH)
def test_polish_counts_take_the_form_the_grammar_book_gives(noun, count):
    nominative, genitive = POLISH[noun]
    group = GROUP[polish_group(count)]
    assert counted(count, noun, "pl") == f"{count} {nominative[group]}"
    assert counted(count, noun, "pl", "genitive") == f"{count} {genitive[group]}"


@pytest.mark.parametrize("count", COUNTS)
def test_english_counts_are_singular_only_for_one(count):
    assert counted(count, "business_day", "en") == f"{count} business day{'' if count == 1 else 's'}"
    assert counted(count, "person", "en") == f"{count} {'person' if count == 1 else 'people'}"


def test_the_polish_categories_are_cldrs():
    assert [plural_category(n, "pl") for n in (1, 2, 5, 12, 22, 25, 101, 102)] == [
        "one", "few", "many", "many", "few", "many", "many", "few"]
    assert plural_category(Decimal("1.5"), "pl") == "other"


def test_feminine_nouns_have_their_own_accusative_after_one():
    assert counted(1, "minute", "pl", "accusative") == "1 minutę"
    assert counted(3, "minute", "pl", "accusative") == "3 minuty"
    assert counted(1, "day", "pl", "accusative") == "1 dzień"


def test_a_fraction_takes_the_singular_genitive_and_is_written_the_polish_way():
    assert counted(Decimal("1.5"), "hour", "pl") == "1,5 godziny"
    assert counted(Decimal("1.5"), "hour", "en") == "1.5 hours"


def test_noun_forms_and_genders_for_speech():
    assert noun_form(22, "parcel", "pl") == "paczki"
    assert [noun_gender(word, "pl") for word in ("minuty", "dni", "zamówień", "Paczki", "kot")] == [
        "f", "m", "n", "f", None]
    assert noun_gender("minutes", "en") is None
