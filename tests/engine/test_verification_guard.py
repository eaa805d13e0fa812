"""Issue 11, finding 2, on the real engine and action server: verification cannot be guessed, neither by
asking again in one chat nor by moving to new chats; the order is locked for everyone, the owner too."""

import pytest

from contracts.handoff import HandoffSignal

pytestmark = pytest.mark.engine

# Orders no other conversation test verifies: this test locks them, and unlocks them when done.
CASES = {
    "pl": dict(order="55870", owner="anna.nowak@example.pl", ask="gdzie jest moja paczka?",
               again="Spróbujmy jeszcze raz", person="konsultant", disclosed="zwrócone",
               wrong=["zly.adres@example.pl", "44-100", "02-002", "99-999", "nie.ja@example.pl"]),
    "en": dict(order="67342", owner="emma.clarke@example.co.uk", ask="where is my order?",
               again="Let's try again", person="member of our team", disclosed="delivered",
               wrong=["wrong@example.com", "00-001", "02-002", "99-999", "not.me@example.com"]),
}


def verify(chat, order_number, contact):
    chat.say(order_number)
    return chat.say(contact)


def handoff(reply) -> HandoffSignal:
    signals = [HandoffSignal.from_message(custom) for custom in reply.custom]
    assert signals, f"no handoff in {reply.text!r}"
    return signals[0]


@pytest.mark.parametrize("language", ["pl", "en"])
def test_guesses_in_one_chat_then_in_new_chats_lock_the_order_even_for_its_owner(stack, language):
    case = CASES[language]
    order, wrong = case["order"], case["wrong"]

    guesser = stack.conversation(client="ip:203.0.113.7")
    guesser.say(case["ask"])
    for contact in wrong[:2]:
        assert case["again"] in verify(guesser, order, contact).text
    third = verify(guesser, order, wrong[2])
    assert handoff(third).reason == "verification_failed" and case["person"] in third.text
    # The finding: asked again, the same chat's sixth guess was checked. Now nothing is checked there.
    assert handoff(guesser.say(case["ask"])).reason == "verification_failed"
    sixth = verify(guesser, order, case["owner"])
    assert case["disclosed"] not in sixth.text and not handoff(sixth).order_verified

    # A new chat from another address: the order's fifth miss within the hour locks it.
    elsewhere = stack.conversation(client="ip:198.51.100.23")
    elsewhere.say(case["ask"])
    assert case["again"] in verify(elsewhere, order, wrong[3]).text
    fifth = verify(elsewhere, order, wrong[4])
    assert handoff(fifth).reason == "suspected_guessing" and case["again"] not in fifth.text

    # The owner, with the right pair, from yet another address: refused, and a person is called.
    owner = stack.conversation(client="phone:+48601234567")
    owner.say(case["ask"])
    refused = verify(owner, order, case["owner"])
    signal = handoff(refused)
    assert (signal.reason, signal.priority, signal.order_number) == ("suspected_guessing", "high", order)
    assert case["person"] in refused.text and case["disclosed"] not in refused.text

    # Without the guard's records the same pair opens the order: it was the lock that refused it.
    stack.forget_guesses()
    control = stack.conversation(client="phone:+48601234567")
    control.say(case["ask"])
    assert case["disclosed"] in verify(control, order, case["owner"]).text
