"""A missed message as a training example: the suggestion a trainer starts from, and the checks on
what they submit (Rasa's inline annotation, `[10001](order_id)`)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.trainer.data.personal_data import ENTITY_KINDS, Known, Placeholders

MAX_EXAMPLE_CHARS = 500
_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?P<entity>[^():]+)(?::(?P<value>[^()]+))?\)")
_KIND_ENTITIES = {kind: entity for entity, kind in ENTITY_KINDS.items()}


class ExampleError(ValueError):
    """The submitted example cannot go into the training data; the message says why."""


@dataclass(frozen=True)
class LabelledEntity:
    entity: str
    start: int  # in the text without annotations
    end: int
    value: str

    def as_dict(self) -> dict[str, object]:
        return {"entity": self.entity, "start": self.start, "end": self.end, "value": self.value}


@dataclass(frozen=True)
class Example:
    annotated: str  # as it goes into the YAML
    text: str  # what a customer would type
    entities: tuple[LabelledEntity, ...]


def suggest_example(text: str, entities: Iterable[str], known: Iterable[Known] = ()) -> str:
    """The message with personal data replaced by placeholders and the domain's entities annotated."""
    declared = set(entities)
    parts = []
    for segment in Placeholders().segments(" ".join(text.split()), known):
        entity = _KIND_ENTITIES.get(segment.kind) if segment.kind else None
        parts.append(f"[{segment.text}]({entity})" if entity in declared else segment.text)
    return "".join(parts)


def parse_example(annotated: str, entities: Iterable[str]) -> Example:
    """The trainer's example, checked: one line, balanced annotations, only declared entities."""
    annotated = " ".join(annotated.split())
    if not annotated:
        raise ExampleError("the example is empty")
    if len(annotated) > MAX_EXAMPLE_CHARS:
        raise ExampleError(f"the example is longer than {MAX_EXAMPLE_CHARS} characters")
    declared = set(entities)
    plain: list[str] = []
    found: list[LabelledEntity] = []
    position = length = 0
    for match in _ANNOTATION.finditer(annotated):
        entity = match["entity"].strip()
        if entity not in declared:
            raise ExampleError(f"unknown entity {entity!r}: the domain declares {', '.join(sorted(declared))}")
        before = annotated[position:match.start()]
        plain.append(before)
        length += len(before)
        found.append(LabelledEntity(entity, length, length + len(match["text"]), (match["value"] or match["text"]).strip()))
        plain.append(match["text"])
        length += len(match["text"])
        position = match.end()
    plain.append(annotated[position:])
    text = "".join(plain)
    if any(mark in text for mark in "[]"):
        raise ExampleError("an annotation is not closed: write [text](entity)")
    if text.lstrip().startswith(("-", "#", "/")):
        raise ExampleError("an example cannot start with '-', '#' or '/'")
    return Example(annotated, text, tuple(found))
