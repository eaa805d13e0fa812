"""The verification guard stops guessing: failures counted in the database per conversation, order and
client, across conversations, on SQLite and PostgreSQL."""

import uuid
from dataclasses import dataclass

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.order_requests import ActionAnswerOrderRequest
from actions.verification import ValidateVerifyForm
from contracts.handoff import HandoffSignal
from tests.actions.helpers import custom_messages, make_tracker, render, responses, run, slot_events

ANNAS_ORDER, ANNAS_EMAIL = "48213", "anna.nowak@example.pl"
WRONG = ["zly.adres@example.pl", "44-100", "00-001", "02-002", "99-999", "nie.ja@example.pl"]


@dataclass
class Turn:
    said: list[str]  # the responses the customer got, in order
    handoff: HandoffSignal | None
    verified: bool
    dispatchers: list[CollectingDispatcher]

    def texts(self, domain, language: str) -> list[str]:
        return [text for dispatcher in self.dispatchers for text in render(dispatcher, domain, language)]


class Chat:
    """One conversation giving order-number/contact pairs, run the way the engine runs the form:
    the validation action first, then the order request once the form has ended."""

    def __init__(self, domain, client: str | None = None, language: str = "pl") -> None:
        self.sender = f"chat-{uuid.uuid4().hex[:8]}"
        self.domain = domain
        self.metadata = {"client": client} if client else {}
        self.slots = {"language": language, "verification_failures": 0.0, "pending_request": "order_status"}

    def guess(self, order_number: str, contact: str) -> Turn:
        given = {"order_id": order_number, "verification_code": contact}
        events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": contact}]
        events += [{"event": "slot", "name": name, "value": value} for name, value in given.items()]
        tracker = self._tracker(contact, {**given, "requested_slot": "verification_code"}, events, "verify_form")
        form_events, form = run(ValidateVerifyForm(), tracker, self.domain)
        self.slots.update({**given, **slot_events(form_events)})
        verified = self.slots.get("verified_order") == order_number
        if not verified and slot_events(form_events).get("requested_slot", "asks") is not None:
            return Turn(responses(form), None, False, [form])  # the form asks again
        answer_events, answer = run(ActionAnswerOrderRequest(), self._tracker(contact), self.domain)
        self.slots.update(slot_events(answer_events))
        signals = [HandoffSignal.from_message(m) for m in custom_messages(answer)]
        return Turn(responses(form) + responses(answer), signals[0] if signals else None, verified, [form, answer])

    def restart_session(self) -> None:
        """The engine starts a new session (after a long pause): slots start from their initial values."""
        self.slots = {**self.slots, "verification_failures": 0.0}

    def _tracker(self, text: str, extra: dict | None = None, events: list | None = None, loop: str | None = None):
        return make_tracker(text, slots={**self.slots, **(extra or {})}, sender_id=self.sender,
                            metadata=self.metadata, events=events, active_loop=loop)


def miss(chat: Chat, times: int, order_number: str = ANNAS_ORDER) -> list[Turn]:
    return [chat.guess(order_number, WRONG[i % len(WRONG)]) for i in range(times)]


def test_a_sixth_guess_in_one_chat_is_never_checked(shop_for_actions, domain):
    chat = Chat(domain)
    first, second, third = miss(chat, 3)
    assert first.said == second.said == ["utter_verification_failed"]
    assert third.handoff.reason == "verification_failed" and third.said == ["utter_verification_handoff"]

    # The hole: after the handoff the old code reset the count, so the sixth guess was checked.
    fourth, fifth = miss(chat, 2)
    sixth = chat.guess(ANNAS_ORDER, ANNAS_EMAIL)
    for turn in (fourth, fifth, sixth):
        assert not turn.verified and turn.said == ["utter_verification_handoff"]
        assert "utter_verification_failed" not in turn.said  # no more "let's try again"

    chat.restart_session()  # the slot forgets; the database does not
    assert not chat.guess(ANNAS_ORDER, ANNAS_EMAIL).verified


def test_guesses_over_several_conversations_lock_the_order_even_for_the_right_pair(shop_for_actions, domain):
    miss(Chat(domain), 3)
    fourth, fifth = miss(Chat(domain), 2)
    assert fourth.said == ["utter_verification_failed"]
    # The fifth miss within the hour: no more tries, a person takes over at once.
    assert fifth.said == ["utter_verification_handoff"]
    assert (fifth.handoff.reason, fifth.handoff.priority) == ("suspected_guessing", "high")

    owner = Chat(domain, client="phone:+48601234567")
    refused = owner.guess(ANNAS_ORDER, ANNAS_EMAIL)
    assert not refused.verified and owner.slots.get("verified_order") is None
    assert refused.handoff.reason == "suspected_guessing" and refused.handoff.order_number == ANNAS_ORDER
    assert not refused.handoff.order_verified and refused.handoff.customer_email is None

    # Other orders are not affected.
    assert Chat(domain).guess("51734", "31-042").verified


@pytest.mark.parametrize("language", ["pl", "en"])
def test_the_locked_customer_is_told_a_person_will_help(shop_for_actions, domain, language):
    for _ in range(2):
        miss(Chat(domain, language=language), 3)
    turn = Chat(domain, language=language).guess(ANNAS_ORDER, ANNAS_EMAIL)
    assert turn.handoff.reason == "suspected_guessing"
    text = " ".join(turn.texts(domain, language))
    assert ("konsultant" if language == "pl" else "member of our team") in text
    assert "InPost" not in text and "Anna" not in text


def test_the_order_lock_ends_after_an_hour(shop_for_actions, domain, clock):
    miss(Chat(domain), 3)
    miss(Chat(domain), 2)
    clock.advance(minutes=59)
    assert not Chat(domain).guess(ANNAS_ORDER, ANNAS_EMAIL).verified
    clock.advance(minutes=2)
    turn = Chat(domain).guess(ANNAS_ORDER, ANNAS_EMAIL)
    assert turn.verified and turn.said == ["utter_order_status_shipped"]


def test_misses_older_than_the_window_do_not_lock_the_order(shop_for_actions, domain, clock):
    miss(Chat(domain), 3)
    clock.advance(minutes=61)
    last = miss(Chat(domain), 2)[-1]
    assert last.handoff is None and last.said == ["utter_verification_failed"]
    assert Chat(domain).guess(ANNAS_ORDER, ANNAS_EMAIL).verified


def test_a_client_is_locked_across_orders_and_conversations(shop_for_actions, domain):
    guesser = "ip:203.0.113.7"
    for order_number in ("48213", "51734", "36620"):  # three tries each: no order reaches its limit
        miss(Chat(domain, client=guesser), 3, order_number)
    tenth = miss(Chat(domain, client=guesser), 1, "27145")[0]
    assert tenth.handoff.reason == "suspected_guessing"

    refused = Chat(domain, client=guesser).guess("12874", "10115")
    assert not refused.verified and refused.handoff.reason == "suspected_guessing"
    # Everyone else still verifies, the tried orders included.
    assert Chat(domain, client="ip:198.51.100.20").guess("12874", "10115").verified
    assert Chat(domain, client="ip:198.51.100.20").guess("27145", "k.zielinska@example.pl").verified
