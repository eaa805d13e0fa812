"""The conversation core's paths against a fake engine that speaks the engine channel's wire format, in
milliseconds: one engine request per customer turn, replies stored with what the engine understood,
a handoff signal that queues the conversation, and an engine that fails."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.models.conversation import Author, Conversation, ConversationState, Message
from bot.models.handoff import Ticket, TicketKind
from contracts.handoff import HandoffSignal
from testing.fakes.engine import FakeEngine, ReceivedTurn, served

TURN = "POST /webhooks/koliber/turn"


def answer_or_hand_off(turn: ReceivedTurn) -> list[dict]:
    if "person" in turn.message or "konsultant" in turn.message:
        signal = HandoffSignal("customer_request", turn.metadata.get("language", "pl"), summary=turn.message)
        return [{"recipient_id": turn.sender, "custom": signal.to_message()}]
    if "broken" in turn.message:
        raise RuntimeError("the action server fell over")
    return [{"recipient_id": turn.sender, "text": f"You said: {turn.message}",
             "buttons": [{"title": "Yes", "payload": "/affirm"}]}]


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with served(FakeEngine(answer=answer_or_hand_off, keywords={"order": "order_status", "paczka": "order_status"})) as fake:
        yield fake


@pytest.fixture
def api(make_gateway, database_url, engine):
    return make_gateway(database_url, engine=engine.address)


@pytest.mark.parametrize("language, texts", [("pl", ["gdzie jest moja paczka", "dziękuję"]),
                                             ("en", ["where is my order", "thanks"])])
def test_each_customer_turn_is_one_engine_request_and_its_reply_is_stored_with_the_intent(api, engine, language, texts):
    conversation_id = None
    for text in texts:
        response = api.post_message(text, conversation_id=conversation_id, language=language).json()
        conversation_id = response["conversation_id"]
        [reply] = response["replies"]
        assert reply["text"] == f"You said: {text}" and reply["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    assert engine.requests == [TURN] * len(texts)  # no second request for the tracker, nothing else
    assert all(turn.metadata["language"] == language for turn in engine.received)
    with api.sessions() as session:
        customer = session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                         Message.author == Author.CUSTOMER).order_by(Message.id)).all()
        assert [(m.intent, m.confidence) for m in customer][0] == ("order_status", 0.9)
        assert all(m.handled_at is not None for m in customer)


@pytest.mark.parametrize("language, text, joined", [("pl", "Chcę rozmawiać z konsultantem", "kolejce"),
                                                    ("en", "I want a person please", "queue")])
def test_a_handoff_signal_queues_the_conversation_with_a_live_ticket(api, engine, language, text, joined):
    api.add_agent("ola", ["pl", "en"])
    response = api.post_message(text, language=language).json()
    [reply] = response["replies"]
    assert reply["author"] == "system" and joined in reply["text"]
    with api.sessions() as session:
        conversation = session.get(Conversation, response["conversation_id"])
        [ticket] = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation.id)).all()
        assert conversation.state == ConversationState.QUEUED
        assert (ticket.kind, ticket.reason, ticket.summary) == (TicketKind.LIVE, "customer_request", text)


def test_an_engine_that_fails_the_turn_gets_an_apology_and_a_ticket_and_loses_nothing(api, engine):
    response = api.post_message("this is broken", language="en").json()
    [reply] = response["replies"]
    assert reply["author"] == "system" and "Sorry" in reply["text"]
    with api.sessions() as session:
        [ticket] = session.scalars(select(Ticket)).all()
        stored = session.get(Message, response["message_id"])
        assert ticket.reason == "engine_unavailable" and ticket.summary == "this is broken"
        assert stored.text == "this is broken" and stored.handled_at is not None
