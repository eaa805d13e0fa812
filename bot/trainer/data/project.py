"""The trainer's view of a Rasa project: domain, NLU examples and story steps, each with its file and line.

Files are read with ruamel.yaml's round-trip loader because it remembers where every item
stands, so a mistake can be reported as `file:line`.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

LANGUAGES = ("pl", "en")


class DataFileError(ValueError):
    """A training data file that is not valid YAML (or not shaped like Rasa data)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Location:
    path: Path
    line: int  # 1-based, as editors count


@dataclass(frozen=True)
class ProjectLayout:
    """Where a project keeps its data; the defaults are this repository's layout."""

    root: Path
    languages: tuple[str, ...] = LANGUAGES

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def nlu_dir(self) -> Path:
        return self.root / "nlu_data"

    @property
    def story_dirs(self) -> tuple[Path, ...]:
        return (self.root / "stories",)

    @property
    def test_story_dir(self) -> Path:
        return self.root / "tests" / "stories"

    @property
    def heldout_dir(self) -> Path:
        return self.root / "tests" / "data" / "heldout"

    @property
    def trainer_settings(self) -> Path:
        return self.root / "config" / "trainer.yml"

    @property
    def model(self) -> Path:
        return self.root / "models" / "koliber.tar.gz"

    @property
    def training_inputs(self) -> list[Path]:
        """Everything `rasa train` reads: a model older than any of these is stale."""
        return [self.domain, self.config, self.nlu_dir, *self.story_dirs]


@dataclass(frozen=True)
class Example:
    text: str  # as written, annotations included
    intent: str
    language: str | None  # None for data outside a language folder
    at: Location


@dataclass(frozen=True)
class Variant:
    language: str | None  # the `language` slot value in the variant's condition
    text: str | None
    at: Location


@dataclass(frozen=True)
class Response:
    name: str
    variants: list[Variant]
    at: Location


@dataclass(frozen=True)
class Domain:
    path: Path
    intents: dict[str, Location] = field(default_factory=dict)
    entities: dict[str, Location] = field(default_factory=dict)
    slots: dict[str, Location] = field(default_factory=dict)
    forms: dict[str, Location] = field(default_factory=dict)
    actions: dict[str, Location] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)


ReferenceKind = Literal["intent", "action", "slot", "entity", "form"]


@dataclass(frozen=True)
class Reference:
    """A name a story or rule step relies on the domain to declare."""

    kind: ReferenceKind
    name: str
    at: Location
    user_text: str | None = None  # an end-to-end step's words, annotations included


def load_yaml(path: Path) -> CommentedMap:
    """A data file's top-level mapping (empty for an empty file)."""
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DataFileError(path, (mark.line + 1) if mark else 1, f"invalid YAML: {error.problem or error}") from error
    if data is None:
        return CommentedMap()
    if not isinstance(data, CommentedMap):
        raise DataFileError(path, 1, "expected a mapping (version:, nlu:, stories:, ...) at the top of the file")
    return data


def _line_of_item(sequence: Any, index: int) -> int:
    return sequence.lc.item(index)[0] + 1 if isinstance(sequence, CommentedSeq) else 1


def _line_of_key(mapping: Any, key: str) -> int:
    return mapping.lc.key(key)[0] + 1 if isinstance(mapping, CommentedMap) else 1


def _names(path: Path, section: Any) -> dict[str, Location]:
    """Names from a domain section written as a list (`- greet`, `- greet: {...}`) or a mapping."""
    names: dict[str, Location] = {}
    if isinstance(section, list):
        for index, item in enumerate(section):
            name = next(iter(item)) if isinstance(item, dict) else item
            names[str(name)] = Location(path, _line_of_item(section, index))
    elif isinstance(section, dict):
        for name in section:
            names[str(name)] = Location(path, _line_of_key(section, name))
    return names


def load_domain(path: Path) -> Domain:
    data = load_yaml(path)
    responses = {}
    for name, variants in (data.get("responses") or {}).items():
        parsed = [_variant(path, variants, index) for index in range(len(variants or []))]
        responses[name] = Response(name, parsed, Location(path, _line_of_key(data["responses"], name)))
    return Domain(
        path=path,
        intents=_names(path, data.get("intents")),
        entities=_names(path, data.get("entities")),
        slots=_names(path, data.get("slots")),
        forms=_names(path, data.get("forms")),
        actions=_names(path, data.get("actions")),
        responses=responses,
    )


def _variant(path: Path, variants: Any, index: int) -> Variant:
    variant = variants[index] if isinstance(variants[index], dict) else {}
    language = next((c.get("value") for c in variant.get("condition") or []
                     if isinstance(c, dict) and c.get("type") == "slot" and c.get("name") == "language"), None)
    return Variant(str(language) if language is not None else None, variant.get("text"),
                   Location(path, _line_of_item(variants, index)))


def _yaml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))


def load_examples(path: Path, language: str | None) -> list[Example]:
    """The intent examples of one NLU file, or of every file under a folder."""
    examples = []
    for file in _yaml_files(path):
        blocks = load_yaml(file).get("nlu") or []
        for block in blocks:
            if isinstance(block, CommentedMap) and "intent" in block:
                examples += _block_examples(file, block, language)
    return examples


def _block_examples(file: Path, block: CommentedMap, language: str | None) -> list[Example]:
    raw = block.get("examples")
    intent = str(block["intent"])
    if isinstance(raw, str):
        # A block scalar (`examples: |`) starts on the line after its key; a quoted one on the same line.
        first = block.lc.value("examples")[0] + (2 if isinstance(raw, (LiteralScalarString, FoldedScalarString)) else 1)
        return [Example(line.strip()[2:].strip(), intent, language, Location(file, first + offset))
                for offset, line in enumerate(raw.split("\n")) if line.strip().startswith("- ")]
    examples = []
    for index, item in enumerate(raw or []):  # the long form: `- text: ...` with metadata
        text = item.get("text") if isinstance(item, dict) else item
        if isinstance(text, str):
            examples.append(Example(text.strip(), intent, language, Location(file, _line_of_item(raw, index))))
    return examples


def load_training_examples(layout: ProjectLayout) -> list[Example]:
    """Every NLU example the model trains on, tagged with the language folder it sits in."""
    examples = []
    for folder in sorted(p for p in layout.nlu_dir.iterdir() if p.is_dir()) if layout.nlu_dir.is_dir() else []:
        examples += load_examples(folder, folder.name if folder.name in layout.languages else None)
    for file in sorted(layout.nlu_dir.glob("*.yml")) if layout.nlu_dir.is_dir() else []:
        examples += load_examples(file, None)
    return examples


def load_story_references(path: Path) -> list[Reference]:
    """The intents, actions, slots, entities and forms the stories and rules under `path` use."""
    references = []
    for file in _yaml_files(path):
        data = load_yaml(file)
        for section in ("stories", "rules"):
            for item in data.get(section) or []:
                if not isinstance(item, dict):
                    continue
                references += list(_step_references(file, item.get("condition")))
                references += list(_step_references(file, item.get("steps")))
    return references


def _step_references(file: Path, steps: Any) -> Iterator[Reference]:
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        at = Location(file, _line_of_item(steps, index))
        if step.get("intent"):
            yield Reference("intent", str(step["intent"]), at, step.get("user"))
        for name, line in _listed_names(step.get("entities")):
            yield Reference("entity", name, Location(file, line))
        if step.get("action"):
            yield Reference("action", str(step["action"]), at)
        if step.get("active_loop"):
            yield Reference("form", str(step["active_loop"]), at)
        for name, line in _listed_names(step.get("slot_was_set")):
            yield Reference("slot", name, Location(file, line))
        if "or" in step:
            yield from _step_references(file, step["or"])


def _listed_names(items: Any) -> Iterator[tuple[str, int]]:
    """Names from a list of `- name` or `- name: value` items, with each item's line."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        name = next(iter(item), None) if isinstance(item, dict) else item
        if name is not None:
            yield str(name), _line_of_item(items, index)
