"""A reply to the shop's delay notice, with the real engine: the gateway says which order the
conversation is about (the notice went to the order's own number), so "where is my parcel?" is
answered with that order's status at once, in Polish and English, and no other order is opened."""

import pytest

PIOTR = {"language": "pl", "order": "51734", "question": "Gdzie jest moja paczka?", "says": ["opóźnione", "DPD"],
         "other": "Gdzie jest zamówienie 48213?"}
JOHN = {"language": "en", "order": "12874", "question": "Where is my parcel?", "says": ["DHL"],
        "other": "Where is order 48213?"}


@pytest.mark.parametrize("customer", [PIOTR, JOHN], ids=["pl", "en"])
def test_a_reply_to_a_delay_notice_gets_the_orders_status_without_verification(stack, customer):
    chat = stack.conversation(language=customer["language"], channel="sms", vouched_order=customer["order"])
    status = chat.say(customer["question"])
    assert customer["order"] in status.text and all(word in status.text for word in customer["says"]), status.text

    other = stack.conversation(language=customer["language"], channel="sms", vouched_order=customer["order"])
    asked = other.say(customer["other"])  # another order still needs its second factor
    assert "e-mail" in asked.text and "48213" not in asked.text, asked.text
