"""A conversation as a Rasa test story: from the engine's tracker or, failing that, the gateway's
transcript; personal data replaced consistently; appended to a story file."""

import asyncio

import yaml

from bot.engine.address import EngineAddress
from bot.models.conversation import Author
from bot.trainer.data.personal_data import Kind
from bot.trainer.story_export.steps import ActionStep, LoopStep, SlotStep, UserStep, scrub_steps
from bot.trainer.story_export.stories_file import append_story
from bot.trainer.story_export.tracker import fetch_tracker, steps_from_tracker
from bot.trainer.story_export.transcript import StoredMessage, steps_from_transcript
from testing.fakes.engine import FakeEngine, served
from tests.bot.trainer.inbox_data import DOMAIN


def user(text: str, intent: str, *entities: tuple[str, str]) -> dict:
    found = [{"entity": name, "start": text.index(value), "end": text.index(value) + len(value), "value": value}
             for name, value in entities]
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9},
                                                          "entities": found}}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def slot(name: str, value) -> dict:
    return {"event": "slot", "name": name, "value": value}


TRACKER = {"sender_id": "c1", "events": [
    action("action_session_start"), {"event": "session_started"}, slot("language", "pl"), action("action_listen"),
    user("gdzie jest moja paczka?", "order_status"), slot("language", "pl"), slot("pending_request", "order_status"),
    action("verify_form"), {"event": "active_loop", "name": "verify_form"}, slot("requested_slot", "order_id"),
    {"event": "bot", "text": "Podaj numer zamówienia."}, action("action_listen"),
    user("to 48213", "inform", ("order_id", "48213")), slot("order_id", "48213"),
    action("verify_form"), slot("order_id", "48213"), slot("requested_slot", "verification_code"), action("action_listen"),
    user("anna.nowak@example.pl", "inform", ("email", "anna.nowak@example.pl")),
    slot("verification_code", "anna.nowak@example.pl"), action("verify_form"), slot("verified_order", "48213"),
    {"event": "active_loop", "name": None}, slot("requested_slot", None), action("action_answer_order_request"),
    action("action_listen"), user("/affirm", "affirm"), action("utter_you_are_welcome"), action("action_listen"),
]}


def test_tracker_events_become_the_steps_rasas_story_writer_would_keep():
    steps = steps_from_tracker(TRACKER)
    assert steps[:5] == [UserStep("order_status", (("gdzie jest moja paczka?", None),)), SlotStep("language", "pl"),
                         SlotStep("pending_request", "order_status"), ActionStep("verify_form"), LoopStep("verify_form")]
    assert UserStep("inform", (("to ", None), ("48213", "order_id"))) in steps
    assert steps[-2:] == [UserStep("affirm"), ActionStep("utter_you_are_welcome")]
    assert not any(isinstance(s, ActionStep) and s.action in ("action_listen", "action_session_start") for s in steps)


def test_events_before_the_last_restart_are_left_out():
    restarted = {"events": [user("hej", "greet"), action("utter_greet"), {"event": "restart"},
                            user("dzięki", "thank"), action("utter_you_are_welcome")]}
    assert steps_from_tracker(restarted) == [UserStep("thank", (("dzięki", None),)), ActionStep("utter_you_are_welcome")]


def test_personal_data_is_replaced_the_same_way_in_words_and_slots():
    steps = scrub_steps(steps_from_tracker(TRACKER), [(Kind.NAME, "Anna Nowak")])
    texts = [s.annotated for s in steps if isinstance(s, UserStep) and s.parts]
    assert texts == ["gdzie jest moja paczka?", "to [10001](order_id)", "[customer1@example.com](email)"]
    slots = {(s.name, s.value) for s in steps if isinstance(s, SlotStep)}
    assert {("order_id", "10001"), ("verified_order", "10001"),
            ("verification_code", "customer1@example.com")} <= slots
    assert "48213" not in repr(steps) and "anna" not in repr(steps).lower()


def test_the_stored_transcript_is_the_fallback():
    messages = [
        StoredMessage(Author.CUSTOMER, "hej", "greet"),
        StoredMessage(Author.BOT, DOMAIN.response_texts["utter_greet"][0], None),
        StoredMessage(Author.CUSTOMER, "mój numer to 48213", "inform"),
        StoredMessage(Author.BOT, "Zamówienie 48213 jest w drodze.", None),  # a custom action's words
        StoredMessage(Author.CUSTOMER, "Tak", "affirm", payload="/affirm"),
        StoredMessage(Author.AGENT, "Dzień dobry, tu Ola.", None),  # people are not the bot
        StoredMessage(Author.CUSTOMER, "dziękuję", None),  # answered by the person
    ]
    assert steps_from_transcript(messages, DOMAIN) == [
        UserStep("greet", (("hej", None),)), ActionStep("utter_greet"),
        UserStep("inform", (("mój numer to ", None), ("48213", "order_id"))),
        ActionStep(bot_text="Zamówienie 48213 jest w drodze."), UserStep("affirm")]


def test_stories_are_appended_in_rasas_test_story_format(tmp_path):
    path = tmp_path / "tests" / "stories" / "test_from_conversations.yml"
    steps = scrub_steps(steps_from_tracker(TRACKER))
    assert append_story(path, "first", steps, "From conversation c1.") == 8
    before = path.read_text(encoding="utf-8")
    second = append_story(path, "second", steps[:2], "From conversation c2.\nSecond line.")
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before) and after.splitlines()[second - 1] == "- story: second"
    assert "# From conversation c2.\n# Second line.\n- story: second" in after
    data = yaml.safe_load(after)
    assert data["version"] == "3.1" and [s["story"] for s in data["stories"]] == ["first", "second"]
    first = data["stories"][0]["steps"]
    assert first[0] == {"user": "gdzie jest moja paczka?\n", "intent": "order_status"}
    assert {"active_loop": None} in first and {"slot_was_set": [{"order_id": "10001"}]} in first
    assert first[-2] == {"intent": "affirm"}
    assert "active_loop: null" in after


def test_the_tracker_is_read_from_the_engine_and_missing_when_it_cannot_say():
    # "unknown" is a conversation an engine that restarted has forgotten: its tracker is empty.
    with served(FakeEngine(trackers={"c1": TRACKER["events"]}, broken_trackers={"broken"})) as engine:
        tracker = asyncio.run(fetch_tracker(engine.address, "c1", 5))
        assert (tracker["sender_id"], tracker["events"]) == ("c1", TRACKER["events"])
        assert asyncio.run(fetch_tracker(engine.address, "unknown", 5)) is None
        assert asyncio.run(fetch_tracker(engine.address, "broken", 5)) is None
        assert asyncio.run(fetch_tracker(EngineAddress(engine.url, "wrong"), "c1", 5)) is None
    assert asyncio.run(fetch_tracker(EngineAddress("http://127.0.0.1:9", engine.token), "c1", 2)) is None
