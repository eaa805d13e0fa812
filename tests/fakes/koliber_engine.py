"""A local stand-in for the engine's Koliber channel (engine_plugins/channel.py), speaking its wire
format: `POST /webhooks/koliber/turn` with the engine's Bearer token, answered with the bot's
messages and what the engine made of the turn. It records every turn it was sent, so gateway tests
can see exactly what reached the engine, and answers in milliseconds."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.engine.address import EngineAddress
from tests.served import ServedApp


@dataclass(frozen=True)
class ReceivedTurn:
    sender: str
    message: str
    metadata: dict[str, Any]


def say_hello(turn: ReceivedTurn) -> list[dict[str, Any]]:
    return [{"recipient_id": turn.sender, "text": "Hello from the fake engine."}]


@dataclass
class FakeKoliberEngine:
    # What the bot answers to a turn: Rasa's message dicts (text, buttons, custom).
    answer: Callable[[ReceivedTurn], list[dict[str, Any]]] = say_hello
    token: str = "fake-koliber-engine-token"
    received: list[ReceivedTurn] = field(default_factory=list)
    url: str = ""

    @property
    def address(self) -> EngineAddress:
        return EngineAddress(self.url, self.token)

    def texts_received(self) -> list[str]:
        return [turn.message for turn in self.received]


def build_app(engine: FakeKoliberEngine) -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/koliber/turn")
    async def turn(request: Request):
        if request.headers.get("Authorization") != f"Bearer {engine.token}":
            return JSONResponse({"error": "unauthorised"}, 401)
        body = await request.json()
        received = ReceivedTurn(body["sender"], body["message"], body.get("metadata") or {})
        engine.received.append(received)
        return {"messages": engine.answer(received), "intent": "greet", "confidence": 0.9,
                "slots": {"language": received.metadata.get("language")}, "active_loop": None}

    return app


class RunningFakeKoliberEngine(ServedApp):
    def __init__(self, engine: FakeKoliberEngine) -> None:
        super().__init__(build_app(engine))
        self._engine = engine

    def __enter__(self) -> "RunningFakeKoliberEngine":
        super().__enter__()
        self._engine.url = self.base_url
        return self
