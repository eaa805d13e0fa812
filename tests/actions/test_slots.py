"""An open yes/no question closes when the customer moves on."""

from actions.slots import ActionValidateSlotMappings
from tests.actions.helpers import make_tracker, run, slot_events


def refresh(text, domain, intent="inform", **slots):
    events, _ = run(ActionValidateSlotMappings(), make_tracker(text, intent=intent, slots=slots), domain)
    return slot_events(events)


def test_an_open_question_closes_when_the_customer_moves_on(domain):
    assert refresh("tak", domain, intent="affirm", pending_confirmation="cancel_order").get("pending_confirmation", "kept") == "kept"
    assert refresh("a faktura?", domain, intent="get_invoice", pending_confirmation="cancel_order")["pending_confirmation"] is None
