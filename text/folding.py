"""Lower-casing and diacritic folding, so "Zamówienie" and "zamowienie" compare equal."""

import unicodedata

# ł has no combining-mark decomposition, so NFKD alone would keep it.
_EXTRA = str.maketrans({"ł": "l", "Ł": "l"})


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
