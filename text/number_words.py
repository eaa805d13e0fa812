"""Number words of both languages (data/number_words.yml), and numbers typed as words ("cztery osiem
dwa", "forty-eight") turned into digits.

spaCy's blank Polish and English pipelines tokenise the text (they split "48213#" and
"forty-eight" the way each language expects).
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import yaml

from text.folding import fold

_WORDS_FILE = Path(__file__).with_name("data") / "number_words.yml"


@dataclass(frozen=True)
class NumberWords:
    """One language's number words, folded (no diacritics, lower case)."""

    values: dict[str, int]  # typed or said digit by digit
    spoken_values: dict[str, int]  # `values` and the whole numbers callers say; no letter zeros
    multipliers: dict[str, int]
    repeats: dict[str, int]
    letter_zeros: frozenset[str]


@lru_cache
def number_words(language: str) -> NumberWords:
    # One language's words only: Polish "ten" means "this", English "oh" is not always zero.
    table = yaml.safe_load(_WORDS_FILE.read_text(encoding="utf-8"))["en" if language == "en" else "pl"]
    folded = {name: {fold(word): value for word, value in (table[name] or {}).items()}
              for name in ("values", "spoken_values", "multipliers", "repeats")}
    letter_zeros = frozenset(fold(word) for word in table["letter_zeros"])
    spoken = {word: value for word, value in {**folded["values"], **folded["spoken_values"]}.items()
              if word not in letter_zeros}
    return NumberWords(folded["values"], spoken, folded["multipliers"], folded["repeats"], letter_zeros)


@lru_cache
def tokenizer(language: str):
    """spaCy's blank tokenizer for the language (Polish unless English)."""
    return spacy.blank("en" if language == "en" else "pl").tokenizer


def words_to_digits(text: str, language: str = "pl") -> str:
    """Replaces number words with digits; tens followed by units merge ("forty two" -> "42")."""
    values = number_words(language).values
    out: list[str] = []
    pending_tens: int | None = None
    for token in tokenizer(language)(text.replace("-", " ")):
        value = values.get(fold(token.text))
        if value is None:
            if pending_tens is not None:
                out.append(str(pending_tens))
                pending_tens = None
            out.append(token.text_with_ws.rstrip() if token.text else "")
            continue
        if pending_tens is not None and 0 < value < 10:
            out.append(str(pending_tens + value))
            pending_tens = None
        elif value >= 20 and value % 10 == 0 and value < 100:
            if pending_tens is not None:
                out.append(str(pending_tens))
            pending_tens = value
        else:
            if pending_tens is not None:
                out.append(str(pending_tens))
                pending_tens = None
            out.append(str(value))
    if pending_tens is not None:
        out.append(str(pending_tens))
    return " ".join(part for part in out if part)
