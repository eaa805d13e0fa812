"""A conversation as Rasa test-story steps, and the same steps with personal data replaced."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from bot.trainer.data.personal_data import ENTITY_KINDS, Known, Placeholders


@dataclass(frozen=True)
class UserStep:
    intent: str
    # The words as (text, entity or None) parts; None for a `/intent` payload, which has no words.
    parts: tuple[tuple[str, str | None], ...] | None = None

    @property
    def annotated(self) -> str | None:
        if self.parts is None:
            return None
        return "".join(f"[{text}]({entity})" if entity else text for text, entity in self.parts)


@dataclass(frozen=True)
class ActionStep:
    action: str | None = None
    bot_text: str | None = None  # an end-to-end `bot:` step, when the action is not known


@dataclass(frozen=True)
class SlotStep:
    name: str
    value: Any


@dataclass(frozen=True)
class LoopStep:
    name: str | None


Step = UserStep | ActionStep | SlotStep | LoopStep


def split_by_entities(text: str, entities: Iterable[dict[str, Any]]) -> tuple[tuple[str, str | None], ...]:
    """`text` cut at the entity spans Rasa reported (start/end offsets); overlapping spans are dropped."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    for entity in sorted(entities, key=lambda e: e.get("start", 0)):
        start, end, name = entity.get("start"), entity.get("end"), entity.get("entity")
        if not isinstance(start, int) or not isinstance(end, int) or not name or start < position or end <= start:
            continue
        if start > position:
            parts.append((text[position:start], None))
        parts.append((text[start:end], str(name)))
        position = end
    if position < len(text) or not parts:
        parts.append((text[position:], None))
    return tuple(parts)


def scrub_steps(steps: list[Step], known: Iterable[Known] = ()) -> list[Step]:
    """The steps with e-mails, phones, postcodes, order numbers, names and addresses replaced,
    the same value by the same placeholder throughout (a slot agrees with the words it came from)."""
    known = tuple(known)
    placeholders = Placeholders()

    def scrub_value(value: Any) -> Any:
        if isinstance(value, str):
            return placeholders.scrub(value, known)
        if isinstance(value, list):
            return [scrub_value(item) for item in value]
        return value

    scrubbed: list[Step] = []
    for step in steps:
        if isinstance(step, UserStep) and step.parts is not None:
            parts = tuple(
                (placeholders.for_value(ENTITY_KINDS[entity], text), entity) if entity in ENTITY_KINDS
                else (placeholders.scrub(text, known), entity)
                for text, entity in step.parts)
            scrubbed.append(replace(step, parts=parts))
        elif isinstance(step, SlotStep):
            scrubbed.append(replace(step, value=scrub_value(step.value)))
        elif isinstance(step, ActionStep) and step.bot_text:
            scrubbed.append(replace(step, bot_text=placeholders.scrub(step.bot_text, known)))
        else:
            scrubbed.append(step)
    return scrubbed
