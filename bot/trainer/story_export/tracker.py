"""A conversation's steps as the engine recorded them: its tracker, read over Rasa's HTTP API.

Mirrors what Rasa's own YAML story writer keeps (user turns, actions, slots, active loops) without
importing Rasa, which lives in the engine's Python environment.
"""

from typing import Any
from urllib.parse import quote

import httpx

from bot.engine.address import EngineAddress
from bot.trainer.story_export.steps import ActionStep, LoopStep, SlotStep, Step, UserStep, split_by_entities

# Bookkeeping actions a story leaves out, as Rasa's story writer does ("..." marks a rule snippet).
_SKIPPED_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent", "action_extract_slots", "..."}


async def fetch_tracker(engine: EngineAddress, conversation_id: str, timeout: float) -> dict[str, Any] | None:
    """The conversation's tracker, or None when the engine is down or does not know the conversation."""
    try:
        async with engine.async_client(timeout) as client:
            response = await client.get(f"/conversations/{quote(conversation_id, safe='')}/tracker",
                                        params={"include_events": "AFTER_RESTART"})
            response.raise_for_status()
            tracker = response.json()
    except (httpx.HTTPError, ValueError):
        return None
    events = tracker.get("events") if isinstance(tracker, dict) else None
    # A conversation the engine does not know (erased, or from another database) comes back empty.
    return tracker if any(e.get("event") == "user" for e in events or []) else None


def steps_from_tracker(tracker: dict[str, Any]) -> list[Step]:
    events = tracker.get("events") or []
    restarts = [i for i, e in enumerate(events) if e.get("event") == "restart"]
    events = events[restarts[-1] + 1:] if restarts else events
    steps: list[Step] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            steps.append(_user_step(event))
        elif not steps:
            continue  # what a session start sets before the customer speaks is not part of the story
        elif kind == "action" and event.get("name") not in _SKIPPED_ACTIONS:
            steps.append(ActionStep(action=event.get("name")))
        elif kind == "slot":
            steps.append(SlotStep(event.get("name"), event.get("value")))
        elif kind == "active_loop":
            steps.append(LoopStep(event.get("name")))
    return steps


def _user_step(event: dict[str, Any]) -> UserStep:
    parse = event.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    text = event.get("text") or ""
    if text.startswith("/"):  # a button or the gateway's `/intent`: no words to test
        return UserStep(intent)
    return UserStep(intent, split_by_entities(text, parse.get("entities") or event.get("entities") or []))
