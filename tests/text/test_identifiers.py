"""Identifiers typed, keyed in or spoken by customers come out in one format."""

import pytest

from text.identifiers import (
    find_order_number,
    find_verification_contact,
    normalize_email,
    normalize_order_number,
    normalize_phone,
    normalize_postcode,
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("48213", "pl", "48213"),
        ("zamowienie nr 48213 prosze", "pl", "48213"),
        ("#48213", "en", "48213"),
        ("4 8 2 1 3 #", "pl", "48213"),  # phone keypad, ended by #
        ("48 213", "pl", "48213"),
        ("cztery osiem dwa jeden trzy", "pl", "48213"),
        ("czterdzieści osiem dwa trzynaście", "pl", "48213"),
        ("forty-eight two thirteen", "en", "48213"),
        ("four eight two one three", "en", "48213"),
        ("my order is 1234", "en", None),
        ("no digits here", "en", None),
    ],
)
def test_order_numbers_are_found_in_any_form(text, language, expected):
    assert find_order_number(text, language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mój mail to Anna.Nowak@Example.pl", "anna.nowak@example.pl"),
        ("jan kropka kowalski małpa gmail kropka com", "jan.kowalski@gmail.com"),
        ("john at example dot com", "john@example.com"),
        ("kod pocztowy 00-950", "00-950"),
        ("my postcode is sw1a 1aa", "SW1A 1AA"),
        ("1012 ab", "1012 AB"),
        ("110 00", "110 00"),
        ("10115", "10115"),
        ("nie pamiętam", None),
    ],
)
def test_verification_contacts_are_found(text, expected):
    assert find_verification_contact(text) == expected


def test_normalisers_accept_lists_from_two_extractors_and_reject_junk():
    assert normalize_order_number(["48213", "48213"]) == "48213"
    assert normalize_order_number("4821") is None
    assert normalize_email("not-an-email") is None
    assert normalize_postcode("abc") is None
    assert normalize_phone("601 234 567") == "+48601234567"
    assert normalize_phone("0048 601-234-567") == "+48601234567"
    assert normalize_phone("+44 7700 900123") == "+447700900123"
    assert normalize_phone("12") is None
