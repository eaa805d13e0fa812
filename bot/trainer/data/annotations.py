"""Rasa's inline entity annotations (`[48213](order_id)`, `[text]{"entity": "email"}`) and text folding."""

import json
import re
import unicodedata
from dataclasses import dataclass

# The two forms Rasa 3 reads: `[text](entity)` / `[text](entity:value)` and `[text]{json}`.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]+\}))")


@dataclass(frozen=True)
class EntitySpan:
    entity: str
    start: int  # character offsets in the text without annotations
    end: int
    value: str


def parse_annotated(text: str) -> tuple[str, list[EntitySpan]]:
    """The plain text a customer would type, and the entities annotated in it."""
    plain: list[str] = []
    spans: list[EntitySpan] = []
    position = 0
    length = 0
    for match in _ANNOTATION.finditer(text):
        before = text[position:match.start()]
        plain.append(before)
        length += len(before)
        surface = match["text"]
        entity, value = _entity_and_value(match)
        if entity:
            spans.append(EntitySpan(entity, length, length + len(surface), value or surface))
        plain.append(surface)
        length += len(surface)
        position = match.end()
    plain.append(text[position:])
    return "".join(plain), spans


def _entity_and_value(match: re.Match[str]) -> tuple[str | None, str | None]:
    if match["short"] is not None:
        entity, _, value = match["short"].partition(":")
        return entity.strip(), value.strip() or None
    try:
        data = json.loads(match["json"])
    except json.JSONDecodeError:
        return None, None
    return (data.get("entity"), data.get("value")) if isinstance(data, dict) else (None, None)


def strip_annotations(text: str) -> str:
    return parse_annotated(text)[0]


def fold(text: str) -> str:
    """What is left when case, diacritics, punctuation and spacing are ignored: 'Zamówienie!' == 'zamowienie'."""
    # NFKD does not split Polish ł, so it is mapped by hand.
    lowered = strip_annotations(text).lower().replace("ł", "l")
    plain = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()
