"""A local stand-in for the two engine calls customer-data requests make: reading a conversation's
tracker (Rasa's HTTP API, `?token=`) and deleting it (Koliber's engine channel, Bearer token)."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.engine.address import EngineAddress
from tests.served import ServedApp


@dataclass
class FakeTrackerEngine:
    trackers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # conversation id -> events
    forgotten: list[str] = field(default_factory=list)
    token: str = "fake-engine-token"
    url: str = ""

    @property
    def address(self) -> EngineAddress:
        return EngineAddress(self.url, self.token)


def build_app(engine: FakeTrackerEngine) -> FastAPI:
    app = FastAPI()

    @app.get("/conversations/{conversation_id}/tracker")
    def tracker(conversation_id: str, request: Request):
        if request.query_params.get("token") != engine.token:
            return JSONResponse({"reason": "NotAuthenticated"}, 401)
        return {"sender_id": conversation_id, "events": engine.trackers.get(conversation_id, [])}

    @app.delete("/webhooks/koliber/conversations/{conversation_id}")
    def forget(conversation_id: str, request: Request):
        if request.headers.get("authorization") != f"Bearer {engine.token}":
            return JSONResponse({"error": "unauthorised"}, 401)
        engine.trackers.pop(conversation_id, None)
        engine.forgotten.append(conversation_id)
        return {"deleted": conversation_id}

    return app


class RunningEngine(ServedApp):
    def __init__(self, engine: FakeTrackerEngine) -> None:
        super().__init__(build_app(engine))
        engine.url = self.base_url
        self.engine = engine
