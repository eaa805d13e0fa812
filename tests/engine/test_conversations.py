"""Whole conversations with the trained assistant over the engine's channel, in both languages.

These talk to the real engine and action server against a real (SQLite) shop, and assert what a
customer would read.
"""

import pytest

from contracts.handoff import HandoffSignal

pytestmark = pytest.mark.engine


def verify(conversation, order_number, contact):
    conversation.say(order_number)
    return conversation.say(contact)


def test_polish_customer_checks_a_shipped_order(stack):
    chat = stack.conversation()
    assert "W czym mogę pomóc" in chat.say("Dzień dobry").text
    assert "numer zamówienia" in chat.say("gdzie jest moja paczka?").text
    assert "e-mail" in chat.say("48213").text
    reply = chat.say("anna.nowak@example.pl")
    tracking = stack.shop.get_order("48213").shipment.tracking_number
    assert "w drodze" in reply.text and tracking in reply.text


def test_english_customer_checks_a_shipped_order_with_the_postcode(stack):
    chat = stack.conversation()
    assert "order number" in chat.say("hi, where is my order?").text
    reply = verify(chat, "12874", "10115")
    assert "on its way" in reply.text and "DHL" in reply.text


def test_order_number_in_the_first_message_is_used(stack):
    chat = stack.conversation()
    assert "e-mail" in chat.say("what's the status of order 48213?").text
    assert "on its way" in chat.say("00-950").text


def test_keypad_digits_are_accepted(stack):
    chat = stack.conversation()
    chat.say("status zamówienia")
    assert "e-mail" in chat.say("4 8 2 1 3 #").text


def test_language_switch_mid_conversation(stack):
    chat = stack.conversation()
    assert "numer zamówienia" in chat.say("gdzie moja paczka").text
    reply = chat.say("sorry, I don't speak Polish. My order number is 48213")
    assert "e-mail address" in reply.text
    assert "on its way" in chat.say("anna.nowak@example.pl").text
    assert "pomóc" in chat.say("dzięki, to wszystko").text


@pytest.mark.parametrize("language", ["pl", "en"])
def test_three_wrong_answers_hand_off_without_saying_which_was_wrong(stack, language):
    chat = stack.conversation()
    chat.say("gdzie jest moja paczka" if language == "pl" else "where is my parcel")
    first = verify(chat, "48213", "zly.adres@example.pl")
    assert ("Spróbujmy jeszcze raz" if language == "pl" else "Let's try again") in first.text
    verify(chat, "48213", "31-042")
    last = verify(chat, "48213", "00-001")
    signal = HandoffSignal.from_message(last.custom[0])
    assert signal.reason == "verification_failed" and not signal.order_verified
    assert ("konsultant" if language == "pl" else "team") in last.text
    assert "anna" not in last.text.lower()


def test_late_parcel_gets_an_apology_and_a_person_on_yes(stack):
    chat = stack.conversation()
    chat.say("my parcel is late, where is it?")
    reply = verify(chat, "51734", "31-042")
    assert "sorry" in reply.text and [b["payload"] for b in reply.buttons] == ["/affirm", "/deny"]
    signal = HandoffSignal.from_message(chat.say("yes please").custom[0])
    assert signal.reason == "late_delivery" and signal.order_number == "51734" and signal.order_verified


def test_return_inside_the_window_creates_a_return_code(stack):
    chat = stack.conversation()
    chat.say("I want to return the boots I bought")
    reply = verify(chat, "36620", "anna.nowak@example.pl")
    code = stack.shop.get_order("36620").returns[0].code
    assert code in reply.text
    assert "can't be returned" in reply.text  # the underwear in the same order


def test_return_after_the_window_is_refused_with_the_reason(stack):
    chat = stack.conversation()
    chat.say("chcę zwrócić kurtkę")
    reply = verify(chat, "27145", "k.zielinska@example.pl")
    assert "termin zwrotu minął" in reply.text and "reklamac" in reply.text
    assert stack.shop.get_order("27145").returns == []


def test_cancellation_asks_first_and_then_cancels(stack):
    chat = stack.conversation()
    chat.say("chcę anulować zamówienie")
    question = verify(chat, "72951", "81-301")
    assert "Czy na pewno anulować" in question.text
    assert "anulowane" in chat.say("tak").text
    assert stack.shop.get_order("72951").status == "cancelled"


def test_address_change_before_shipping(stack):
    chat = stack.conversation()
    chat.say("I need to change the delivery address")
    assert "new delivery address" in verify(chat, "83307", "31-042").text
    assert "Done" in chat.say("ul. Nowa 5, 02-001 Warszawa").text
    assert stack.shop.get_order("83307").delivery_postcode == "02-001"


def test_double_charge_goes_to_a_person_with_the_details(stack):
    chat = stack.conversation()
    chat.say("pobrało mi pieniądze dwa razy za zamówienie")
    reply = verify(chat, "90215", "piotr.wisniewski@example.pl")
    signal = HandoffSignal.from_message(reply.custom[0])
    assert signal.reason == "payment_problem" and signal.details["diagnosis"] == "double_charge"
    assert "dwie płatności" in reply.text


def test_complaint_is_registered_and_handed_off(stack):
    chat = stack.conversation()
    assert "describe what happened" in chat.say("the headphones I received are broken, I want to file a complaint").text
    reply = chat.say("the left earbud does not charge at all")
    assert HandoffSignal.from_message(reply.custom[0]).reason == "complaint"
    assert "RK-" in reply.text


@pytest.mark.parametrize(("message", "expected"), [
    ("ile kosztuje wysyłka do Niemiec?", "Niemcy"),
    ("what are your opening hours?", "Mon–Fri"),
    ("ile mam dni na zwrot towaru?", "14 dni"),
    ("how long does delivery take?", "business day"),
])
def test_general_questions_need_no_verification(stack, message, expected):
    assert expected in stack.conversation().say(message).text


def test_person_on_request(stack):
    reply = stack.conversation().say("chcę rozmawiać z konsultantem")
    assert HandoffSignal.from_message(reply.custom[0]).reason == "customer_request"


def test_two_misses_in_a_row_offer_a_person(stack):
    # "/nlu_fallback" stands for a message below the NLU confidence threshold: which real
    # texts fall below it changes with every retraining, the dialogue's answer must not.
    chat = stack.conversation()
    chat.say("hello")
    assert "rephrase" in chat.say("/nlu_fallback").text
    offer = chat.say("/nlu_fallback")
    assert "connect you with a person" in offer.text and offer.buttons
    signal = HandoffSignal.from_message(chat.say("yes").custom[0])
    assert signal.reason == "repeated_fallback"


def test_one_miss_then_an_answer_resets_the_count(stack):
    chat = stack.conversation()
    chat.say("hello")
    chat.say("/nlu_fallback")
    chat.say("what are your opening hours?")
    assert "rephrase" in chat.say("/nlu_fallback").text


def test_voice_call_language_comes_from_the_call(stack):
    chat = stack.conversation(language="en", channel="voice")
    assert "e-mail address" in chat.say("48213").text


@pytest.mark.parametrize("language, request_, answer, question", [
    ("pl", "gdzie jest moja paczka?", "tak", "numer zamówienia"),
    ("en", "where is my order?", "yes", "order number"),
])
@pytest.mark.parametrize("wrong_number_first", [False, True], ids=["asked", "asked again"])
def test_a_reply_that_does_not_answer_the_question_gets_the_question_once_more(
        stack, language, request_, answer, question, wrong_number_first):
    # "yes" is understood, but no rule expects it here (Rasa's core fallback); "/nlu_fallback" is not understood.
    chat = stack.conversation(language=language)
    chat.say(request_)
    if wrong_number_first:
        chat.say("128128")
    for reply in (chat.say(answer), chat.say("/nlu_fallback")):
        assert len(reply.texts) == 2 and question in reply.texts[1], reply.texts
    assert "e-mail" in chat.say("12874").text  # the form goes on to the next question
