"""Cancellation after a yes, and a new delivery address, change the real order."""

import pytest

from actions.handoff import ActionDeclineOffer
from actions.order_changes import ActionCancelOrder, ActionChangeAddress, ValidateAddressForm, parse_address
from tests.actions.helpers import make_tracker, render, responses, run, slot_events


def verified(order_number: str, **slots):
    return make_tracker("tak", intent="affirm", slots={"order_id": order_number, "verified_order": order_number, **slots})


def test_confirmed_cancellation_cancels_and_promises_the_refund(shop_for_actions, domain):
    events, dispatcher = run(ActionCancelOrder(), verified("72951", pending_confirmation="cancel_order"), domain)
    assert responses(dispatcher) == ["utter_order_cancelled_refund"]
    assert "zł" in render(dispatcher, domain, "pl")[0]
    assert shop_for_actions.get_order("72951").status == "cancelled"
    assert slot_events(events) == {"pending_confirmation": None}


def test_declined_cancellation_keeps_the_order(shop_for_actions, domain):
    _, dispatcher = run(ActionDeclineOffer(), verified("72951", pending_confirmation="cancel_order"), domain)
    assert responses(dispatcher) == ["utter_cancel_kept"]
    assert shop_for_actions.get_order("72951").status == "paid"


def test_cancellation_needs_verification(shop_for_actions, domain):
    tracker = make_tracker("yes", intent="affirm", slots={"order_id": "72951", "pending_confirmation": "cancel_order"})
    _, dispatcher = run(ActionCancelOrder(), tracker, domain)
    assert dispatcher.messages == []
    assert shop_for_actions.get_order("72951").status == "paid"


@pytest.mark.parametrize(
    ("text", "parts"),
    [("ul. Nowa 5, 02-001 Warszawa", ("ul. Nowa 5", "02-001", "Warszawa")),
     ("Marszałkowska 10/4 00-590 Warszawa", ("Marszałkowska 10/4", "00-590", "Warszawa")),
     ("12 Baker Street, NW1 6XE London", ("12 Baker Street", "NW1 6XE", "London"))],
)
def test_addresses_are_parsed(text, parts):
    address = parse_address(text)
    assert (address.street, address.postcode, address.city) == parts


@pytest.mark.parametrize("text", ["Warszawa", "ul. Nowa, Warszawa", "02-001", "ul. Nowa 5 02-001"])
def test_incomplete_addresses_are_refused(text, domain):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    assert ValidateAddressForm().validate_new_address(text, dispatcher, None, domain) == {"new_address": None}
    assert responses(dispatcher) == ["utter_invalid_new_address"]


def test_new_address_is_saved(shop_for_actions, domain):
    tracker = verified("83307", new_address="ul. Nowa 5, 02-001 Warszawa")
    events, dispatcher = run(ActionChangeAddress(), tracker, domain)
    assert responses(dispatcher) == ["utter_address_changed"]
    order = shop_for_actions.get_order("83307")
    assert (order.delivery_postcode, order.delivery_city) == ("02-001", "Warszawa")
    assert slot_events(events) == {"new_address": None, "next_step": None}
