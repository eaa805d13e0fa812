"""Erasure reaches the real engine: a customer talks to the trained assistant by SMS through the
gateway, the export carries the engine's tracker of that talk, and after the erasure neither the
app database nor the engine's tracker store holds any of it."""

import json

import pytest

from bot.privacy.audit import Actor
from bot.privacy.engine_trackers import EngineTrackers
from bot.privacy.erase import erase_person
from bot.privacy.export import export_person
from db.base import utcnow
from db.sessions import unit_of_work
from shop.seed import seed_demo_shop
from tests.bot.privacy.story import ANNA_EMAIL, ANNA_PHONE, sms_webhook, traces

pytestmark = pytest.mark.engine

SAID = ["Gdzie jest moje zamówienie?", "48213", ANNA_EMAIL]


def test_erasing_a_customer_empties_the_engines_tracker_too(make_gateway, stack, policy, tmp_path):
    # The gateway keeps its own database (the stack's demo shop is shared by other tests).
    gateway = make_gateway(f"sqlite:///{tmp_path / 'gateway.db'}", engine=stack.engine)
    with unit_of_work(gateway.sessions) as session:
        seed_demo_shop(session, policy, utcnow(), filler_orders=0)
    for number, text in enumerate(SAID, 1):
        gateway.twilio_webhook(sms_webhook(f"SM{number:032d}", text, ANNA_PHONE))
        replies = gateway.twilio.wait_for_messages(ANNA_PHONE, number)
    assert "48213" in replies[-1]  # the assistant verified her and told her where the parcel is

    engine = EngineTrackers(stack.engine, 30)
    exported = export_person(gateway.sessions, ANNA_PHONE, Actor("test"), engine.tracker, utcnow)
    [conversation] = exported.document["conversations"]
    heard = [event["text"] for event in conversation["engine_tracker"]["events"] if event["event"] == "user"]
    assert heard == SAID and exported.engine_missing == []

    erasure = erase_person(gateway.sessions, ANNA_PHONE, Actor("test"), engine.forget, utcnow)
    assert erasure.complete and erasure.counts["conversations"] == 1

    assert traces(gateway.client.app.state.gateway.database, [ANNA_PHONE, ANNA_EMAIL, "Anna Nowak", SAID[0]]) == []
    tracker = engine.tracker(conversation["id"])  # the engine now starts this id afresh
    assert [e for e in tracker["events"] if e["event"] in ("user", "bot")] == []
    assert not [text for text in (ANNA_EMAIL, SAID[0], "48213") if text in json.dumps(tracker, ensure_ascii=False)]
