"""Customers a channel proved, with the real engine: the gateway tells it who they are (an e-mail
address that passed DMARC, a caller's number with STIR/SHAKEN attestation A) and which order they
verified last time; the bot then needs no second factor, and on the phone it asks whether the
call is about that order. In Polish and English."""

import pytest

ANNA = {"language": "pl", "email": "anna.nowak@example.pl", "phone": "+48601234567", "order": "48213",
        "carrier": "InPost", "question": "Gdzie jest moja paczka?", "yes": "tak", "no": "nie",
        "offer": "w sprawie zamówienia 48213", "ask_number": "numer zamówienia"}
JOHN = {"language": "en", "email": "john.miller@example.com", "phone": "+4915112345678", "order": "12874",
        "carrier": "DHL", "question": "Where is my parcel?", "yes": "yes", "no": "no",
        "offer": "about order 12874", "ask_number": "order number"}


@pytest.mark.parametrize("customer", [ANNA, JOHN], ids=["pl", "en"])
def test_a_caller_the_network_vouched_for_is_asked_about_their_last_order_and_needs_no_more(stack, customer):
    chat = stack.conversation(language=customer["language"], channel="voice", proven_phone=customer["phone"],
                              known_order=customer["order"])
    offer = chat.say(customer["question"])
    assert customer["offer"] in offer.text, offer.text
    status = chat.say(customer["yes"])
    assert customer["order"] in status.text and customer["carrier"] in status.text, status.text


@pytest.mark.parametrize("customer", [ANNA, JOHN], ids=["pl", "en"])
def test_a_caller_who_says_no_is_not_offered_the_order_again(stack, customer):
    chat = stack.conversation(language=customer["language"], channel="voice", proven_phone=customer["phone"],
                              known_order=customer["order"])
    chat.say(customer["question"])
    chat.say(customer["no"])  # the bot lets the question go, as with any "no" to verification
    asked = chat.say(customer["question"])
    assert customer["ask_number"] in asked.text.lower() and customer["offer"] not in asked.text, asked.text


@pytest.mark.parametrize("customer", [ANNA, JOHN], ids=["pl", "en"])
def test_a_proven_email_sender_gets_their_last_order_at_once(stack, customer):
    chat = stack.conversation(language=customer["language"], channel="email", proven_email=customer["email"],
                              known_order=customer["order"])
    status = chat.say(customer["question"])
    assert customer["order"] in status.text and customer["carrier"] in status.text, status.text


@pytest.mark.parametrize("customer", [ANNA, JOHN], ids=["pl", "en"])
def test_a_caller_the_network_did_not_vouch_for_is_offered_no_order(stack, customer):
    chat = stack.conversation(language=customer["language"], channel="voice")
    asked = chat.say(customer["question"])
    assert customer["ask_number"] in asked.text.lower() and customer["offer"] not in asked.text, asked.text
