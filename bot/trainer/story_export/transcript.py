"""A conversation's steps rebuilt from what the gateway stored, when the engine cannot say.

The gateway keeps words, not actions: a bot message whose text matches one of the domain's
responses becomes that `utter_` action; any other (a custom action's words) stays an end-to-end
`bot:` step for the trainer to replace with the action's name. Slots are unknown here.
"""

import re
from dataclasses import dataclass

from bot.models.conversation import Author
from bot.trainer.data.domain_summary import ReviewDomain
from bot.trainer.data.personal_data import ENTITY_KINDS, find_personal_data
from bot.trainer.story_export.steps import ActionStep, Step, UserStep

_KIND_ENTITIES = {kind: entity for entity, kind in ENTITY_KINDS.items()}


@dataclass(frozen=True)
class StoredMessage:
    author: Author
    text: str
    intent: str | None
    payload: str | None = None


def _template_pattern(template: str) -> re.Pattern[str]:
    # "{order_id}" stands for whatever the slot held.
    return re.compile("".join(".+?" if part.startswith("{") else re.escape(part)
                              for part in re.split(r"(\{\w+\})", template.strip())), re.DOTALL)


def _response_patterns(domain: ReviewDomain) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, _template_pattern(text)) for name, texts in domain.response_texts.items() for text in texts]


def _entity_parts(text: str, entities: set[str]) -> tuple[tuple[str, str | None], ...]:
    parts: list[tuple[str, str | None]] = []
    position = 0
    for span in find_personal_data(text):
        entity = _KIND_ENTITIES.get(span.kind)
        if entity not in entities:
            continue
        if span.start > position:
            parts.append((text[position:span.start], None))
        parts.append((text[span.start:span.end], entity))
        position = span.end
    if position < len(text) or not parts:
        parts.append((text[position:], None))
    return tuple(parts)


def steps_from_transcript(messages: list[StoredMessage], domain: ReviewDomain) -> list[Step]:
    """Customer turns the bot answered and the bot's replies; agents' and the gateway's own
    messages were never the bot's, so they are left out."""
    patterns = _response_patterns(domain)
    entities = set(domain.entities)
    steps: list[Step] = []
    for message in messages:
        if message.author == Author.CUSTOMER and message.intent:
            words = message.payload or message.text
            steps.append(UserStep(message.intent) if words.startswith("/")
                         else UserStep(message.intent, _entity_parts(message.text, entities)))
        elif message.author == Author.BOT and steps:
            name = next((name for name, pattern in patterns if pattern.fullmatch(message.text.strip())), None)
            steps.append(ActionStep(action=name) if name else ActionStep(bot_text=message.text))
    return steps
