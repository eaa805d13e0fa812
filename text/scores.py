"""A 0-10 score read from what a customer said or typed: "dziewięć", "osiem na dziesięć",
"a solid nine", "10/10", "9#". Hedged or several different numbers make the reading uncertain,
so the survey confirms it before storing it.
"""

import re
from dataclasses import dataclass

from text.folding import fold
from text.number_words import words_to_digits

# Forms the order-number vocabulary leaves out: grades said as nouns, often in the accusative
# ("daję dziewiątkę"), and slang for ten.
_SCORE_WORDS = {
    "pl": {"jedynke": 1, "dwojke": 2, "trojke": 3, "czworke": 4, "piatke": 5, "szostke": 6, "siodemke": 7,
           "osemke": 8, "dziewiatke": 9, "dziesiatka": 10, "dziesiatke": 10, "dycha": 10, "dyche": 10,
           "dyszka": 10, "dyszke": 10, "zerem": 0},
    "en": {"nought": 0, "nil": 0, "none": 0},
}
_HEDGES = {
    "pl": {"chyba", "moze", "jakies", "okolo", "raczej", "albo", "lub", "miedzy", "pomiedzy", "sam", "wiem"},
    "en": {"maybe", "perhaps", "probably", "around", "about", "or", "between", "guess", "dunno", "roughly"},
}
# "8 na 10", "8/10", "8 out of 10", "8 punktów na 10": the scale is not a second score.
_OUT_OF_TEN = re.compile(r"\b(\d{1,3})\s*(?:(?:punkt\w*|points?)\s+)?(?:/|na|z|out\s+of|outta|of)\s*10\b")
# English fillers the order-number vocabulary reads as zero ("oh, I don't know", "none of your
# business"): zero only when they are the whole answer.
_FILLER_ZEROS = {"en": {"oh", "none"}, "pl": set()}
_NUMBER = re.compile(r"\d+")
MAX_SCORE = 10


@dataclass(frozen=True)
class ScoreReading:
    score: int
    certain: bool


def read_score(text: str, language: str) -> ScoreReading | None:
    """The score in the text, or None when it holds no number from 0 to 10."""
    language = "en" if language == "en" else "pl"
    tokens = re.findall(r"\w+", fold(text))
    if len(tokens) > 1:
        text = re.sub(r"\w+", lambda m: "" if fold(m.group()) in _FILLER_ZEROS[language] else m.group(), text)
    text = re.sub(r"\w+", lambda m: str(_SCORE_WORDS[language].get(fold(m.group()), m.group())), text)
    digits = words_to_digits(text, language).replace("#", " ")
    digits = _OUT_OF_TEN.sub(r"\1", digits)
    numbers = [int(found) for found in _NUMBER.findall(digits)]
    scores = [number for number in numbers if number <= MAX_SCORE]
    if not scores:
        return None
    # A number off the scale beside one on it ("9, no 15") also needs a question back.
    certain = len(set(scores)) == 1 and len(scores) == len(numbers) and not set(tokens) & _HEDGES[language]
    return ScoreReading(scores[-1], certain)  # the last one said is usually the correction
