"""Order numbers, e-mails, postcodes and phone numbers: normalised, and found in free text.

Customers type these with spaces, hashes and keypad terminators ("4 8 2 1 3 #"), or say them
as words; every channel and action uses these functions so they agree on one format.
"""

import re
from collections.abc import Iterable

from text.number_words import words_to_digits

# The demo shop's order numbers have five digits; a shop on its own platform says how many its have
# (KOLIBER_ORDER_NUMBER_DIGITS, shop/settings.py), and callers pass that range in.
ORDER_NUMBER_DIGITS = 5
DEMO_ORDER_NUMBERS = range(ORDER_NUMBER_DIGITS, ORDER_NUMBER_DIGITS + 1)

_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
_POSTCODES = [
    re.compile(r"(?<![\d-])\d{2}-\d{3}(?![\d-])"),  # Poland
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE),  # United Kingdom
    re.compile(r"\b\d{4}\s?[A-Z]{2}\b", re.IGNORECASE),  # Netherlands
    re.compile(r"(?<![\d-])\d{3}\s\d{2}(?![\d-])"),  # Czech Republic, Slovakia
    re.compile(r"(?<![\d-])\d{5}(?![\d-])"),  # Germany, France and other five-digit codes
    re.compile(r"(?<![\d-])\d{4}(?![\d-])"),  # Austria and other four-digit codes
]
_SPOKEN_EMAIL = [
    (re.compile(r"\s+(małpa|malpa|at)\s+", re.IGNORECASE), "@"),
    (re.compile(r"\s+(kropka|dot)\s+", re.IGNORECASE), "."),
]


def _first(value: object) -> str | None:
    """Slot values arrive as a string, a number, or a list when two extractors agree."""
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if v), None)
    if value is None:
        return None
    return str(value).strip() or None


def normalize_order_number(value: object, lengths: range = DEMO_ORDER_NUMBERS) -> str | None:
    text = _first(value)
    if text is None:
        return None
    digits = re.sub(r"[\s#*.-]|^(nr|no)\.?", "", text.lower())
    return digits if digits.isdigit() and len(digits) in lengths else None


def normalize_email(value: object) -> str | None:
    text = _first(value)
    if text is None:
        return None
    match = _EMAIL.fullmatch(text.lower())
    return match.group(0) if match else None


def normalize_postcode(value: object) -> str | None:
    text = _first(value)
    if text is None:
        return None
    compact = re.sub(r"\s+", " ", text.strip().upper())
    for pattern in _POSTCODES:
        if pattern.fullmatch(compact):
            return compact
    return None


def postcode_key(postcode: str) -> str:
    """Postcodes compared without spaces and dashes ("00-950" == "00950")."""
    return re.sub(r"[\s-]", "", postcode.upper())


def normalize_phone(value: object) -> str | None:
    text = _first(value)
    if text is None:
        return None
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"\d{9}", digits):
        return "+48" + digits
    if re.fullmatch(r"48\d{9}", digits):
        return "+" + digits
    return digits if re.fullmatch(r"\+\d{8,15}", digits) else None


def find_email(text: str) -> str | None:
    spoken = text
    for pattern, replacement in _SPOKEN_EMAIL:
        spoken = pattern.sub(replacement, spoken)
    # The spoken-form patterns already close the spaces around "@" and "."; squeezing out every
    # space would glue the words before the address into it ("my email is john@...").
    for candidate in (text, spoken):
        match = _EMAIL.search(candidate)
        if match:
            return match.group(0).lower()
    return None


def find_postcode(text: str) -> str | None:
    for pattern in _POSTCODES:
        match = pattern.search(text)
        if match:
            return normalize_postcode(match.group(0))
    return None


def find_order_number(text: str, language: str = "pl", lengths: range = DEMO_ORDER_NUMBERS) -> str | None:
    """An order number in a message: digits, digit groups ("48 213"), keypad input or number words."""
    for candidate in _digit_groups(words_to_digits(text, language)):
        if len(candidate) in lengths:
            return candidate
    return None


def find_verification_contact(text: str) -> str | None:
    """The e-mail or postcode a customer gives to prove an order is theirs."""
    return find_email(text) or find_postcode(text)


def _digit_groups(text: str) -> Iterable[str]:
    """Runs of digits that may be split by spaces, dashes or keypad symbols."""
    for run in re.findall(r"\d[\d\s#*-]*", text):
        yield re.sub(r"\D", "", run)
