"""Language, fallback streak and open questions are refreshed after every message."""

import pytest

from actions.slots import ActionValidateSlotMappings
from tests.actions.helpers import make_tracker, run, slot_events


def refresh(text, domain, intent="inform", **slots):
    events, _ = run(ActionValidateSlotMappings(), make_tracker(text, intent=intent, slots=slots), domain)
    return slot_events(events)


@pytest.mark.parametrize(("text", "current", "expected"), [
    ("where is my parcel?", "pl", "en"),
    ("a jednak wolę po polsku, gdzie paczka", "en", "pl"),
    ("gdzie moja paczka", "pl", None),  # no change, no event
    ("48213", "en", None),
    ("ok", "en", None),
])
def test_language_follows_a_clear_switch_only(domain, text, current, expected):
    assert refresh(text, domain, language=current).get("language") == expected


def test_call_language_is_used_when_the_words_do_not_tell(domain):
    tracker = make_tracker("48213", slots={"language": "pl"}, metadata={"language": "en"})
    events, _ = run(ActionValidateSlotMappings(), tracker, domain)
    assert slot_events(events)["language"] == "en"


def test_fallback_streak_counts_consecutive_misses(domain):
    assert refresh("asdf qwer", domain, intent="nlu_fallback", fallback_streak=1.0)["fallback_streak"] == 2
    assert refresh("gdzie paczka", domain, intent="order_status", fallback_streak=1.0)["fallback_streak"] == 0


def test_an_open_question_closes_when_the_customer_moves_on(domain):
    assert refresh("tak", domain, intent="affirm", pending_confirmation="cancel_order").get("pending_confirmation", "kept") == "kept"
    assert refresh("a faktura?", domain, intent="get_invoice", pending_confirmation="cancel_order")["pending_confirmation"] is None
