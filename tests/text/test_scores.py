"""0-10 scores read from what customers say or type to the NPS question, in Polish and English."""

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from text.scores import ScoreReading, read_score

SPOKEN_SCORES = PROJECT_ROOT / "tests" / "data" / "spoken_scores.yml"
MIN_ACCURACY = 0.9


@pytest.mark.parametrize(
    ("text", "language", "score"),
    [
        ("dziewięć", "pl", 9),
        ("Dziewięć!", "pl", 9),
        ("osiem na dziesięć", "pl", 8),
        ("osiem z dziesięciu", "pl", 8),
        ("8 na 10", "pl", 8),
        ("daję dziewiątkę", "pl", 9),
        ("dałbym szóstkę", "pl", 6),
        ("mocna ósemka", "pl", 8),
        ("dycha", "pl", 10),
        ("pełna dycha", "pl", 10),
        ("zero", "pl", 0),
        ("10/10", "pl", 10),
        ("10/10", "en", 10),
        ("8/10", "en", 8),
        ("8 out of 10", "en", 8),
        ("nine out of ten", "en", 9),
        ("ten out of ten", "en", 10),
        ("a solid nine", "en", 9),
        ("I'd give you a 7", "en", 7),
        ("three, the courier was late", "en", 3),
        ("zero", "en", 0),
        ("9#", "pl", 9),  # phone keypad, ended by #
        ("9#", "en", 9),
        ("10#", "en", 10),
    ],
)
def test_a_clear_answer_is_a_certain_score(text, language, score):
    assert read_score(text, language) == ScoreReading(score, certain=True)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("daję dziewiątkę.", "pl"),
        ("Dycha!", "pl"),
    ],
)
def test_grade_words_with_punctuation_are_read(text, language):
    reading = read_score(text, language)
    assert reading is not None and reading.certain


@pytest.mark.parametrize(
    ("text", "language", "score"),
    [
        ("chyba siedem", "pl", 7),
        ("może 7", "pl", 7),
        ("jakieś 6", "pl", 6),
        ("maybe 6", "en", 6),
        ("probably an eight", "en", 8),
        ("I guess 6", "en", 6),
    ],
)
def test_a_hedged_answer_is_uncertain(text, language, score):
    assert read_score(text, language) == ScoreReading(score, certain=False)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("seven or eight", "en"),
        ("siedem albo osiem", "pl"),
        ("między 7 a 8", "pl"),
        ("seven, no eight", "en"),
        ("9, no 15", "en"),  # a number off the scale beside one on it
    ],
)
def test_two_numbers_make_the_reading_uncertain(text, language):
    reading = read_score(text, language)
    assert reading is not None and not reading.certain


def test_the_last_number_said_is_the_one_read():
    assert read_score("seven, no eight", "en").score == 8


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("banana", "en"),
        ("twenty", "en"),
        ("eleven", "en"),
        ("100", "en"),
        ("", "en"),
        ("", "pl"),
        ("   ", "pl"),
        ("dwadzieścia", "pl"),
        ("nie wiem", "pl"),
        ("I don't know", "en"),
        ("#", "en"),
        ("Oh, I don't know", "en"),
    ],
)
def test_no_score_on_the_scale_reads_as_none(text, language):
    assert read_score(text, language) is None


def test_an_unknown_language_reads_as_polish():
    assert read_score("dycha", "de") == ScoreReading(10, certain=True)


def _labelled() -> dict[str, list[dict]]:
    return yaml.safe_load(SPOKEN_SCORES.read_text(encoding="utf-8"))


def test_the_labelled_set_is_well_formed():
    labelled = _labelled()
    assert set(labelled) == {"pl", "en"}
    for language, answers in labelled.items():
        assert len(answers) >= 40, language
        assert len({answer["text"] for answer in answers}) == len(answers), f"duplicate texts in {language}"
        for answer in answers:
            assert set(answer) <= {"text", "score", "hedged"}, answer
            assert answer["score"] is None or 0 <= answer["score"] <= 10, answer


@pytest.mark.parametrize("language", ["pl", "en"])
def test_accuracy_on_spoken_answers(language):
    answers = _labelled()[language]
    wrong, certain_but_wrong = [], []
    for answer in answers:
        reading = read_score(answer["text"], language)
        got = None if reading is None else reading.score
        if got != answer["score"]:
            wrong.append((answer["text"], answer["score"], reading))
            if reading is not None and reading.certain:
                certain_but_wrong.append(answer["text"])
        elif reading is not None and answer.get("hedged") and reading.certain:
            certain_but_wrong.append(answer["text"])  # right score, but stored without confirming
    accuracy = 1 - len(wrong) / len(answers)
    print(f"\nread_score accuracy [{language}]: {accuracy:.3f} ({len(answers) - len(wrong)}/{len(answers)}); "
          f"certain but wrong: {len(certain_but_wrong)}")
    for text, expected, reading in wrong:
        print(f"  {text!r}: expected {expected}, read {reading}")
    assert accuracy >= MIN_ACCURACY, wrong
