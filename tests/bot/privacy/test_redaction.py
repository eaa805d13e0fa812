"""Card numbers, IBANs and PESEL numbers that customers type are masked but for their last four
digits; order numbers, postcodes, phone numbers, amounts, and numbers whose checksum fails stay."""

import pytest

from text.redaction import redact

MASKED = [
    # Cards: Luhn-valid, 13-19 digits, with or without spaces and dashes.
    ("Mój numer karty to 4111 1111 1111 1111", "Mój numer karty to **** **** **** 1111"),
    ("my card is 5500-0000-0000-0004, expiry 12/27", "my card is ****-****-****-0004, expiry 12/27"),
    ("karta 4111111111111111 ważna do 12/27 cvv 123", "karta ************1111 ważna do 12/27 cvv 123"),
    ("Amex: 3782 822463 10005", "Amex: **** ****** *0005"),
    ("4111 1111 1111 1111 12/27 123", "**** **** **** 1111 12/27 123"),  # the expiry is not part of it
    ("zamówienie 48213, karta 4111 1111 1111 1111", "zamówienie 48213, karta **** **** **** 1111"),
    # IBANs: mod-97 and the country's format; Polish ones also as the bare 26-digit NRB.
    ("Proszę o zwrot na konto PL61 1090 1014 0000 0712 1981 2874, dziękuję",
     "Proszę o zwrot na konto PL** **** **** **** **** **** 2874, dziękuję"),
    ("refund to pl61109010140000071219812874 please", "refund to pl**********************2874 please"),
    ("numer rachunku: 61 1090 1014 0000 0712 1981 2874", "numer rachunku: ** **** **** **** **** **** 2874"),
    ("my IBAN is GB82 WEST 1234 5698 7654 32 thanks", "my IBAN is GB** **** **** **** **54 32 thanks"),
    ("DE89370400440532013000 is my account", "DE****************3000 is my account"),
    # PESEL: check digit and a real birth date.
    ("PESEL 44051401359", "PESEL *******1359"),
    ("my PESEL is 02270803624.", "my PESEL is *******3624."),
]

UNTOUCHED = [
    "Gdzie jest moje zamówienie 48213?",
    "Order 12874, postcode 10115, phone +49 151 12345678",
    "kod pocztowy 00-950, telefon +48 601 234 567 albo 601234567",
    "call me on 48512345678 or 0048 512 345 678",
    "zamówienie 48213 601234567",  # an order number and a phone, glued
    "my phone is 07700 900123 and the order 67342",  # 11 digits, but a birth date in 2148: a phone
    "Zapłaciłam 1 299,00 zł za buty, a potem 349,00",
    "card 4111 1111 1111 1112",  # Luhn fails
    "konto PL61 1090 1014 0000 0712 1981 2875",  # mod-97 fails
    "numer rachunku 61 1090 1014 0000 0712 1981 2875",
    "PESEL 44051401358",  # check digit fails
    "PESEL 44153101357",  # no 31st of the 15th month... of any century
    "faktura FV/2026/11/0042, NIP 526-000-12-46",
    "tracking 6210 0000 1234 5678 9012 34",  # 22 digits: too long for a card, too short for an NRB
    "",
]


@pytest.mark.parametrize("typed, stored", MASKED)
def test_sensitive_numbers_are_masked_but_for_the_last_four_digits(typed, stored):
    assert redact(typed) == stored


@pytest.mark.parametrize("typed", UNTOUCHED)
def test_everything_else_stays_as_typed(typed):
    assert redact(typed) == typed


def test_several_in_one_message():
    assert redact("karta 4111111111111111, konto PL61109010140000071219812874, PESEL 44051401359") == (
        "karta ************1111, konto PL**********************2874, PESEL *******1359")
