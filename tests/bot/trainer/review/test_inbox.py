"""Which messages reach the review inbox, and why, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel
from bot.models.review import ReviewAction, ReviewDecision
from bot.trainer.review.inbox import InboxFilters, Reason, find_missed_messages
from db.sessions import session_factory, unit_of_work
from tests.bot.trainer.inbox_data import REPHRASE_EN, REPHRASE_PL, REPHRASE_TEXTS, T0, Chat

THRESHOLD = 0.4


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


def missed(sessions, **filters) -> dict[str, frozenset[Reason]]:
    with sessions() as session:
        return {m.text: m.reasons for m in find_missed_messages(session, InboxFilters(**filters), THRESHOLD,
                                                                  REPHRASE_TEXTS)}


def test_each_rule_picks_its_messages_and_nothing_else(sessions):
    with unit_of_work(sessions) as session:
        chat = Chat(session)
        chat.customer("dzień dobry", "greet", 0.95)  # understood: never listed
        chat.bot("Dzień dobry!")
        chat.customer("gdzie paczuszka", "order_status", 0.31)
        chat.bot("Podaj numer zamówienia.")
        chat.customer("asdf qwerty", "nlu_fallback", 0.2)
        chat.bot(REPHRASE_PL)
        chat.customer("zamówienie mi się zgubiło", "order_status", 0.9)  # confident, yet the core fell back
        chat.bot(REPHRASE_PL)
        chat.customer("Tak", "affirm", 0.99, payload="/affirm")  # a button: not the customer's words

        handed = Chat(session)
        handed.customer("nic nie rozumiesz", "deny", 0.8)
        handed.ticket("repeated_fallback")
        handed.customer("halo?", None, None)  # while queued, after the ticket: not "right before" it

        designed = Chat(session)
        designed.customer("chcę złożyć reklamację", "complaint", 0.9)
        designed.ticket("complaint")  # complaints go to a person by design
        designed.customer("daj mi człowieka", "request_human", 0.9)
        designed.ticket("customer_request")  # asked for a person and got one

        corrected = Chat(session, language="en", channel=Channel.SMS)
        corrected.customer("hello", "greet", 0.9)
        corrected.bot("Hi!")
        corrected.customer("my parcel came damaged", "return_policy", 0.7)
        corrected.bot("Our return policy is...")
        corrected.ticket("complaint")
        corrected.agent("Sorry to hear that, I'll open a complaint for you.")
        corrected.customer("thanks", None, None)  # answered by the person: no intent to correct

    assert missed(sessions) == {
        "gdzie paczuszka": {Reason.LOW_CONFIDENCE},
        "asdf qwerty": {Reason.FALLBACK, Reason.REPHRASE},
        "zamówienie mi się zgubiło": {Reason.REPHRASE},
        "nic nie rozumiesz": {Reason.HANDOFF},
        "my parcel came damaged": {Reason.AGENT},
    }


def test_the_second_miss_offering_a_person_counts_as_a_rephrase(sessions):
    with unit_of_work(sessions) as session:
        chat = Chat(session, language="en")
        chat.customer("blorp", "nlu_fallback", 0.1)
        chat.bot(REPHRASE_EN)
        chat.customer("zzz", "nlu_fallback", 0.1)
        chat.bot("I still don't understand, sorry. Would you like me to connect you with a person?")
    assert missed(sessions) == {"blorp": {Reason.FALLBACK, Reason.REPHRASE},
                                "zzz": {Reason.FALLBACK, Reason.REPHRASE}}


def test_decided_messages_leave_the_inbox(sessions):
    with unit_of_work(sessions) as session:
        trainer = create_agent(session, "tr", "Trainer", "trainer-password", ["pl"])
        chat = Chat(session)
        done = chat.customer("co z moja paka", "nlu_fallback", 0.2)
        chat.customer("paka gdzie", "nlu_fallback", 0.2)
        session.add(ReviewDecision(message_id=done.id, action=ReviewAction.DISMISSED, agent_id=trainer.id,
                                   decided_at=T0))
    assert set(missed(sessions)) == {"paka gdzie"}


def test_filters_by_language_channel_intent_and_date(sessions):
    with unit_of_work(sessions) as session:
        Chat(session, "pl", Channel.WEB, T0).customer("kiedy paka", "delivery_time", 0.3)
        Chat(session, "en", Channel.WHATSAPP, T0 + timedelta(days=1)).customer("when parcel", "delivery_time", 0.3)
        Chat(session, "en", Channel.WEB, T0 + timedelta(days=2)).customer("refund??", "refund_status", 0.3)
        # The engine never saw this one's language: the conversation's counts.
        Chat(session, "pl", Channel.VOICE, T0 + timedelta(days=3)).customer("yyy", "nlu_fallback", 0.2, language=None)

    assert set(missed(sessions, language="en")) == {"when parcel", "refund??"}
    assert set(missed(sessions, language="pl")) == {"kiedy paka", "yyy"}
    assert set(missed(sessions, channel=Channel.WHATSAPP)) == {"when parcel"}
    assert set(missed(sessions, intent="delivery_time")) == {"kiedy paka", "when parcel"}
    assert set(missed(sessions, since=T0 + timedelta(days=1), until=T0 + timedelta(days=3))) == {"when parcel",
                                                                                                 "refund??"}
