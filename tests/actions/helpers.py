"""Builds trackers, runs actions and renders what they said the way the engine would."""

import asyncio
import inspect
import string
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str = "", intent: str = "inform", slots: dict[str, Any] | None = None,
                 entities: list[dict[str, Any]] | None = None, active_loop: str | None = None,
                 sender_id: str = "test-conversation", metadata: dict | None = None,
                 events: list[dict[str, Any]] | None = None) -> Tracker:
    all_slots = {"language": "pl", "verification_failures": 0.0}
    all_slots.update(slots or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "metadata": metadata or {}}
    return Tracker(sender_id, all_slots, latest, events or [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, tracker: Tracker, domain) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    """Runs an action (sync or async) and returns its events and what it said."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, domain)
    events = asyncio.run(result) if inspect.isawaitable(result) else result
    return events, dispatcher


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages if m.get("response")]


def custom_messages(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def slot_events(events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def render(dispatcher: CollectingDispatcher, domain: dict[str, Any], language: str,
           slots: dict[str, Any] | None = None) -> list[str]:
    """The texts the customer would read: each response's variant for `language`, filled in.

    Fails when a placeholder has no value, so a response can never reach a customer half-filled.
    """
    texts = []
    for message in dispatcher.messages:
        name = message.get("response")
        if not name:
            continue
        variants = [v for v in domain["responses"][name]
                    if any(c.get("name") == "language" and c.get("value") == language for c in v.get("condition", []))]
        assert len(variants) == 1, f"{name} has no single {language} variant"
        values = {**(slots or {}), **{k: v for k, v in message.items() if k not in ("response", "text")}}
        template = variants[0]["text"]
        missing = [field for _, field, _, _ in string.Formatter().parse(template) if field and field not in values]
        assert not missing, f"{name} ({language}) is missing values for {missing}"
        texts.append(template.format(**values).replace("\xa0", " "))
    return texts
