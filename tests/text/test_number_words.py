"""Numbers typed or said as words come out as digits; a repeated digit is written out."""

import pytest

from text.number_words import number_words, words_to_digits


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        ("cztery osiem dwa jeden trzy", "pl", "4 8 2 1 3"),
        ("czterdzieści dwa", "pl", "42"),
        ("podwójne zero", "pl", "00"),
        ("podwojne zero", "pl", "00"),  # typed without diacritics
        ("podwójna siódemka", "pl", "77"),
        ("potrójne zero jeden", "pl", "000 1"),
        ("dwa razy zero jeden cztery siedem", "pl", "00 1 4 7"),
        ("trzy razy dziewięć", "pl", "999"),
        ("dzwoniłem dwa razy", "pl", "dzwoniłem 2 razy"),
        ("podwójna porcja", "pl", "podwójna porcja"),
        ("ten produkt", "pl", "ten produkt"),
        ("forty two", "en", "42"),
        ("double four", "en", "44"),
        ("triple nine one", "en", "999 1"),
        ("forty double four", "en", "40 44"),
        ("two times four", "en", "2 times 4"),  # English "times" repeats nothing
    ],
)
def test_words_to_digits(text, language, digits):
    assert words_to_digits(text, language) == digits


def test_each_language_has_its_own_repeat_words():
    assert number_words("pl").repeats["podwojne"] == 2
    assert "razy" in number_words("pl").times
    assert number_words("en").repeats == {"double": 2, "triple": 3}
    assert not number_words("en").times
