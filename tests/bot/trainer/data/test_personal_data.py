"""Personal data replaced by placeholders that still read as what they replace."""

from bot.trainer.data.personal_data import Kind, Placeholders, find_personal_data
from text.identifiers import (
    find_order_number,
    normalize_email,
    normalize_order_number,
    normalize_phone,
    normalize_postcode,
)


def scrub(text: str, known=()) -> str:
    return Placeholders().scrub(text, known)


def test_identifiers_get_placeholders_of_the_same_shape():
    assert scrub("zamówienie 48213, mail Anna.Nowak@example.pl, kod 00-950") == \
        "zamówienie 10001, mail customer1@example.com, kod 10-001"
    assert scrub("order #12874 to NW1 6XE, call +44 20 7946 0958") == \
        "order #10001 to AA1 1AA, call +44 60 0000 0001"
    assert scrub("keypad 4 8 2 1 3 #") == "keypad 1 0 0 0 1 #"
    assert scrub("Praha 110 00") == "Praha 100 01"
    assert scrub("mój numer 601 234 567") == "mój numer 600 000 001"


def test_placeholders_are_valid_to_the_bots_own_patterns():
    def placeholder(kind: Kind, value: str) -> str:
        return Placeholders().for_value(kind, value)

    assert normalize_order_number(placeholder(Kind.ORDER, "48213")) == "10001"
    assert normalize_email(placeholder(Kind.EMAIL, "jan@wp.pl")) == "customer1@example.com"
    assert normalize_postcode(placeholder(Kind.POSTCODE, "00-950")) == "10-001"
    assert normalize_postcode(placeholder(Kind.POSTCODE, "NW1 6XE")) == "AA1 1AA"
    assert normalize_phone(placeholder(Kind.PHONE, "+48 601 234 567")) == "+48600000001"
    assert find_order_number(scrub("to zamówienie 4 8 2 1 3")) == "10001"


def test_the_same_value_gets_the_same_placeholder_and_different_values_differ():
    placeholders = Placeholders()
    first = placeholders.scrub("48213 i 51734")
    assert first == "10001 i 10002"
    assert placeholders.scrub("jeszcze raz 48213") == "jeszcze raz 10001"
    assert placeholders.scrub("anna@example.pl, ANNA@example.pl, jan@example.pl") == \
        "customer1@example.com, customer1@example.com, customer2@example.com"
    assert placeholders.for_value(Kind.POSTCODE, "48213") == "10001"  # the same words, whatever the kind


def test_names_and_addresses():
    known = [(Kind.NAME, "Anna Nowak"), (Kind.NAME, "Anna"), (Kind.ADDRESS, "Marszałkowska 10/5")]
    assert scrub("tu Anna, paczka na Marszałkowska 10/5", known) == "tu Jan, paczka na ul. Przykładowa 1"
    assert scrub("nazywam się Piotr Wiśniewski, mieszkam ul. Długa 5 m. 3") == \
        "nazywam się Jan Kowalski, mieszkam ul. Przykładowa 1"
    assert scrub("my name is John Miller, 221B Baker Street") == "my name is Jan Kowalski, 1 Example Street"
    assert scrub("Hauptstraße 5, 10115 Berlin") == "Musterstraße 1, 10001 Berlin"


def test_ordinary_words_and_numbers_stay():
    for text in ("the name is wrong on my invoice", "kupiłem w 2024 za 1000 zł, czekam 10 dni",
                 "paczka z 2026-11-23", "ile kosztuje wysyłka do Niemiec?"):
        assert scrub(text) == text
        assert find_personal_data(text) == []
