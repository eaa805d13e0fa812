"""Answers about a verified order, rendered in both languages from the real demo shop."""

import pytest

from actions.order_requests import ActionAnswerOrderRequest
from contracts.handoff import HandoffSignal
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run, slot_events


def ask(order_number: str, request: str, language: str = "pl"):
    return make_tracker("", slots={"order_id": order_number, "verified_order": order_number,
                                   "pending_request": request, "language": language})


@pytest.mark.parametrize("language", ["pl", "en"])
def test_shipped_order_status_names_carrier_tracking_and_delivery_day(shop_for_actions, domain, language):
    order = shop_for_actions.get_order("48213")
    events, dispatcher = run(ActionAnswerOrderRequest(), ask("48213", "order_status", language), domain)
    assert responses(dispatcher) == ["utter_order_status_shipped"]
    text = render(dispatcher, domain, language)[0]
    assert "InPost" in text and order.shipment.tracking_number in text
    assert ("w drodze" if language == "pl" else "in transit") in text
    assert events == []


@pytest.mark.parametrize("language", ["pl", "en"])
def test_late_order_apologises_and_offers_a_person(shop_for_actions, domain, language):
    events, dispatcher = run(ActionAnswerOrderRequest(), ask("51734", "order_status", language), domain)
    assert responses(dispatcher) == ["utter_order_status_late"]
    text = render(dispatcher, domain, language)[0]
    assert ("przepraszam" if language == "pl" else "sorry") in text.lower()
    assert ("Miało dotrzeć we wtorek, 17 listopada." if language == "pl" else "It was due on Tuesday 17 November.") in text
    assert slot_events(events) == {"pending_confirmation": "handoff", "handoff_reason": "late_delivery"}


@pytest.mark.parametrize(
    ("order_number", "response"),
    [("60418", "utter_order_status_awaiting_payment"), ("72951", "utter_order_status_paid"),
     ("83307", "utter_order_status_packed"), ("36620", "utter_order_status_delivered"),
     ("19582", "utter_order_status_cancelled"), ("44096", "utter_order_status_return_requested"),
     ("55870", "utter_order_status_refunded")],
)
def test_every_order_state_has_its_answer(shop_for_actions, domain, order_number, response):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask(order_number, "order_status"), domain)
    assert responses(dispatcher) == [response]
    for language in ("pl", "en"):
        assert order_number in render(dispatcher, domain, language)[0]


def test_return_gives_a_code_and_names_excluded_items(shop_for_actions, domain):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("36620", "start_return", "en"), domain)
    assert responses(dispatcher) == ["utter_return_created", "utter_return_items_excluded"]
    created, excluded = render(dispatcher, domain, "en")
    code = shop_for_actions.get_order("36620").returns[0].code
    assert code in created and "Botki" in created
    assert "Biustonosz" in excluded


@pytest.mark.parametrize(
    ("order_number", "response", "expected"),
    [("27145", "utter_return_window_expired", "w ciągu 14 dni od doręczenia"), ("48213", "utter_return_not_delivered", "48213"),
     ("25519", "utter_return_nothing_returnable", "Karta podarunkowa")],
)
def test_ineligible_returns_explain_why(shop_for_actions, domain, order_number, response, expected):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask(order_number, "start_return"), domain)
    assert responses(dispatcher) == [response]
    assert expected in render(dispatcher, domain, "pl")[0]
    assert shop_for_actions.get_order(order_number).returns == []


@pytest.mark.parametrize(
    ("order_number", "response"),
    [("19582", "utter_refund_sent"), ("44096", "utter_refund_pending"), ("48213", "utter_refund_none")],
)
def test_refund_status(shop_for_actions, domain, order_number, response):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask(order_number, "refund_status", "en"), domain)
    assert responses(dispatcher) == [response]
    render(dispatcher, domain, "en")


def test_cancellation_is_confirmed_first(shop_for_actions, domain):
    events, dispatcher = run(ActionAnswerOrderRequest(), ask("72951", "cancel_order"), domain)
    assert responses(dispatcher) == ["utter_confirm_cancel"]
    assert slot_events(events) == {"pending_confirmation": "cancel_order"}
    assert shop_for_actions.get_order("72951").status == "paid"


def test_shipped_order_cannot_be_cancelled_and_return_is_offered(shop_for_actions, domain):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("48213", "cancel_order", "en"), domain)
    assert responses(dispatcher) == ["utter_cancel_too_late"]
    assert "return" in render(dispatcher, domain, "en")[0]


def test_address_change_asks_for_the_address_only_before_shipping(shop_for_actions, domain):
    events, dispatcher = run(ActionAnswerOrderRequest(), ask("83307", "change_address"), domain)
    assert slot_events(events) == {"next_step": "ask_new_address"} and dispatcher.messages == []
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("48213", "change_address"), domain)
    assert responses(dispatcher) == ["utter_address_too_late"]


@pytest.mark.parametrize(("order_number", "diagnosis"), [("90215", "double_charge"), ("38461", "paid_but_unpaid")])
def test_payment_trouble_that_needs_money_moved_goes_to_a_person(shop_for_actions, domain, order_number, diagnosis):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask(order_number, "payment_problem"), domain)
    assert responses(dispatcher) == [f"utter_payment_{diagnosis}", "utter_handoff"]
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert signal.reason == "payment_problem" and signal.order_number == order_number
    assert signal.order_verified and signal.customer_email and signal.details["diagnosis"] == diagnosis


def test_failed_blik_payment_explains_and_links_to_pay_again(shop_for_actions, domain):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("60418", "payment_problem"), domain)
    assert responses(dispatcher) == ["utter_payment_failed"]
    text = render(dispatcher, domain, "pl")[0]
    assert "BLIK" in text and "/zamowienie/60418/platnosc" in text
    assert custom_messages(dispatcher) == []


def test_invoice_link_or_when_it_will_come(shop_for_actions, domain):
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("48213", "get_invoice"), domain)
    assert responses(dispatcher) == ["utter_invoice_available"]
    number = shop_for_actions.get_order("48213").invoices[0].number
    assert number in render(dispatcher, domain, "en")[0]
    _, dispatcher = run(ActionAnswerOrderRequest(), ask("72951", "get_invoice"), domain)
    assert responses(dispatcher) == ["utter_invoice_pending"]
