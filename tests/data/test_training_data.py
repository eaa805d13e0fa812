"""Both languages are equal in the training data and the responses; evaluation data stays unseen.

The checks are `koliber validate`'s own (bot/trainer/data/validation.py), run here on the repo's data.
"""

import json
from collections import Counter

import pytest

from bot.settings import PROJECT_ROOT
from bot.trainer.data.annotations import fold, parse_annotated
from bot.trainer.data.project import LANGUAGES, ProjectLayout, load_domain, load_examples, load_training_examples
from bot.trainer.data.settings import load_trainer_settings
from bot.trainer.data.validation import (
    check_annotated_entities,
    check_duplicate_examples,
    check_intent_examples,
    check_near_duplicate_examples,
    check_response_languages,
)
from bot.trainer.evaluation.datasets import SHARED_BENCHMARKS

MIN_HELDOUT_EXAMPLES = 10
MIN_ANNOTATIONS_PER_ENTITY = 20
# Added by an engine component, never tagged in examples: the message's language (engine_plugins/language.py).
ENGINE_MADE_ENTITIES = {"language"}
LAYOUT = ProjectLayout(PROJECT_ROOT)
SETTINGS = load_trainer_settings(LAYOUT.trainer_settings)
DOMAIN = load_domain(LAYOUT.domain)
TRAINING = load_training_examples(LAYOUT)
HELDOUT = [e for lang in LANGUAGES for e in load_examples(LAYOUT.heldout_dir / f"{lang}.yml", lang)]


def lines(problems) -> list[str]:
    return [problem.format(PROJECT_ROOT) for problem in problems]


def test_every_intent_has_examples_in_both_languages():
    assert lines(check_intent_examples(DOMAIN, TRAINING, LANGUAGES, SETTINGS.min_examples,
                                       SETTINGS.trigger_only_intents)) == []


def test_every_intent_has_heldout_examples_in_both_languages():
    assert lines(check_intent_examples(DOMAIN, HELDOUT, LANGUAGES, MIN_HELDOUT_EXAMPLES,
                                       SETTINGS.trigger_only_intents)) == []


def test_every_response_has_a_polish_and_an_english_variant_with_the_same_values():
    assert lines(check_response_languages(DOMAIN, LANGUAGES)) == []


def test_no_example_sits_under_two_intents():
    assert lines(check_duplicate_examples(TRAINING) + check_near_duplicate_examples(TRAINING)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_split_is_never_trained_on(language):
    trained = {fold(e.text) for e in TRAINING if e.language == language}
    leaked = [e.text for e in HELDOUT if e.language == language and fold(e.text) in trained]
    assert not leaked


def test_no_benchmark_sentence_is_in_the_training_data():
    sentences = {fold(json.loads(line)["text"]) for f in SHARED_BENCHMARKS.glob("*/*.jsonl")
                 for line in f.open(encoding="utf-8") if "text" in json.loads(line)}
    sentences = {s for s in sentences if len(s.split()) >= 4}
    if not sentences:
        pytest.skip("no shared benchmarks beside this checkout")
    assert not ({fold(e.text) for e in TRAINING} & sentences)


def test_annotated_entities_are_declared_in_the_domain():
    assert lines(check_annotated_entities(DOMAIN, TRAINING + HELDOUT)) == []
    used = Counter(span.entity for e in TRAINING + HELDOUT for span in parse_annotated(e.text)[1])
    tagged = set(DOMAIN.entities) - ENGINE_MADE_ENTITIES
    assert {entity for entity in tagged if used[entity] < MIN_ANNOTATIONS_PER_ENTITY} == set()
