"""Slots refreshed after every customer message: language, fallback streak, stale confirmations."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.shop_access import conversation_metadata, language
from shop.settings import shop_settings
from text.language import detector_for

CONFIRMING_INTENTS = ("affirm", "deny")


class ActionValidateSlotMappings(ValidationAction):
    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return ["language", "fallback_streak", "pending_confirmation"]

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        # These slots are computed from the message, not typed by the customer: nothing to validate.
        return await self.get_extraction_events(dispatcher, tracker, domain)

    def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The customer's language: a clear switch in the text wins, then the channel's hint (a call's language)."""
        text = tracker.latest_message.get("text") or ""
        detected = detector_for(shop_settings().nlu_data_dir).detect(text)
        hint = conversation_metadata(tracker).get("language")
        if detected is None and hint in ("pl", "en"):
            detected = hint
        current = language(tracker)
        if detected and detected != current:
            return {"language": detected}
        if tracker.get_slot("language") is None:
            return {"language": current}
        return {}

    def extract_fallback_streak(self, dispatcher, tracker, domain) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        streak = int(tracker.get_slot("fallback_streak") or 0)
        return {"fallback_streak": float(streak + 1 if intent == "nlu_fallback" else 0)}

    def extract_pending_confirmation(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """A yes/no question is only open for the very next message."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("pending_confirmation") and intent not in CONFIRMING_INTENTS:
            return {"pending_confirmation": None}
        return {}
