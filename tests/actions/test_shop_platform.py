"""The actions on a shop platform (WooCommerce's real adapter against its local fake): answers come
from the platform, and a platform that does not answer gets the customer a clear "I can't check
orders right now" and a person, never a guess, in both languages."""

import pytest

from actions.order_changes import ActionCancelOrder
from actions.order_requests import ActionAnswerOrderRequest
from actions.shop_access import use_shop, use_verification_guard
from contracts.handoff import HandoffSignal
from shop.settings import shop_settings
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run, slot_events
from tests.actions.test_verification import form_tracker, validate
from tests.shop.platforms.conftest import platform_shop_on


@pytest.fixture
def woo(shop_platforms, migrated_template, tmp_path, policy, monkeypatch):
    monkeypatch.setenv("KOLIBER_ORDER_NUMBER_DIGITS", "4-6")  # the scenario's WooCommerce numbers have four
    shop_settings.cache_clear()
    for shop in platform_shop_on(shop_platforms["woocommerce"], migrated_template, tmp_path, policy):
        use_shop(shop.service)
        use_verification_guard(shop.sessions, shop.clock)
        yield shop
        use_shop(None)
        use_verification_guard(None)
    shop_settings.cache_clear()


def ask(order_number: str, request: str, language: str):
    return make_tracker("", slots={"order_id": order_number, "verified_order": order_number,
                                   "pending_request": request, "language": language})


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_status_of_an_order_comes_from_the_platform(woo, domain, language):
    order = woo.orders["in_transit"]
    _, dispatcher = run(ActionAnswerOrderRequest(), ask(order.number, "order_status", language), domain)
    # WooCommerce's Shipment Tracking knows the parcel, not the carrier's scans: no empty "latest update".
    assert responses(dispatcher) == ["utter_order_status_shipped_untracked"]
    text = render(dispatcher, domain, language)[0]
    assert "InPost" in text and order.shipment.tracking_number in text
    assert " — , " not in text and ", , " not in text


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_platform_that_is_down_gets_a_clear_answer_and_a_person(woo, domain, language):
    woo.fake.faults.down = True
    number = woo.number("in_transit")
    events, dispatcher = run(ActionAnswerOrderRequest(), ask(number, "order_status", language), domain)
    assert responses(dispatcher) == ["utter_shop_unavailable"]
    text = render(dispatcher, domain, language)[0]
    assert ("nie mogę teraz sprawdzić zamówień" if language == "pl" else "can't check orders right now") in text.lower()
    signal = HandoffSignal.from_message(custom_messages(dispatcher)[0])
    assert (signal.reason, signal.priority, signal.order_number) == ("shop_unavailable", "high", number)
    assert slot_events(events) == {"pending_confirmation": None, "handoff_reason": None}


def test_verification_while_the_platform_is_down_ends_the_form_without_counting_a_miss(woo, domain):
    woo.fake.faults.down = True
    tracker = form_tracker("anna.nowak@example.pl", {"order_id": woo.number("paid")}, "verification_code",
                           {"verification_code": "anna.nowak@example.pl"})
    events, dispatcher = validate(tracker, domain)
    assert responses(dispatcher) == ["utter_shop_unavailable"]
    slots = slot_events(events)
    assert slots["requested_slot"] is None and "verification_failures" not in slots
    assert HandoffSignal.from_message(custom_messages(dispatcher)[0]).reason == "shop_unavailable"


def test_a_cancellation_the_customer_confirmed_is_made_on_the_platform(woo, domain):
    number = woo.number("paid")
    tracker = make_tracker("tak", intent="affirm", slots={"order_id": number, "verified_order": number,
                                                          "pending_confirmation": "cancel_order"})
    _, dispatcher = run(ActionCancelOrder(), tracker, domain)
    assert responses(dispatcher) == ["utter_order_cancelled_refund"]
    assert woo.fake.order(number)["status"] == "cancelled"
    assert woo.service.get_order(number).status == "cancelled"

