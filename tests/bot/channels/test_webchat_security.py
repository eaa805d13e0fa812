"""The public web chat socket under attack (findings 5 and 8 of the security review): a reused
client id follows nobody else's chat, and the server bounds frames, message rate, sockets per
address and idle sockets."""

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bot.main import create_app
from bot.models.conversation import Author, Message
from testing.served import ServedApp
from tests.bot.channels.chat_client import ChatSocket
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE, gateway_settings


def test_a_reused_client_id_starts_its_own_conversation_and_sees_nothing_of_the_first(gateway):
    with gateway.client.websocket_connect("/chat/ws") as victim_socket:
        victim = ChatSocket(victim_socket)
        victim.hello("en")
        victim_ack = victim.say("My order 48213 has not arrived", client_id="shared-id")
        victim.replies_until_idle()
        with gateway.client.websocket_connect("/chat/ws") as attacker_socket:
            attacker = ChatSocket(attacker_socket)
            attacker.hello("en")
            attacker_ack = attacker.say("hello?", client_id="shared-id")
            attacker.replies_until_idle()
            assert attacker_ack["conversation_id"] != victim_ack["conversation_id"]
            assert attacker_ack["message_id"] != victim_ack["message_id"]
            victim.say("Can you check it?")
            victim.replies_until_idle()
            attacker_socket.send_json({"type": "ping"})
            attacker.expect("pong")  # everything sent to the attacker so far has been read
            seen = [f["message"]["text"] for f in attacker.seen if f["type"] == "message"]
            assert not any("48213" in text or "check it" in text for text in seen)
    with gateway.sessions() as session:
        victim_texts = session.scalars(select(Message.text).where(
            Message.conversation_id == victim_ack["conversation_id"], Message.author == Author.CUSTOMER)
            .order_by(Message.id)).all()
    assert victim_texts == ["My order 48213 has not arrived", "Can you check it?"]


def test_too_many_messages_a_minute_are_refused_with_a_clear_error_and_not_stored(make_gateway, database_url):
    gateway = make_gateway(database_url, KOLIBER_CHAT_MESSAGES_PER_MINUTE="3")
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("pl")
        for number in range(3):
            chat.say(f"wiadomość {number}")
        socket.send_json({"type": "message", "text": "jeszcze jedna", "client_id": "fourth"})
        refused = chat.expect("error", client_id="fourth")
        assert refused["error"] == "rate_limited"
    with gateway.sessions() as session:
        stored = session.scalars(select(Message.text).where(Message.author == Author.CUSTOMER)).all()
    assert "jeszcze jedna" not in stored and len(stored) == 3


@pytest.fixture
def served_gateway(migrated_engine, database_url, twilio_cloud) -> Iterator[callable]:
    """The gateway behind a real uvicorn (the server's own limits apply), on a fresh database."""
    running = []

    def start(**extra: str) -> str:
        settings = gateway_settings(database_url, DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud, **extra)
        server = ServedApp(create_app(settings)).__enter__()
        running.append(server)
        return f"ws://127.0.0.1:{server.port}/chat/ws"

    yield start
    for server in running:
        server.__exit__()


async def _close_code(socket) -> int:
    try:
        while True:
            await asyncio.wait_for(socket.recv(), timeout=30)
    except ConnectionClosed as closed:
        return closed.rcvd.code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_server_refuses_oversized_frames_before_reading_them_whole(served_gateway):
    url = served_gateway()

    async def send_four_megabytes() -> int:
        async with connect(url, max_size=None) as socket:
            await socket.send(json.dumps({"type": "message", "text": "x" * 4_000_000, "client_id": "big"}))
            return await _close_code(socket)

    assert asyncio.run(send_four_megabytes()) == 1009  # "message too big", from the server itself


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sockets_per_address_are_limited_and_idle_sockets_are_closed(served_gateway):
    url = served_gateway(KOLIBER_CHAT_SOCKETS_PER_IP="2", KOLIBER_CHAT_IDLE_SECONDS="1")

    async def scenario() -> tuple[int, int]:
        async with connect(url) as first, connect(url) as second:
            with pytest.raises(InvalidStatus) as third:
                async with connect(url):
                    pass
            idle_code = await _close_code(first)  # sends nothing, not even a ping
            await second.close()
        return third.value.response.status_code, idle_code

    refused_status, idle_code = asyncio.run(scenario())
    assert refused_status == 403 and idle_code == 4408


def test_an_empty_or_reused_api_message_id_is_answered_without_a_server_error(gateway):
    first = gateway.post_message("Where is my parcel?", message_id="m-1").json()
    other = gateway.post_message("Another customer", sender=f"s-{uuid.uuid4().hex[:6]}").json()
    again = gateway.post_message("Where is my parcel?", message_id="m-1", conversation_id=other["conversation_id"])
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["message_id"] == first["message_id"]
    empty_id = gateway.post_message("hello", message_id="")
    assert empty_id.status_code == 422
    nul = gateway.post_message("\x00\x00")
    assert nul.status_code == 422 and "empty" in nul.json()["detail"]
