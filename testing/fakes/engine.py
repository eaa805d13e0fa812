"""One local stand-in for the engine, speaking both of its wire formats as the real one does.

Rasa 3.6's HTTP API (`rasa run --enable-api --auth-token`): the token goes in `?token=`, and a
wrong one is answered with Rasa's 401 error JSON.
    GET /status, POST /model/parse, PUT /model, GET /conversations/<id>/tracker
Koliber's input channel (engine_plugins/channel.py): `Authorization: Bearer <token>`, else 401.
    POST /webhooks/koliber/turn, DELETE /webhooks/koliber/conversations/<id>

Each test sets only what it needs (what the bot answers, keyword rules for parsing, the trackers
the engine already holds, a model it refuses) and reads what the engine was asked. A five-digit
number is tagged `order_id`, and `/intent{...}` parses as Rasa parses it. Answers take milliseconds.
"""

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bot.engine.address import EngineAddress
from bot.settings import get_settings
from testing.served import ServedApp

RASA_VERSION = "3.6.21"
_COMMAND = re.compile(r"^/(?P<intent>[^{]+)(?P<entities>\{.*\})?$", re.DOTALL)
_EVENT_VERBOSITIES = ("NONE", "APPLIED", "AFTER_RESTART", "ALL")


@dataclass(frozen=True)
class ReceivedTurn:
    sender: str
    message: str
    metadata: dict[str, Any]


def say_hello(turn: ReceivedTurn) -> list[dict[str, Any]]:
    return [{"recipient_id": turn.sender, "text": "Hello from the fake engine."}]


@dataclass(kw_only=True)
class FakeEngine:
    token: str = "fake-engine-token"
    # What the bot answers to a turn: Rasa's message dicts (text, buttons, custom). Raising fails the turn.
    answer: Callable[[ReceivedTurn], list[dict[str, Any]]] = say_hello
    keywords: dict[str, str] = field(default_factory=dict)  # a word in the text -> the intent parsed
    fallback: str = "nlu_fallback"
    trackers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # conversation id -> events
    broken_trackers: set[str] = field(default_factory=set)  # conversations whose tracker cannot be read
    refuse_models: bool = False
    # What it was asked.
    requests: list[str] = field(default_factory=list)  # "METHOD /path" of every request, refused ones too
    received: list[ReceivedTurn] = field(default_factory=list)
    loaded_models: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def address(self) -> EngineAddress:
        return EngineAddress(self.url, self.token)

    def texts_received(self) -> list[str]:
        return [turn.message for turn in self.received]

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa's parse data: a `/intent{...}` command as given, else the first keyword found in the text."""
        if command := _COMMAND.match(text):
            return {"text": text, "intent": {"name": command["intent"], "confidence": 1.0},
                    "entities": [{"entity": name, "value": value}
                                 for name, value in _json_object(command["entities"]).items()]}
        intent = next((i for word, i in self.keywords.items() if word in text.lower()), self.fallback)
        entities = [{"entity": "order_id", "start": m.start(), "end": m.end(), "value": m.group()}
                    for m in re.finditer(r"\b\d{5}\b", text)]
        return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}

    def take_turn(self, turn: ReceivedTurn) -> dict[str, Any]:
        """The channel's turn result; the turn's events are added to the conversation's tracker."""
        self.received.append(turn)
        parse_data = self.parse(turn.message)
        messages = self.answer(turn)
        events = self.trackers.setdefault(turn.sender, [])
        events.append({"event": "user", "text": turn.message, "parse_data": parse_data, "input_channel": "koliber",
                       "metadata": turn.metadata})
        if turn.metadata.get("language"):
            events.append({"event": "slot", "name": "language", "value": turn.metadata["language"]})
        events += [{"event": "bot", "text": message.get("text"),
                    "data": {k: v for k, v in message.items() if k not in ("recipient_id", "text")}}
                   for message in messages]
        state = self.tracker(turn.sender, "NONE")
        return {"messages": messages, "intent": parse_data["intent"]["name"],
                "confidence": parse_data["intent"]["confidence"], "slots": state["slots"],
                "active_loop": state["active_loop"].get("name")}

    def tracker(self, conversation_id: str, include_events: str) -> dict[str, Any]:
        """The tracker as Rasa's `GET /conversations/<id>/tracker` shows it; an unknown conversation's is empty."""
        events = self.trackers.get(conversation_id, [])
        restarts = [i for i, event in enumerate(events) if event.get("event") == "restart"]
        current = events[restarts[-1] + 1:] if restarts else events
        slots: dict[str, Any] = {}
        latest_message, channel, active_loop = None, None, {}
        for event in current:
            if event.get("event") == "slot":
                slots[event["name"]] = event.get("value")
            elif event.get("event") == "user":
                latest_message, channel = event.get("parse_data"), event.get("input_channel")
            elif event.get("event") == "active_loop":
                active_loop = {"name": event["name"]} if event.get("name") else {}
        shown = {"NONE": None, "ALL": events}.get(include_events, current)
        return {"sender_id": conversation_id, "slots": slots, "latest_message": latest_message, "paused": False,
                "events": shown, "latest_input_channel": channel, "active_loop": active_loop}


def _json_object(text: str | bytes | None) -> dict[str, Any]:
    """A JSON object, else {}: Rasa ignores a command's malformed entities, the channel a malformed body."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _rasa_error(status: int, reason: str, message: str) -> JSONResponse:
    """Rasa's `ErrorResponse` body (rasa/server.py)."""
    return JSONResponse({"version": RASA_VERSION, "status": "failure", "message": message, "reason": reason,
                         "details": {}, "help": None, "code": status}, status)


def build_app(engine: FakeEngine) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        engine.requests.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/webhooks/koliber/"):  # the channel reads only its header
            if request.headers.get("Authorization") != f"Bearer {engine.token}":
                return JSONResponse({"error": "unauthorised"}, 401)
        elif request.query_params.get("token") != engine.token:  # the HTTP API reads only `?token=`
            return _rasa_error(401, "NotAuthenticated", "User is not authenticated.")
        return await call_next(request)

    @app.get("/status")
    def status() -> dict:
        return {"model_file": engine.loaded_models[-1] if engine.loaded_models else "models/koliber.tar.gz",
                "model_id": "fake", "num_active_training_jobs": 0}

    @app.post("/model/parse")
    async def parse(request: Request) -> dict:
        return engine.parse((await request.json())["text"])

    @app.put("/model")
    async def load_model(request: Request) -> Response:
        model = (await request.json())["model_file"]
        if engine.refuse_models:
            return _rasa_error(400, "BadRequest", f"Agent with name '{model}' could not be loaded.")
        engine.loaded_models.append(model)
        return Response(status_code=204)

    @app.get("/conversations/{conversation_id:path}/tracker")
    def tracker(conversation_id: str, include_events: str = "AFTER_RESTART"):
        if include_events.upper() not in _EVENT_VERBOSITIES:
            return _rasa_error(400, "BadRequest", "Invalid parameter value for 'include_events'.")
        if conversation_id in engine.broken_trackers:
            return _rasa_error(500, "ConversationError", "An unexpected error occurred.")
        return engine.tracker(conversation_id, include_events.upper())

    @app.post("/webhooks/koliber/turn")
    async def turn(request: Request):
        body = _json_object(await request.body())
        sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
        if not isinstance(sender, str) or not sender or not isinstance(text, str):
            return JSONResponse({"error": "send 'sender' and 'message' strings"}, 400)
        try:
            return engine.take_turn(ReceivedTurn(sender, text, metadata if isinstance(metadata, dict) else {}))
        except Exception:  # noqa: BLE001 - as the channel does: the gateway must learn that the turn failed
            return JSONResponse({"error": "the turn failed"}, 500)

    @app.delete("/webhooks/koliber/conversations/{conversation_id}")
    def forget(conversation_id: str) -> dict:
        engine.trackers.pop(conversation_id, None)
        engine.forgotten.append(conversation_id)
        return {"deleted": conversation_id}

    return app


@contextmanager
def served(engine: FakeEngine) -> Iterator[FakeEngine]:
    """Serves the fake on a free local port for the length of the block; `engine.url` says where."""
    with ServedApp(build_app(engine)) as server:
        engine.url = server.base_url
        yield engine


@contextmanager
def engine_for_commands(engine: FakeEngine, monkeypatch) -> Iterator[FakeEngine]:
    """Serves the fake with its token as the settings' engine token, which `koliber` commands send."""
    monkeypatch.setenv("KOLIBER_ENGINE_TOKEN", engine.token)
    get_settings.cache_clear()
    try:
        with served(engine):
            yield engine
    finally:
        get_settings.cache_clear()
