"""The one cleaning every customer text gets, whatever channel it came by (typed, spoken, keyed)."""

import unicodedata

# Line breaks and tabs are part of a message; other control characters (NUL above all, which
# PostgreSQL refuses in text) are not.
_KEPT_CONTROLS = {"\n", "\t"}


class UnusableText(ValueError):
    """The text cannot be a message; the message says why, in words a client can show."""


def clean_text(text: str, max_chars: int) -> str:
    """The customer's text in NFC form, without control characters, trimmed; UnusableText when
    nothing is left or it is longer than `max_chars`."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs"))
    text = text.replace("\r", "").strip()
    if not text:
        raise UnusableText("the message is empty")
    if len(text) > max_chars:
        raise UnusableText(f"the message is longer than {max_chars} characters")
    return text
