"""The post-purchase NPS survey: consent, a 0-10 score (confirmed when unsure), why, and for
unhappy customers the offer of a call-back. The result goes to the gateway as a custom message."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions.shop_access import conversation_metadata, language
from contracts.survey_result import DETRACTOR_MAX, PROMOTER_MIN, SurveyOutcome, SurveyResult
from text.scores import read_score

MAX_SCORE_ATTEMPTS = 3
# Below this recogniser confidence a spoken score is read back before it is stored.
MIN_SPEECH_CONFIDENCE = 0.5
SURVEY_SLOTS = ("survey_consent", "nps_score", "nps_candidate", "nps_confirmation", "nps_reask_count",
                "nps_reason", "survey_callback")


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _score(tracker: Tracker) -> int | None:
    """The validated score; while the form extracts, the slot briefly holds the raw answer."""
    value = tracker.get_slot("nps_score")
    return int(value) if isinstance(value, str) and value.isdigit() else None


class ValidateSurveyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_survey_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("survey_consent") != "yes":
            return ["survey_consent"]
        score = _score(tracker)
        if score is None:
            if (tracker.get_slot("nps_reask_count") or 0) >= MAX_SCORE_ATTEMPTS:
                return ["survey_consent"]  # nothing more to ask: the survey ends without a score
            if tracker.get_slot("nps_candidate") is not None:
                return ["survey_consent", "nps_confirmation"]
            return ["survey_consent", "nps_score"]
        slots = ["survey_consent", "nps_score", "nps_reason"]
        return slots + ["survey_callback"] if score <= DETRACTOR_MAX else slots

    def validate_nps_score(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if _intent(tracker) == "stop_calling":
            return {"nps_score": None}  # survey_consent is now opt_out: the form ends
        metadata = conversation_metadata(tracker)
        reading = read_score(str(value or ""), language(tracker))
        if reading is None:
            if _intent(tracker) == "deny":
                return {"nps_score": None, "survey_consent": "no"}
            attempts = int(tracker.get_slot("nps_reask_count") or 0) + 1
            if attempts < MAX_SCORE_ATTEMPTS:
                dispatcher.utter_message(response="utter_survey_score_not_understood")
            return {"nps_score": None, "nps_reask_count": float(attempts)}
        confidence = metadata.get("speech_confidence")
        heard_badly = confidence is not None and float(confidence) < MIN_SPEECH_CONFIDENCE
        if metadata.get("keypad") or (reading.certain and not heard_badly):
            return {"nps_score": str(reading.score)}
        return {"nps_score": None, "nps_candidate": str(reading.score)}

    def validate_nps_confirmation(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        candidate = tracker.get_slot("nps_candidate")
        reading = read_score(str(value or ""), language(tracker))
        if reading is not None and str(reading.score) != candidate:
            return {"nps_score": str(reading.score), "nps_candidate": None, "nps_confirmation": None}
        if _intent(tracker) == "affirm" or reading is not None:
            return {"nps_score": candidate, "nps_candidate": None, "nps_confirmation": None}
        if _intent(tracker) == "stop_calling":
            return {"nps_confirmation": None}
        if _intent(tracker) == "deny":
            return {"nps_candidate": None, "nps_confirmation": None}
        return {"nps_confirmation": None}  # neither yes nor no: ask again

    def validate_nps_reason(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if _intent(tracker) == "stop_calling":
            return {"nps_reason": None}
        return {"nps_reason": str(value or "").strip() or None}


class ActionFinishSurvey(Action):
    """Says goodbye in the way the answers call for and reports the result to the gateway."""

    def name(self) -> str:
        return "action_finish_survey"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        consent, score = tracker.get_slot("survey_consent"), _score(tracker)
        callback = bool(tracker.get_slot("survey_callback"))
        if consent == "no":
            outcome, response = SurveyOutcome.REFUSED, "utter_survey_declined"
        elif consent != "yes":  # "don't call me again", in the survey or outside it
            outcome, response = SurveyOutcome.OPTED_OUT, "utter_survey_opted_out"
        elif score is None:
            outcome, response = SurveyOutcome.INCOMPLETE, "utter_survey_no_score"
        else:
            outcome = SurveyOutcome.COMPLETED
            if score <= DETRACTOR_MAX:
                response = "utter_survey_callback_promised" if callback else "utter_survey_feedback_passed"
            else:
                response = "utter_survey_thanks_promoter" if score >= PROMOTER_MIN else "utter_survey_thanks"
        dispatcher.utter_message(response=response)
        result = SurveyResult(outcome, language(tracker), score, tracker.get_slot("nps_reason"),
                              callback and outcome == SurveyOutcome.COMPLETED)
        dispatcher.utter_message(json_message=result.to_message())
        return [SlotSet(slot, 0.0 if slot == "nps_reask_count" else None) for slot in SURVEY_SLOTS]
