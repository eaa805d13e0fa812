"""Handoff signals: a person when asked, after two misses in a row, and with what the bot knows."""

from rasa_sdk.events import FollowupAction

from actions.handoff import ActionDeclineOffer, ActionFallback, ActionHandoff
from contracts.handoff import HandoffSignal
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run, slot_events


def test_customer_request_hands_off_with_verified_order(shop_for_actions, domain):
    tracker = make_tracker("chcę rozmawiać z człowiekiem", intent="request_human",
                           slots={"order_id": "48213", "verified_order": "48213"})
    _, dispatcher = run(ActionHandoff(), tracker, domain)
    assert responses(dispatcher) == ["utter_handoff"]
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert signal.reason == "customer_request" and signal.priority == "normal"
    assert signal.order_verified and signal.customer_email == "anna.nowak@example.pl"
    assert signal.language == "pl"


def test_unverified_customer_is_handed_off_without_order_details(shop_for_actions, domain):
    tracker = make_tracker("human please", intent="request_human", slots={"order_id": "48213", "language": "en"})
    _, dispatcher = run(ActionHandoff(), tracker, domain)
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert not signal.order_verified and signal.customer_email is None and signal.customer_id is None


def said(*intents: str) -> list[dict]:
    """The customer's messages, as the engine records them, with what each was understood as."""
    return [event for intent in intents for event in (
        {"event": "action", "name": "action_listen"}, {"event": "user", "parse_data": {"intent": {"name": intent}}})]


def test_first_miss_asks_to_rephrase_second_offers_a_person(shop_for_actions, domain):
    first_miss = make_tracker("blah", intent="nlu_fallback", events=said("nlu_fallback"))
    events, dispatcher = run(ActionFallback(), first_miss, domain)
    assert responses(dispatcher) == ["utter_ask_rephrase"] and events == []
    understood_between = make_tracker("blah", intent="nlu_fallback",
                                      events=said("nlu_fallback", "greet", "nlu_fallback"))
    _, dispatcher = run(ActionFallback(), understood_between, domain)
    assert responses(dispatcher) == ["utter_ask_rephrase"]
    second_miss = make_tracker("blah", intent="nlu_fallback", events=said("greet", "nlu_fallback", "nlu_fallback"))
    events, dispatcher = run(ActionFallback(), second_miss, domain)
    assert responses(dispatcher) == ["utter_offer_human"]
    assert slot_events(events) == {"pending_confirmation": "handoff", "handoff_reason": "repeated_fallback"}
    assert render(dispatcher, domain, "en")


def test_a_message_no_rule_expects_gets_one_answer_and_ends_the_turn(shop_for_actions, domain):
    # Rasa's core fallback: understood ("yes"), but nothing in the dialogue expects it here.
    outside_a_form = make_tracker("yes", intent="affirm", slots={"language": "en"}, events=said("affirm"))
    events, dispatcher = run(ActionFallback(), outside_a_form, domain)
    assert responses(dispatcher) == ["utter_ask_rephrase"] and events == [FollowupAction("action_listen")]
    in_a_form = make_tracker("tak", intent="affirm", slots={"requested_slot": "order_id"}, active_loop="verify_form",
                             events=said("affirm"))
    events, dispatcher = run(ActionFallback(), in_a_form, domain)
    assert responses(dispatcher) == ["utter_not_an_answer", "utter_ask_order_id"]
    assert events == [FollowupAction("action_listen")] and render(dispatcher, domain, "pl")


def test_accepted_offer_carries_the_reason(shop_for_actions, domain):
    tracker = make_tracker("tak", intent="affirm", slots={"pending_confirmation": "handoff", "handoff_reason": "repeated_fallback"})
    _, dispatcher = run(ActionHandoff(), tracker, domain)
    assert HandoffSignal.from_message(custom_messages(dispatcher)[0]).reason == "repeated_fallback"


def test_declined_offer_hands_nothing_off(shop_for_actions, domain):
    tracker = make_tracker("nie", intent="deny", slots={"pending_confirmation": "handoff"})
    events, dispatcher = run(ActionDeclineOffer(), tracker, domain)
    assert responses(dispatcher) == ["utter_anything_else"] and custom_messages(dispatcher) == []


def test_signal_round_trips_and_rejects_unknown_reasons():
    signal = HandoffSignal(reason="complaint", language="en", order_number="36620", summary="broken")
    assert HandoffSignal.from_message(signal.to_message()) == signal
    assert signal.priority == "high"
    assert HandoffSignal.from_message({"type": "other"}) is None
    try:
        HandoffSignal(reason="bored", language="pl")
    except ValueError:
        pass
    else:
        raise AssertionError("unknown reason accepted")
