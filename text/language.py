"""Tells Polish from English in short customer messages.

Generic detectors guess badly on three-word messages without diacritics ("gdzie moja
paczka"), so this one learns the shop's own vocabulary: a naive Bayes vote over the words of
each language's training examples in nlu_data/, where Polish letters count as strong votes.
Loanwords ("refund" in a Polish sentence) still lean the right way because they are far more
frequent in one language. A message without a clear lean (an order number, "ok") gives None:
keep the current language.

It needs nothing but PyYAML, so the engine runs it too (engine_plugins/language.py), from a table
saved in the model. spaCy's stop-word lists used to be added to the votes; without them and with a
decision margin of 1.25 instead of 1.0, a 5-fold split of nlu_data/ (3835 messages) calls the wrong
language 15 times instead of 24, and leaves 205 undecided instead of 172 (they keep the current one).
"""

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml

from text.folding import fold

POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
POLISH_LETTER_WEIGHT = 3.0
# How far (in log-odds) a message must lean before we call its language.
DECISION_MARGIN = 1.25
_WORD = re.compile(r"[^\W\d_]+")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
_EMAIL = re.compile(r"\S+@\S+")


def _training_words(directory: Path) -> Counter[str]:
    words: Counter[str] = Counter()
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line.lstrip("- "))
                words.update(_words(text))
    return words


def _words(text: str) -> list[str]:
    return [fold(word) for word in _WORD.findall(_EMAIL.sub(" ", text)) if len(word) > 1]


class LanguageDetector:
    def __init__(self, log_odds: dict[str, float]) -> None:
        self.log_odds = log_odds  # per folded word: log P(word | Polish) - log P(word | English)

    @classmethod
    def from_word_counts(cls, polish_words: Counter[str], english_words: Counter[str]) -> "LanguageDetector":
        vocabulary = set(polish_words) | set(english_words)
        polish_total = sum(polish_words.values()) + len(vocabulary)
        english_total = sum(english_words.values()) + len(vocabulary)
        return cls({word: math.log((polish_words[word] + 1) / polish_total)
                    - math.log((english_words[word] + 1) / english_total) for word in vocabulary})

    @classmethod
    def from_nlu_data(cls, nlu_dir: Path) -> "LanguageDetector":
        return cls.from_word_counts(_training_words(nlu_dir / "pl"), _training_words(nlu_dir / "en"))

    def lean(self, text: str) -> float:
        """Log-odds that the text is Polish rather than English (0 when nothing tells)."""
        score = POLISH_LETTER_WEIGHT * sum(ch in POLISH_LETTERS for ch in text)
        return score + sum(self.log_odds.get(word, 0.0) for word in _words(text))

    def detect(self, text: str) -> str | None:
        if text.startswith("/"):  # a button payload such as /affirm, not words
            return None
        lean = self.lean(text)
        if lean > DECISION_MARGIN:
            return "pl"
        if lean < -DECISION_MARGIN:
            return "en"
        return None


@lru_cache
def detector_for(nlu_dir: Path) -> LanguageDetector:
    return LanguageDetector.from_nlu_data(nlu_dir)
