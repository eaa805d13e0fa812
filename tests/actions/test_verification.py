"""Verification: no order detail before order number + e-mail/postcode match; never says which was wrong."""

import asyncio

import pytest

from actions.order_requests import ActionAnswerOrderRequest
from actions.verification import ValidateVerifyForm
from contracts.handoff import HandoffSignal
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run, slot_events


def validate(tracker, domain):
    return run(ValidateVerifyForm(), tracker, domain)


def form_tracker(text, slots, requested, events_slots):
    """A tracker inside verify_form where `events_slots` were just filled by this message."""
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in events_slots.items()]
    return make_tracker(text, slots={**slots, **events_slots, "requested_slot": requested},
                        active_loop="verify_form", events=events)


def test_matching_pair_verifies_the_order(shop_for_actions, domain):
    tracker = form_tracker("anna.nowak@example.pl", {"order_id": "48213"}, "verification_code",
                           {"verification_code": "anna.nowak@example.pl"})
    events, dispatcher = validate(tracker, domain)
    assert slot_events(events)["verified_order"] == "48213"
    assert responses(dispatcher) == []


@pytest.mark.parametrize("contact", ["piotr.wisniewski@example.pl", "31-042"])
def test_wrong_pair_is_reasked_in_full_without_saying_which_part_was_wrong(shop_for_actions, domain, contact):
    tracker = form_tracker(contact, {"order_id": "48213"}, "verification_code", {"verification_code": contact})
    events, dispatcher = validate(tracker, domain)
    slots = slot_events(events)
    assert slots["order_id"] is None and slots["verification_code"] is None
    assert slots["verified_order"] is None
    assert slots["verification_failures"] == 1
    assert responses(dispatcher) == ["utter_verification_failed"]
    for language in ("pl", "en"):
        text = render(dispatcher, domain, language)[0].lower()
        assert "e-mail" not in text and "postcode" not in text and "kod" not in text


def test_unknown_order_gets_the_same_answer_as_a_wrong_email(shop_for_actions, domain):
    tracker = form_tracker("x@example.pl", {"order_id": "99999"}, "verification_code", {"verification_code": "x@example.pl"})
    _, dispatcher = validate(tracker, domain)
    assert responses(dispatcher) == ["utter_verification_failed"]


def test_third_miss_ends_the_form_and_hands_off(shop_for_actions, domain):
    tracker = form_tracker("zly@example.pl", {"order_id": "48213", "verification_failures": 2.0},
                           "verification_code", {"verification_code": "zly@example.pl"})
    events, dispatcher = validate(tracker, domain)
    assert responses(dispatcher) == []  # no "let's try again" on the last attempt
    assert {"event": "slot", "name": "requested_slot", "value": None, "timestamp": None} in events

    after = make_tracker("", slots={"verification_failures": 3.0, "order_id": "48213"})
    events, dispatcher = run(ActionAnswerOrderRequest(), after, domain)
    assert responses(dispatcher) == ["utter_verification_handoff"]
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert (signal.reason, signal.priority, signal.order_verified) == ("verification_failed", "high", False)
    assert signal.order_number == "48213"  # the agent sees which order was tried
    assert events == []  # the count is not reset: the handoff buys no more guesses


def test_keypad_digits_fill_the_order_number(shop_for_actions, domain):
    tracker = make_tracker("4 8 2 1 3 #", slots={"requested_slot": "order_id"}, active_loop="verify_form")
    assert ValidateVerifyForm().extract_order_id(None, tracker, domain) == {"order_id": "48213"}


def test_five_digit_answer_to_the_postcode_question_is_a_postcode(shop_for_actions, domain):
    tracker = make_tracker("10115", slots={"requested_slot": "verification_code", "order_id": "12874"},
                           active_loop="verify_form")
    assert ValidateVerifyForm().extract_verification_code(None, tracker, domain) == {"verification_code": "10115"}
    tracker = form_tracker("10115", {"order_id": "12874"}, "verification_code", {"verification_code": "10115"})
    events, _ = validate(tracker, domain)
    assert slot_events(events)["verified_order"] == "12874"


def test_malformed_order_number_is_explained(shop_for_actions, domain):
    tracker = form_tracker("4821", {}, "order_id", {"order_id": "4821"})
    events, dispatcher = validate(tracker, domain)
    assert slot_events(events)["order_id"] is None
    assert responses(dispatcher) == ["utter_invalid_order_id"]
    # the shop's numbers differ in length: the answer says where the customer finds theirs
    assert "order confirmation e-mail" in render(dispatcher, domain, "en")[0]
    assert "e-mailu z potwierdzeniem" in render(dispatcher, domain, "pl")[0]


def test_no_details_without_verification(shop_for_actions, domain):
    tracker = make_tracker("where is order 48213", slots={"order_id": "48213", "pending_request": "order_status"})
    events, dispatcher = run(ActionAnswerOrderRequest(), tracker, domain)
    assert dispatcher.messages == [] and events == []


def test_verification_of_another_order_does_not_carry_over(shop_for_actions, domain):
    tracker = make_tracker("", slots={"order_id": "51734", "verified_order": "48213", "pending_request": "order_status"})
    _, dispatcher = run(ActionAnswerOrderRequest(), tracker, domain)
    assert dispatcher.messages == []


def test_required_slots_stop_after_three_misses(shop_for_actions, domain):
    form = ValidateVerifyForm()
    tracker = make_tracker("", slots={"verification_failures": 3.0})
    assert asyncio.run(form.required_slots(["order_id", "verification_code"], None, tracker, domain)) == []


def test_a_conversation_vouched_for_its_order_answers_where_is_my_order_at_once(shop_for_actions, domain):
    """A reply to the shop's delay notice: the gateway says the conversation's order (vouched_order)."""
    tracker = make_tracker("Gdzie jest moja paczka?", intent="order_status", active_loop="verify_form",
                           metadata={"channel": "sms", "vouched_order": "51734"})
    events, dispatcher = validate(tracker, domain)
    slots = slot_events(events)
    assert (slots["order_id"], slots["verified_order"]) == ("51734", "51734") and slots["verification_code"]
    assert responses(dispatcher) == []  # no question for the order number or a second factor

    answered = make_tracker("", slots={**slots, "pending_request": "order_status"})
    _, dispatcher = run(ActionAnswerOrderRequest(), answered, domain)
    for language in ("pl", "en"):
        assert "51734" in render(dispatcher, domain, language)[0]


def test_a_vouched_order_opens_no_other_order(shop_for_actions, domain):
    tracker = form_tracker("a zamówienie 48213?", {}, None, {"order_id": "48213"})
    tracker.latest_message["metadata"] = {"channel": "sms", "vouched_order": "51734"}
    events, _ = validate(tracker, domain)
    assert not slot_events(events).get("verified_order")
