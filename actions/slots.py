"""A yes/no question the assistant asked is open for the very next message only."""

from typing import Any

from rasa_sdk.forms import ValidationAction

CONFIRMING_INTENTS = ("affirm", "deny")


class ActionValidateSlotMappings(ValidationAction):
    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return ["pending_confirmation"]

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        # Computed from the message, not typed by the customer: nothing to validate.
        return await self.get_extraction_events(dispatcher, tracker, domain)

    def extract_pending_confirmation(self, dispatcher, tracker, domain) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("pending_confirmation") and intent not in CONFIRMING_INTENTS:
            return {"pending_confirmation": None}
        return {}
