"""The web chat socket: stores before acknowledging, survives garbage, resumes conversations."""

from sqlalchemy import select

from bot.models.conversation import Author, Message
from tests.bot.channels.chat_client import ChatSocket


def test_garbage_frames_get_errors_and_the_socket_keeps_working(gateway):
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        for garbage in ["not json", "[1, 2]", '{"no": "type"}', "x" * 20_000]:
            socket.send_text(garbage)
            assert chat.expect("error")["error"] == "bad_frame"
        socket.send_json({"type": "dance"})
        assert chat.expect("error")["error"] == "unknown_type"
        socket.send_json({"type": "message", "text": "", "client_id": "c1"})
        assert "empty" in chat.expect("error")["detail"]
        socket.send_json({"type": "message", "text": "a" * 2001, "client_id": "c2"})
        assert "2000" in chat.expect("error")["detail"]
        socket.send_json({"type": "message", "text": "hi"})
        assert chat.expect("error")["error"] == "bad_message"
        socket.send_json({"type": "ping"})
        chat.expect("pong")
        welcome = chat.hello("en")
        assert welcome["conversation_id"] is None and welcome["availability"]["live"] is False


def test_message_is_stored_before_the_ack_and_engine_trouble_is_explained(gateway):
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("pl")
        ack = chat.say("Gdzie jest moja paczka?")
        with gateway.sessions() as session:
            stored = session.get(Message, ack["message_id"])
            assert stored.text == "Gdzie jest moja paczka?" and stored.author == Author.CUSTOMER
        apology = chat.reply_texts()
        assert "Przepraszam" in apology and "zapisana" in apology


def test_reconnect_resumes_the_conversation_and_resends_are_not_duplicated(gateway):
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("en")
        ack = chat.say("Hello, my order is late", client_id="client-msg-1")
        chat.replies_until_idle()
    conversation_id, token = ack["conversation_id"], ack["token"]

    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        welcome = chat.hello("en", conversation_id, token)
        assert welcome["conversation_id"] == conversation_id
        assert [m["author"] for m in welcome["history"]] == ["customer", "system"]
        # The widget resends a message whose ack it never saw: same client id, stored once.
        again = chat.say("Hello, my order is late", client_id="client-msg-1")
        assert again["message_id"] == ack["message_id"]
        after = chat.hello("en", conversation_id, token, last_seen=welcome["history"][-1]["id"])
        assert after["history"] == []

    with gateway.client.websocket_connect("/chat/ws") as socket:
        stranger = ChatSocket(socket).hello("en", conversation_id, "a-guessed-token")
        assert stranger["conversation_id"] is None and stranger["history"] == []
    with gateway.sessions() as session:
        texts = session.scalars(select(Message.text).where(Message.author == Author.CUSTOMER)).all()
    assert texts == ["Hello, my order is late"]
