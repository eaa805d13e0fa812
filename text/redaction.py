"""Masks payment card numbers, IBANs and PESEL numbers in what customers type, before it is stored.

Validated patterns, not a language model: a candidate is masked only when its checksum holds
(Luhn for cards, mod-97 and the country's format for IBANs, the PESEL check digit and birth date),
checked by python-stdnum. So order numbers, postcodes, phone numbers and amounts, which fail those
checks or have other lengths, stay as typed. The last four digits stay visible for the agent.
(Presidio's recognisers for these are the same checksums behind a spaCy pipeline that needs a
language model downloaded at run time, which an offline install cannot do.)
"""

import re
from collections.abc import Iterator
from datetime import date

from stdnum import iban, luhn
from stdnum.pl import pesel

VISIBLE = 4
MASK = "*"
CARD_DIGITS = range(13, 20)
# Card networks' numbers start with 2-6 (Mastercard, Amex, Diners, JCB, Visa, Maestro, Discover,
# UnionPay), and are written whole or in the groups printed on cards.
CARD_FIRST_DIGITS = "23456"
CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4)}
PESEL_DIGITS = 11
NRB_DIGITS = 26  # a Polish account number without its "PL"

# A country code, two check digits and 11-30 letters or digits, in groups split by single spaces.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}")
# Digits in groups split by single spaces or dashes ("4111 1111-1111 1111"). A run after "+" is a
# phone number, and one glued to letters is a code of some other kind.
_DIGIT_RUN = re.compile(r"(?<![\w+])(?<![\d+][ -])\d+(?:[ -]\d+)*(?!\w)")
_GROUP = re.compile(r"\d+")

Span = tuple[int, int]


def redact(text: str) -> str:
    """The text with every valid card number, IBAN and PESEL masked but for its last four digits."""
    spans = list(_iban_spans(text))
    for span in _digit_spans(text):
        if not any(span[0] < end and start < span[1] for start, end in spans):
            spans.append(span)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + _mask(text[start:end]) + text[end:]
    return text


def _iban_spans(text: str) -> Iterator[Span]:
    for match in _IBAN.finditer(text):
        # The pattern may run on into the next word: the longest valid IBAN ending at a word's end wins.
        for end in range(match.end(), match.start() + 15, -1):
            candidate = text[match.start():end]
            if not candidate[-1].isalnum() or (end < len(text) and text[end].isalnum()):
                continue
            if iban.is_valid(candidate):
                yield match.start(), end
                break


def _digit_spans(text: str) -> Iterator[Span]:
    """Within each run, whole groups from the left, longest first: "4111 1111 1111 1111 12/27"
    is a card number followed by its expiry date."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [(run.start() + group.start(), group.group()) for group in _GROUP.finditer(run.group())]
        first = 0
        while first < len(groups):
            candidates = []  # (digits, group lengths, end) from `first` on, never longer than an NRB
            digits, lengths = "", ()
            for start, group in groups[first:]:
                digits, lengths = digits + group, (*lengths, len(group))
                if len(digits) > NRB_DIGITS:
                    break
                candidates.append((digits, lengths, start + len(group)))
            for taken, (digits, lengths, end) in reversed(list(enumerate(candidates))):
                if _is_sensitive(digits, lengths):
                    yield groups[first][0], end
                    first += taken
                    break
            first += 1


def _is_sensitive(digits: str, groups: tuple[int, ...]) -> bool:
    if len(digits) in CARD_DIGITS:
        return (digits[0] in CARD_FIRST_DIGITS and (len(groups) == 1 or groups in CARD_GROUPS)
                and luhn.is_valid(digits))
    if len(digits) == PESEL_DIGITS:
        return _is_pesel(digits)
    if len(digits) == NRB_DIGITS:
        return iban.is_valid("PL" + digits)
    return False


def _is_pesel(digits: str) -> bool:
    # A birth date still to come is a phone number with its country code, not a PESEL.
    return pesel.is_valid(digits) and pesel.get_birth_date(digits) <= date.today()


def _mask(found: str) -> str:
    """Every letter and digit starred but the last four (and an IBAN's country code)."""
    keep_from = [i for i, char in enumerate(found) if char.isalnum()][-VISIBLE]
    country = 2 if found[:2].isalpha() else 0
    return "".join(char if i < country or i >= keep_from or not char.isalnum() else MASK
                   for i, char in enumerate(found))
