"""Personal data in customers' words replaced by placeholders before they become training data or tests.

A placeholder keeps the shape of what it replaces (digits stay digits, separators stay put), so
"48213" becomes "10001" and "00-950" becomes "10-001": the bot's patterns and forms still read
them as an order number and a postcode. Within one `Placeholders` the same value always gets
the same stand-in, so a story that gives an order number twice still agrees with itself.
"""

import enum
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from text.folding import fold
from text.identifiers import normalize_email, normalize_phone, postcode_key
from text.masking import EMAIL, PHONE_DIGITS, POLISH_POSTCODE


class Kind(str, enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    ORDER = "order"
    ADDRESS = "address"
    NAME = "name"


# The domain's entities that carry personal data, and what kind of placeholder they get.
ENTITY_KINDS = {"email": Kind.EMAIL, "phone": Kind.PHONE, "postcode": Kind.POSTCODE, "order_id": Kind.ORDER}

_UPPER = "A-ZĄĆĘŁŃÓŚŹŻÄÖÜ"
_STREET_WORDS = "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Place|Square|Gardens|Crescent"
_WORD = r"[\wąćęłńóśźżäöüß.'-]"
# Stricter than text/identifiers.py, which reads a field the customer was asked for: here
# any text is searched, and a year or a price taken for a postcode would spoil an example.
# The e-mail and Polish postcode patterns are the ones the logs are masked with (text/masking.py).
_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.EMAIL, EMAIL),
    (Kind.ADDRESS, re.compile(
        rf"\b(?:ul\.|ulica|al\.|aleja|aleje|os\.|osiedle|pl\.|plac)\s*[{_UPPER}0-9]{_WORD}*(?:\s+[{_UPPER}]{_WORD}*)*"
        rf"\s+\d+[a-zA-Z]?(?:\s*/\s*\d+|\s+m\.?\s*\d+)?", re.IGNORECASE)),
    (Kind.ADDRESS, re.compile(
        rf"\b\d+[A-Za-z]?,?\s+(?:[{_UPPER}]\w+\s+){{1,3}}(?:{_STREET_WORDS})\b\.?")),
    (Kind.ADDRESS, re.compile(rf"\b[{_UPPER}]\w+(?:straße|strasse|weg|platz|allee)\s+\d+[a-z]?\b")),
    (Kind.PHONE, re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \-]{7,16}\d(?!\w)")),
    (Kind.POSTCODE, POLISH_POSTCODE),  # Polish
    (Kind.POSTCODE, re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")),  # British, in capitals only
    (Kind.POSTCODE, re.compile(r"(?<![\d-])\d{3}\s\d{2}(?![\d\s-])")),  # Czech
    # Order numbers: five digits, also typed in groups or on a keypad ("48 213", "4 8 2 1 3 #").
    (Kind.ORDER, re.compile(r"(?<![\d-])(?:\d[\s#*.-]?){4}\d(?![\d-])")),
]
# The introduction in any case, the name capitalised: "the name is wrong on my invoice" names nobody.
_NAME_INTRODUCTIONS = re.compile(
    rf"(?i:nazywam się|mam na imię|moje imię to|my name is|my name's)\s+"
    rf"(?P<name>[{_UPPER}][\w-]+(?:\s+[{_UPPER}][\w-]+)?)")
_ENGLISH_STREET = re.compile(rf"\b(?:{_STREET_WORDS})\b")
_GERMAN_STREET = re.compile(r"(?i)(straße|strasse|weg|platz|allee)\s")
_PLACEHOLDER_NAMES = ("Jan Kowalski", "Maria Nowak", "Adam Wiśniewski", "Ewa Wójcik", "Piotr Zając")


@dataclass(frozen=True)
class Segment:
    text: str
    kind: Kind | None = None  # set when the text is a placeholder


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: Kind


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


Known = tuple[Kind, str]  # a value the shop knows belongs to this customer: their name, street...


def find_personal_data(text: str, known: Iterable[Known] = ()) -> list[_Span]:
    """Non-overlapping spans of personal data, the earlier pattern winning a tie. Values the shop
    knows come first: no pattern finds a name."""
    spans: list[_Span] = []

    def add(start: int, end: int, kind: Kind) -> None:
        if not any(start < s.end and s.start < end for s in spans):
            spans.append(_Span(start, end, kind))

    for kind, value in sorted({(k, v.strip()) for k, v in known if v and len(v.strip()) > 2},
                              key=lambda item: len(item[1]), reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE):
            add(match.start(), match.end(), kind)
    for match in _NAME_INTRODUCTIONS.finditer(text):
        add(match.start("name"), match.end("name"), Kind.NAME)
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if kind == Kind.PHONE and _digits(match.group(0)) not in PHONE_DIGITS:
                continue
            add(match.start(), match.end(), kind)
    return sorted(spans, key=lambda s: s.start)


def _with_digits(shape: str, number: str) -> str:
    """`shape` with its digits replaced, in order, by those of `number` (same count)."""
    digits = iter(number)
    return "".join(next(digits) if ch.isdigit() else ch for ch in shape)


class Placeholders:
    """Stand-ins for one story or example: the same value always gets the same placeholder."""

    def __init__(self) -> None:
        self._by_original: dict[str, str] = {}
        self._by_key: dict[tuple[Kind, str], str] = {}
        self._counts: Counter[Kind] = Counter()

    def for_value(self, kind: Kind, original: str) -> str:
        if original in self._by_original:
            return self._by_original[original]
        key = (kind, self._key(kind, original))
        if key not in self._by_key:
            self._counts[kind] += 1
            self._by_key[key] = self._make(kind, original, self._counts[kind])
        self._by_original[original] = self._by_key[key]
        return self._by_key[key]

    def scrub(self, text: str, known: Iterable[Known] = ()) -> str:
        return "".join(segment.text for segment in self.segments(text, known))

    def segments(self, text: str, known: Iterable[Known] = ()) -> list[Segment]:
        """The text cut into kept words and placeholders."""
        result: list[Segment] = []
        position = 0
        for span in find_personal_data(text, known):
            if span.start > position:
                result.append(Segment(text[position:span.start]))
            result.append(Segment(self.for_value(span.kind, text[span.start:span.end]), span.kind))
            position = span.end
        if position < len(text) or not result:
            result.append(Segment(text[position:]))
        return result

    @staticmethod
    def _key(kind: Kind, original: str) -> str:
        if kind == Kind.EMAIL:
            return normalize_email(original) or original.lower()
        if kind == Kind.PHONE:
            return normalize_phone(original) or re.sub(r"\D", "", original)
        if kind == Kind.POSTCODE:
            return postcode_key(original)
        if kind == Kind.ORDER:
            return re.sub(r"\D", "", original)
        return " ".join(fold(original).split())

    @staticmethod
    def _make(kind: Kind, original: str, n: int) -> str:
        if kind == Kind.EMAIL:
            return f"customer{n}@example.com"
        if kind == Kind.NAME:
            full = _PLACEHOLDER_NAMES[(n - 1) % len(_PLACEHOLDER_NAMES)]
            return full if " " in original.strip() else full.split()[0]
        if kind == Kind.ADDRESS:
            if _ENGLISH_STREET.search(original):
                return f"{n} Example Street"
            return f"Musterstraße {n}" if _GERMAN_STREET.search(original) else f"ul. Przykładowa {n}"
        if kind == Kind.PHONE:
            # Keep the country code, so a Polish number still reads as Polish.
            prefix = re.match(r"\s*(\+|00)\d\d", original)
            head = prefix.group(0) if prefix else ""
            rest = original[len(head):]
            count = _digits(rest)
            return head + _with_digits(rest, str(6 * 10 ** (count - 1) + n).zfill(count)[-count:])
        # Order numbers and postcodes: the same digits count and separators; letters become A.
        count = _digits(original)
        number = str(10 ** (count - 1) + n)[-count:] if count > 1 else str(n % 10)
        return re.sub(r"[A-Za-z]", "A", _with_digits(original, number))
