"""A complaint becomes a case in the database and reaches a person with its description."""

from actions.complaints import ActionFileComplaint, ValidateComplaintForm
from contracts.handoff import HandoffSignal
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run


def test_complaint_opens_a_case_and_hands_off(shop_for_actions, domain):
    events = [{"event": "user", "text": "chcę złożyć reklamację", "parse_data": {"intent": {"name": "complaint"}}}]
    tracker = make_tracker("podeszwa odkleiła się po tygodniu", slots={
        "complaint_details": "podeszwa odkleiła się po tygodniu", "order_id": "36620", "verified_order": "36620"},
        events=events)
    _, dispatcher = run(ActionFileComplaint(), tracker, domain)
    assert responses(dispatcher) == ["utter_complaint_registered", "utter_handoff"]
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert signal.reason == "complaint" and signal.priority == "high"
    assert "reklamację" in signal.summary and "podeszwa" in signal.summary
    assert signal.details["case_code"] in render(dispatcher, domain, "pl")[0]


def test_too_short_description_is_asked_again(domain):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    assert ValidateComplaintForm().validate_complaint_details("zle", dispatcher, None, domain) == {"complaint_details": None}
    assert responses(dispatcher) == ["utter_complaint_too_short"]
