"""Both languages are equal in the training data and the responses; evaluation data stays unseen."""

import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT

LANGUAGES = ("pl", "en")
MIN_EXAMPLES = 25
ANNOTATION = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def examples(path: Path) -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = defaultdict(list)
    for file in sorted(path.glob("*.yml")) if path.is_dir() else [path]:
        for block in yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                by_intent[block["intent"]] += [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
    return by_intent


def plain(text: str) -> str:
    text = ANNOTATION.sub(r"\1", text)
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower().replace("ł", "l")) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


TRAINING = {lang: examples(PROJECT_ROOT / "nlu_data" / lang) for lang in LANGUAGES}
HELDOUT = {lang: examples(PROJECT_ROOT / "tests" / "data" / "heldout" / f"{lang}.yml") for lang in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent", DOMAIN["intents"])
def test_every_intent_has_examples_in_both_languages(intent, language):
    assert len(TRAINING[language][intent]) >= MIN_EXAMPLES
    assert len(HELDOUT[language][intent]) >= 10


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_every_response_has_one_polish_and_one_english_variant(name):
    languages = [c["value"] for variant in DOMAIN["responses"][name] for c in variant.get("condition", [])
                 if c.get("name") == "language"]
    assert sorted(languages) == ["en", "pl"]
    texts = {v["condition"][0]["value"]: v["text"] for v in DOMAIN["responses"][name]}
    placeholders = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in texts.items()}
    assert placeholders["pl"] == placeholders["en"], "both variants must use the same values"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_example_sits_under_two_intents(language):
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, texts in TRAINING[language].items():
        for text in texts:
            owners[plain(text)].add(intent)
    clashes = {text: intents for text, intents in owners.items() if len(intents) > 1}
    assert not clashes


@pytest.mark.parametrize("language", LANGUAGES)
def test_heldout_split_is_never_trained_on(language):
    trained = {plain(t) for texts in TRAINING[language].values() for t in texts}
    leaked = [t for texts in HELDOUT[language].values() for t in texts if plain(t) in trained]
    assert not leaked


def test_no_benchmark_sentence_is_in_the_training_data():
    benchmark = Path(PROJECT_ROOT.parent / "shared" / "benchmarks")
    sentences = {plain(json.loads(line)["text"]) for f in benchmark.glob("*/*.jsonl") for line in f.open(encoding="utf-8")
                 if "text" in json.loads(line)}
    sentences = {s for s in sentences if len(s.split()) >= 4}
    if not sentences:
        pytest.skip("no shared benchmarks beside this checkout")
    trained = {plain(t) for lang in LANGUAGES for texts in TRAINING[lang].values() for t in texts}
    assert not (trained & sentences)


def test_annotated_entities_are_declared_in_the_domain():
    used = Counter(entity for lang in LANGUAGES for texts in list(TRAINING[lang].values()) + list(HELDOUT[lang].values())
                   for t in texts for _, entity in ANNOTATION.findall(t))
    assert set(used) <= set(DOMAIN["entities"])
    assert all(used[entity] >= 20 for entity in DOMAIN["entities"])
