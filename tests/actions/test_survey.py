"""The NPS survey's form logic and its ending, in both languages."""

import asyncio

import pytest

from actions.survey import ActionFinishSurvey, ValidateSurveyForm
from contracts.survey_result import SurveyOutcome, SurveyResult
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run

FORM = ValidateSurveyForm()


def required(slots: dict) -> list[str]:
    return asyncio.run(FORM.required_slots([], None, make_tracker(slots=slots), {}))


def validate(slot: str, text: str, intent: str = "inform", language: str = "pl", slots: dict | None = None,
             metadata: dict | None = None):
    from rasa_sdk.executor import CollectingDispatcher
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text, intent, {"language": language, **(slots or {})}, metadata=metadata)
    return getattr(FORM, f"validate_{slot}")(text, dispatcher, tracker, {}), responses(dispatcher)


def test_only_what_the_answers_so_far_need_is_asked():
    assert required({}) == ["survey_consent"]
    assert required({"survey_consent": "no"}) == ["survey_consent"]
    assert required({"survey_consent": "yes"}) == ["survey_consent", "nps_score"]
    assert required({"survey_consent": "yes", "nps_candidate": "7"}) == ["survey_consent", "nps_confirmation"]
    assert required({"survey_consent": "yes", "nps_score": "9"}) == ["survey_consent", "nps_score", "nps_reason"]
    assert required({"survey_consent": "yes", "nps_score": "4"})[-1] == "survey_callback"
    assert required({"survey_consent": "yes", "nps_reask_count": 3.0}) == ["survey_consent"]
    # Mid-extraction the slot holds the raw answer, not yet a score.
    assert required({"survey_consent": "yes", "nps_score": "osiem na dziesięć"}) == ["survey_consent", "nps_score"]


@pytest.mark.parametrize("text, language, score", [("osiem na dziesięć", "pl", "8"), ("a solid nine", "en", "9"),
                                                   ("10/10", "en", "10"), ("3", "pl", "3")])
def test_a_clear_score_is_taken(text, language, score):
    assert validate("nps_score", text, language=language)[0] == {"nps_score": score}


def test_an_unsure_score_is_read_back_and_a_low_confidence_one_too():
    assert validate("nps_score", "chyba siedem")[0] == {"nps_score": None, "nps_candidate": "7"}
    heard_badly = validate("nps_score", "nine", language="en", metadata={"speech_confidence": 0.2})[0]
    assert heard_badly == {"nps_score": None, "nps_candidate": "9"}
    assert validate("nps_confirmation", "yes", "affirm", "en", {"nps_candidate": "9"})[0]["nps_score"] == "9"
    assert validate("nps_confirmation", "nie", "deny", slots={"nps_candidate": "7"})[0] == \
        {"nps_candidate": None, "nps_confirmation": None}
    assert validate("nps_confirmation", "no, eight", "deny", "en", {"nps_candidate": "9"})[0]["nps_score"] == "8"


def test_nonsense_is_asked_again_and_no_ends_the_survey():
    result, said = validate("nps_score", "banan", "out_of_scope")
    assert result == {"nps_score": None, "nps_reask_count": 1.0} and said == ["utter_survey_score_not_understood"]
    assert validate("nps_score", "nie chcę", "deny")[0] == {"nps_score": None, "survey_consent": "no"}
    assert validate("nps_score", "don't call me again", "stop_calling", "en")[0] == {"nps_score": None}


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("slots, outcome, response", [
    ({"survey_consent": "no"}, SurveyOutcome.REFUSED, "utter_survey_declined"),
    ({"survey_consent": "opt_out"}, SurveyOutcome.OPTED_OUT, "utter_survey_opted_out"),
    ({}, SurveyOutcome.OPTED_OUT, "utter_survey_opted_out"),  # "don't call me again" outside a survey
    ({"survey_consent": "yes", "nps_reask_count": 3.0}, SurveyOutcome.INCOMPLETE, "utter_survey_no_score"),
    ({"survey_consent": "yes", "nps_score": "10", "nps_reason": "super"}, SurveyOutcome.COMPLETED,
     "utter_survey_thanks_promoter"),
    ({"survey_consent": "yes", "nps_score": "7", "nps_reason": "ok"}, SurveyOutcome.COMPLETED, "utter_survey_thanks"),
    ({"survey_consent": "yes", "nps_score": "2", "nps_reason": "zła", "survey_callback": True},
     SurveyOutcome.COMPLETED, "utter_survey_callback_promised"),
    ({"survey_consent": "yes", "nps_score": "2", "nps_reason": "zła", "survey_callback": False},
     SurveyOutcome.COMPLETED, "utter_survey_feedback_passed"),
])
def test_the_survey_ends_in_the_customers_language_and_reports_its_result(domain, language, slots, outcome, response):
    events, dispatcher = run(ActionFinishSurvey(), make_tracker(slots={"language": language, **slots}), domain)
    assert responses(dispatcher) == [response]
    assert render(dispatcher, domain, language)
    [result] = [SurveyResult.from_message(m) for m in custom_messages(dispatcher)]
    assert result.outcome == outcome and result.language == language
    assert result.callback_requested == bool(slots.get("survey_callback"))
    assert all(e["value"] in (None, 0.0) for e in events)  # a later survey starts clean
