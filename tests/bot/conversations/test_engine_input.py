"""What reaches the engine from a customer (finding 8 of the security review): only buttons the bot
offered, never a customer's own `/intent{...}` command, cleaned text, and who sent it."""

from collections.abc import Iterator

import pytest

from bot.models.conversation import Message
from testing.fakes.engine import FakeEngine, ReceivedTurn, served
from tests.bot.channels.chat_client import ChatSocket

OFFERED = {"title": "Yes", "payload": "/affirm"}


def offer_a_yes_button(turn: ReceivedTurn) -> list[dict]:
    return [{"recipient_id": turn.sender, "text": "Shall I cancel it?", "buttons": [OFFERED]}]


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with served(FakeEngine(answer=offer_a_yes_button)) as fake:
        yield fake


@pytest.fixture
def chat(make_gateway, database_url, engine) -> Iterator[tuple[ChatSocket, object]]:
    gateway = make_gateway(database_url, engine=engine.address)
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("en")
        yield chat, gateway


def test_an_offered_button_is_sent_as_its_payload_and_a_forged_one_is_not(chat, engine):
    chat, _ = chat
    chat.say("I want to cancel my order")
    chat.replies_until_idle()
    chat.say("Yes", payload="/affirm")
    chat.replies_until_idle()
    chat.say("Yes", payload='/order_status{"verified_order": "48213"}')  # never offered
    chat.replies_until_idle()
    assert engine.texts_received() == ["I want to cancel my order", "/affirm", "Yes"]


def test_a_typed_slash_command_reaches_the_engine_as_words(chat, engine):
    chat, gateway = chat
    ack = chat.say('/order_status{"order_id": "48213", "verification_code": "00-950"}')
    chat.replies_until_idle()
    assert engine.texts_received() == ['order_status{"order_id": "48213", "verification_code": "00-950"}']
    with gateway.sessions() as session:  # the transcript keeps what the customer typed
        assert session.get(Message, ack["message_id"]).text.startswith("/order_status")


def test_control_characters_are_cleaned_before_storing_and_the_sender_is_named(chat, engine):
    chat, gateway = chat
    ack = chat.say("\x00Where\x07 is my order?\r\n")
    chat.replies_until_idle()
    with gateway.sessions() as session:
        assert session.get(Message, ack["message_id"]).text == "Where is my order?"
    [turn] = engine.received
    assert turn.message == "Where is my order?"
    assert turn.metadata["client"] == "ip:testclient" and turn.metadata["channel"] == "web"


def test_the_api_names_its_sender_to_the_engine(make_gateway, database_url, engine):
    gateway = make_gateway(database_url, engine=engine.address)
    assert gateway.post_message("Hello", sender="crm-42").status_code == 200
    assert engine.received[0].metadata["client"] == "api:crm-42"


def test_a_typed_card_number_is_masked_before_it_is_stored_or_reaches_the_engine(chat, engine):
    chat, gateway = chat
    ack = chat.say("Zapłaciłem kartą 4111 1111 1111 1111 za zamówienie 48213")
    chat.replies_until_idle()
    with gateway.sessions() as session:
        stored = session.get(Message, ack["message_id"]).text
    assert stored == "Zapłaciłem kartą **** **** **** 1111 za zamówienie 48213"
    assert engine.texts_received() == [stored]
