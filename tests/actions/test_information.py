"""General answers come from the policy file and the business calendar, in both languages."""

import pytest

from actions.information import ActionContactInfo, ActionDeliveryTime, ActionReturnPolicy, ActionShippingOptions
from tests.actions.helpers import make_tracker, render, responses, run


@pytest.mark.parametrize(("language", "ships", "arrives", "transit", "last_day"), [
    ("pl", "wyślemy paczkę w poniedziałek, 23 listopada", "dotrze we wtorek, 24 listopada", "(1 dzień roboczy od wysyłki)",
     "zamów i opłać do wtorku, 22 grudnia"),
    ("en", "we'll ship on Monday 23 November", "it arrives on Tuesday 24 November", "(1 business day after dispatch)",
     "order and pay by Tuesday 22 December"),
])
def test_delivery_time_uses_cutoff_business_days_and_the_christmas_deadline(shop_for_actions, domain, language,
                                                                             ships, arrives, transit, last_day):
    tracker = make_tracker("ile trwa dostawa", intent="delivery_time", slots={"language": language})
    _, dispatcher = run(ActionDeliveryTime(), tracker, domain)
    assert responses(dispatcher) == ["utter_delivery_time", "utter_holiday_deadline"]
    delivery, deadline = render(dispatcher, domain, language)
    # Monday 10:00, before the 14:00 cut-off: ships today, arrives Tuesday, each day in its phrase.
    assert "14:00" in delivery and ships in delivery and arrives in delivery and transit in delivery
    # 24 December is a public holiday in Poland; the last order day for delivery by the 23rd is the 22nd.
    assert last_day in deadline


def test_delivery_time_abroad_uses_the_international_carrier(shop_for_actions, domain):
    tracker = make_tracker("how long does delivery to Germany take", intent="delivery_time", slots={"language": "en"})
    _, dispatcher = run(ActionDeliveryTime(), tracker, domain)
    assert "Germany" in render(dispatcher, domain, "en")[0] and "DHL" in render(dispatcher, domain, "en")[0]


def test_shipping_options_for_poland_list_prices_and_free_threshold(shop_for_actions, domain):
    _, dispatcher = run(ActionShippingOptions(), make_tracker("jakie macie opcje dostawy", intent="shipping_options"), domain)
    options, free = render(dispatcher, domain, "pl")
    assert "Paczkomat InPost: 12,99 zł" in options
    assert "199,00 zł" in free


def test_shipping_options_for_germany_are_in_euro(shop_for_actions, domain):
    tracker = make_tracker("shipping to Germany?", intent="shipping_options", slots={"language": "en"})
    _, dispatcher = run(ActionShippingOptions(), tracker, domain)
    assert responses(dispatcher) == ["utter_shipping_options"]
    assert "€13.90" in render(dispatcher, domain, "en")[0]


def test_verified_order_over_the_threshold_ships_free(shop_for_actions, domain):
    tracker = make_tracker("a dostawa?", intent="shipping_options", slots={"order_id": "36620", "verified_order": "36620"})
    _, dispatcher = run(ActionShippingOptions(), tracker, domain)
    assert "Paczkomat InPost: 0,00 zł" in render(dispatcher, domain, "pl")[0]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_return_policy_and_contact_come_from_the_policy_file(shop_for_actions, domain, language, policy):
    _, dispatcher = run(ActionReturnPolicy(), make_tracker(slots={"language": language}), domain)
    text = render(dispatcher, domain, language)[0]
    assert ("masz 14 dni" if language == "pl" else "within 14 days") in text
    assert ("w ciągu 5 dni roboczych" if language == "pl" else "within 5 business days") in text
    assert policy.categories["underwear"].in_(language) in text
    _, dispatcher = run(ActionContactInfo(), make_tracker(slots={"language": language}), domain)
    text = render(dispatcher, domain, language)[0]
    assert policy.contact.phone in text and policy.contact.opening_hours.in_(language) in text
