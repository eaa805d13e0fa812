"""Masks e-mail addresses, phone numbers and Polish postcodes in free text, so log lines name nobody.

Standard library only: the engine (Python 3.10, its own environment) masks its logs with it too.
The trainer takes personal data out of training examples with the same e-mail and postcode
patterns (bot/trainer/data/personal_data.py imports them): strict enough that order numbers,
amounts and dates stay readable in a log.
"""

import re

EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
# Digits in groups, maybe after "+" or "00"; a phone number has 9 to 15 of them (E.164). Unlike the
# trainer's, not when a time or decimals follow: "2026-11-23 09:00" is a log line's date.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \-]{7,16}\d(?!\w|[:.,]\d)")
PHONE_DIGITS = range(9, 16)
POLISH_POSTCODE = re.compile(r"(?<![\d-])\d{2}-\d{3}(?![\d-])")

EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[phone]"
POSTCODE_MASK = "[postcode]"


def mask_personal_data(text: str) -> str:
    """The text with every e-mail address, phone number and Polish postcode replaced by a marker."""
    text = EMAIL.sub(EMAIL_MASK, text)  # first: an address may hold digits that look like a number
    text = PHONE.sub(_masked_phone, text)
    return POLISH_POSTCODE.sub(POSTCODE_MASK, text)


def _masked_phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match.group(0))
    return PHONE_MASK if digits in PHONE_DIGITS else match.group(0)
