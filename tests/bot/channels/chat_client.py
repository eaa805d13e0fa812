"""A test client for the web chat WebSocket that speaks the widget's protocol."""

import uuid
from typing import Any


class ChatSocket:
    def __init__(self, socket) -> None:
        self.socket = socket
        self.seen: list[dict[str, Any]] = []

    def hello(self, language: str = "pl", conversation_id: str | None = None, token: str | None = None,
              last_seen: int | None = None) -> dict[str, Any]:
        self.socket.send_json({"type": "hello", "language": language, "conversation_id": conversation_id,
                               "token": token, "last_seen": last_seen})
        return self.expect("welcome")

    def say(self, text: str, payload: str | None = None, client_id: str | None = None) -> dict[str, Any]:
        self.socket.send_json({"type": "message", "text": text, "payload": payload,
                               "client_id": client_id or uuid.uuid4().hex})
        return self.expect("ack")

    def latest(self, kind: str) -> dict[str, Any]:
        """The last frame of this type received so far, or the next one."""
        for frame in reversed(self.seen):
            if frame["type"] == kind:
                return frame
        return self.expect(kind)

    def expect(self, kind: str, **match: Any) -> dict[str, Any]:
        """The next frame of this type (others are kept in `seen`)."""
        for _ in range(200):
            frame = self.socket.receive_json()
            self.seen.append(frame)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame
        raise AssertionError(f"no {kind} frame; got {[f['type'] for f in self.seen[-20:]]}")

    def next_message(self, author: str) -> dict[str, Any]:
        """The next message frame from this author (customer, bot, agent or system)."""
        for _ in range(200):
            frame = self.expect("message")
            if frame["message"]["author"] == author:
                return frame["message"]
        raise AssertionError(f"no message from {author}")

    def replies_until_idle(self) -> list[dict[str, Any]]:
        """Messages from the bot, an agent or the gateway until the typing indicator goes off."""
        messages = []
        while True:
            frame = self.socket.receive_json()
            self.seen.append(frame)
            if frame["type"] == "message" and frame["message"]["author"] != "customer":
                messages.append(frame["message"])
            if frame["type"] == "typing" and frame["on"] is False:
                return messages

    def reply_texts(self) -> str:
        return "\n".join(m["text"] for m in self.replies_until_idle())
