"""Numbers written or spoken as words ("cztery osiem dwa", "forty-eight") turned into digits.

spaCy's blank Polish and English pipelines tokenise the text (they split "48213#" and
"forty-eight" the way each language expects); the values come from data/number_words.yml.
"""

from functools import lru_cache
from pathlib import Path

import spacy
import yaml

from bot.text.folding import fold

_WORDS_FILE = Path(__file__).with_name("data") / "number_words.yml"


@lru_cache
def _tokenizer(language: str):
    return spacy.blank("en" if language == "en" else "pl").tokenizer


@lru_cache
def _values(language: str) -> dict[str, int]:
    # One language's words only: Polish "ten" means "this", English "oh" is not always zero.
    table = yaml.safe_load(_WORDS_FILE.read_text(encoding="utf-8"))
    return {fold(word): value for word, value in table["en" if language == "en" else "pl"].items()}


def words_to_digits(text: str, language: str = "pl") -> str:
    """Replaces number words with digits; tens followed by units merge ("forty two" -> "42")."""
    values = _values(language)
    out: list[str] = []
    pending_tens: int | None = None
    for token in _tokenizer(language)(text.replace("-", " ")):
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
