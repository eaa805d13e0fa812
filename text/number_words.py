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
    repeats: dict[str, int]  # "double" four, "podwójne" zero
    times: frozenset[str]  # "razy" of "dwa razy zero" (00)
    letter_zeros: frozenset[str]


@lru_cache
def number_words(language: str) -> NumberWords:
    # One language's words only: Polish "ten" means "this", English "oh" is not always zero.
    table = yaml.safe_load(_WORDS_FILE.read_text(encoding="utf-8"))["en" if language == "en" else "pl"]
    folded = {name: {fold(word): value for word, value in (table[name] or {}).items()}
              for name in ("values", "spoken_values", "multipliers", "repeats")}
    letter_zeros = frozenset(fold(word) for word in table["letter_zeros"])
    times = frozenset(fold(word) for word in table.get("times") or [])
    spoken = {word: value for word, value in {**folded["values"], **folded["spoken_values"]}.items()
              if word not in letter_zeros}
    return NumberWords(folded["values"], spoken, folded["multipliers"], folded["repeats"], times, letter_zeros)


@lru_cache
def tokenizer(language: str):
    """spaCy's blank tokenizer for the language (Polish unless English)."""
    return spacy.blank("en" if language == "en" else "pl").tokenizer


def words_to_digits(text: str, language: str = "pl") -> str:
    """Replaces number words with digits; tens followed by units merge ("forty two" -> "42") and
    a repeated digit is written out ("double four" -> "44", "podwójne zero" / "dwa razy zero" -> "00")."""
    numbers = number_words(language)
    tokens = list(tokenizer(language)(text.replace("-", " ")))
    keys = [fold(token.text) for token in tokens]
    out: list[str] = []
    pending_tens: int | None = None
    i = 0
    while i < len(tokens):
        value = numbers.values.get(keys[i])
        repeated = _repeated_digit(keys, i, numbers)
        if value is None or repeated or not (pending_tens is not None and 0 < value < 10):
            if pending_tens is not None:
                out.append(str(pending_tens))
                pending_tens = None
        if repeated:
            digits, width = repeated
            out.append(digits)
            i += width
            continue
        if value is None:
            out.append(tokens[i].text_with_ws.rstrip() if tokens[i].text else "")
        elif pending_tens is not None:  # "forty" then "two"
            out.append(str(pending_tens + value))
            pending_tens = None
        elif 20 <= value < 100 and value % 10 == 0:
            pending_tens = value
        else:
            out.append(str(value))
        i += 1
    if pending_tens is not None:
        out.append(str(pending_tens))
    return " ".join(part for part in out if part)


def _repeated_digit(keys: list[str], i: int, numbers: NumberWords) -> tuple[str, int] | None:
    """("44", 2) for "double four" at keys[i], ("00", 3) for "dwa razy zero"; else None."""
    def digit(j: int) -> int | None:
        value = numbers.values.get(keys[j]) if j < len(keys) else None
        return value if value is not None and value < 10 else None

    if keys[i] in numbers.repeats and (repeated := digit(i + 1)) is not None:
        return str(repeated) * numbers.repeats[keys[i]], 2
    count = numbers.values.get(keys[i])
    if count is not None and 2 <= count <= 9 and i + 1 < len(keys) and keys[i + 1] in numbers.times \
            and (repeated := digit(i + 2)) is not None:
        return str(repeated) * count, 3
    return None
