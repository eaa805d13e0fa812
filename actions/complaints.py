"""Complaints ("reklamacja"): what happened is collected, a case is opened and a person takes over."""

from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions.handoff import hand_off
from actions.shop_access import language, shop
from actions.verification import verified_order

MIN_DESCRIPTION_LENGTH = 10


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_details(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) < MIN_DESCRIPTION_LENGTH:
            dispatcher.utter_message(response="utter_complaint_too_short")
            return {"complaint_details": None}
        return {"complaint_details": text}


class ActionFileComplaint(Action):
    def name(self) -> str:
        return "action_file_complaint"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        details = tracker.get_slot("complaint_details") or ""
        # The complaint's first message often says what went wrong already; keep both.
        opening = next((e.get("text") for e in reversed(tracker.events)
                        if e.get("event") == "user" and (e.get("parse_data") or {}).get("intent", {}).get("name") == "complaint"), "")
        description = "\n".join(part for part in (opening, details) if part)
        case_code = shop().open_complaint(verified_order(tracker) or tracker.get_slot("order_id"),
                                          tracker.sender_id, language(tracker), description)
        dispatcher.utter_message(response="utter_complaint_registered", case_code=case_code)
        hand_off(dispatcher, tracker, "complaint", summary=description, case_code=case_code)
        return [SlotSet("complaint_details", None)]
