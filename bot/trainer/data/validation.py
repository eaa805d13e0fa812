"""The project's own checks on the training data, each mistake reported as `file:line: message`.

Rasa's `rasa data validate` checks the data's shape; these checks add what a bilingual
assistant needs (both languages everywhere) and what Rasa only hints at or misses (near-identical
examples under two intents, test stories that name removed intents).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.trainer.data.annotations import fold, parse_annotated, strip_annotations
from bot.trainer.data.project import (
    DataFileError,
    Domain,
    Example,
    Location,
    ProjectLayout,
    Reference,
    load_domain,
    load_story_references,
    load_training_examples,
)
from bot.trainer.data.settings import TrainerSettings, load_trainer_settings

# What Rasa 3.6 provides without a domain entry (rasa.shared.core.constants).
DEFAULT_INTENTS = frozenset({"restart", "back", "out_of_scope", "session_start", "nlu_fallback"})
DEFAULT_ACTIONS = frozenset({
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_two_stage_fallback", "action_unlikely_intent", "action_back",
    "...", "action_extract_slots", "action_validate_slot_mappings",
})
DEFAULT_SLOTS = frozenset({"requested_slot", "session_started_metadata", "knowledge_base_listed_objects",
                           "knowledge_base_last_object", "knowledge_base_last_object_type"})
_PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Problem:
    at: Location
    message: str

    def format(self, root: Path) -> str:
        path = self.at.path.relative_to(root) if self.at.path.is_relative_to(root) else self.at.path
        return f"{path}:{self.at.line}: {self.message}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, root: Path) -> list[str]:
        return [p.format(root) for p in sorted(self.problems, key=lambda p: (str(p.at.path), p.at.line))]


def check_intent_examples(domain: Domain, examples: list[Example], languages: Iterable[str],
                          min_examples: int, trigger_only: frozenset[str] = frozenset()) -> list[Problem]:
    """Every intent a customer can type has at least `min_examples` examples in every language."""
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for example in examples:
        counts[(example.intent, example.language)] += 1
    return [Problem(at, f"intent '{intent}' has {counts[(intent, language)]} {language} examples, "
                        f"at least {min_examples} needed")
            for intent, at in domain.intents.items() if intent not in trigger_only
            for language in languages if counts[(intent, language)] < min_examples]


def check_example_intents_declared(domain: Domain, examples: list[Example]) -> list[Problem]:
    """Examples train only intents the domain declares (once per file and intent)."""
    seen: set[tuple[Path, str]] = set()
    problems = []
    for example in examples:
        key = (example.at.path, example.intent)
        if example.intent not in domain.intents and key not in seen:
            seen.add(key)
            problems.append(Problem(example.at, f"intent '{example.intent}' is not declared in the domain"))
    return problems


def check_response_languages(domain: Domain, languages: Iterable[str]) -> list[Problem]:
    """Every response has a variant for each language, and the variants fill in the same values."""
    problems = []
    for response in domain.responses.values():
        present = {v.language for v in response.variants}
        problems += [Problem(response.at, f"response '{response.name}' has no {language} variant "
                                          f"(condition: slot language = {language})")
                     for language in languages if language not in present]
        problems += [Problem(v.at, f"a variant of '{response.name}' has no language condition, "
                                   "so it can reach a customer in the other language")
                     for v in response.variants if v.language is None]
        placeholders = {v.language: set(_PLACEHOLDER.findall(v.text)) for v in response.variants if v.text}
        if len({frozenset(p) for p in placeholders.values()}) > 1:
            used = "; ".join(f"{lang}: {', '.join(sorted(p)) or 'none'}" for lang, p in placeholders.items())
            problems.append(Problem(response.at, f"the variants of '{response.name}' fill in different values ({used})"))
    return problems


def _clashes(examples: list[Example], key: Callable[[str], str]) -> list[tuple[Example, Example]]:
    """Pairs (example, an earlier one with the same key under another intent)."""
    first_by_intent: dict[str, dict[str, Example]] = defaultdict(dict)
    pairs = []
    for example in examples:
        owners = first_by_intent[key(example.text)]
        other = next((e for intent, e in owners.items() if intent != example.intent), None)
        if other is not None:
            pairs.append((example, other))
        owners.setdefault(example.intent, example)
    return pairs


def _exact(text: str) -> str:
    return " ".join(strip_annotations(text).split())


def _where(example: Example) -> str:
    return f"{example.at.path.parent.name}/{example.at.path.name}:{example.at.line}"


def check_duplicate_examples(examples: list[Example]) -> list[Problem]:
    """The same example under two intents (in any language: one model serves both)."""
    return [Problem(e.at, f"'{_exact(e.text)}' is an example of '{e.intent}' and of '{other.intent}' ({_where(other)})")
            for e, other in _clashes(examples, _exact)]


def check_near_duplicate_examples(examples: list[Example]) -> list[Problem]:
    """Examples that differ only in case, diacritics or punctuation, under different intents."""
    return [Problem(e.at, f"'{_exact(e.text)}' ('{e.intent}') differs only in case, diacritics or punctuation "
                          f"from '{_exact(other.text)}' ('{other.intent}', {_where(other)})")
            for e, other in _clashes(examples, fold) if _exact(e.text) != _exact(other.text)]


def check_annotated_entities(domain: Domain, examples: list[Example]) -> list[Problem]:
    """Entities annotated in examples are declared in the domain."""
    return [Problem(e.at, f"entity '{span.entity}' is annotated but not declared in the domain")
            for e in examples for span in parse_annotated(e.text)[1] if span.entity not in domain.entities]


def check_story_references(domain: Domain, references: list[Reference]) -> list[Problem]:
    """Stories, rules and test stories use only intents, actions, slots, forms and entities the domain has."""
    known = {
        "intent": set(domain.intents) | DEFAULT_INTENTS,
        "action": set(domain.actions) | set(domain.responses) | set(domain.forms) | DEFAULT_ACTIONS,
        "slot": set(domain.slots) | DEFAULT_SLOTS,
        "form": set(domain.forms) | set(domain.actions),  # a custom loop action can be active too
        "entity": set(domain.entities),
    }
    problems = [Problem(r.at, f"{r.kind} '{r.name}' is not in the domain")
                for r in references if r.name not in known[r.kind]]
    problems += [Problem(r.at, f"entity '{span.entity}' is annotated but not declared in the domain")
                 for r in references if r.user_text for span in parse_annotated(r.user_text)[1]
                 if span.entity not in domain.entities]
    return problems


def validate_project(layout: ProjectLayout, settings: TrainerSettings | None = None) -> ValidationReport:
    """Runs every check on the project's training data, domain, stories and test stories."""
    settings = settings or load_trainer_settings(layout.trainer_settings)
    try:
        domain = load_domain(layout.domain)
        examples = load_training_examples(layout)
        references = [r for folder in layout.story_dirs if folder.exists() for r in load_story_references(folder)]
        test_references = load_story_references(layout.test_story_dir) if layout.test_story_dir.exists() else []
    except DataFileError as error:
        return ValidationReport([Problem(Location(error.path, error.line), error.message)])
    problems = [
        *check_intent_examples(domain, examples, layout.languages, settings.min_examples, settings.trigger_only_intents),
        *check_example_intents_declared(domain, examples),
        *check_response_languages(domain, layout.languages),
        *check_duplicate_examples(examples),
        *check_near_duplicate_examples(examples),
        *check_annotated_entities(domain, examples),
        *check_story_references(domain, references + test_references),
    ]
    return ValidationReport(problems)
