"""Personal data masked in log lines: what is masked, and what an operator still needs to read."""

import pytest

from text.masking import mask_personal_data


@pytest.mark.parametrize(("text", "masked"), [
    ("pisz na Jan.Kowalski+sklep@example.com.pl", "pisz na [e-mail]"),
    ("my number is +48 600 100 200, call me", "my number is [phone], call me"),
    ("tel. 600-100-200", "tel. [phone]"),
    ("0048600100200", "[phone]"),
    ("kod 00-950 Warszawa", "kod [postcode] Warszawa"),
])
def test_masks_emails_phone_numbers_and_polish_postcodes(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize("text", [
    "order 48213 of 2026-11-23 09:00, 149.99 PLN",
    "engine at 127.0.0.1:5005 answered in 120 ms",
    "turn 3f2a9c0d1e8b4f6a9d7c5b3a1e0f9d8c",
])
def test_leaves_order_numbers_dates_amounts_and_ids_readable(text):
    assert mask_personal_data(text) == text
