"""A local stand-in for the Rasa engine's HTTP API (`--enable-api --auth-token`): status, parse and
model loading, each refused with 401 without the token (`?token=`), as Rasa does.

Parsing follows keyword rules given by the test; a five-digit number is tagged `order_id`. It
records the models it was told to load and can refuse them.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from bot.engine.address import EngineAddress
from bot.settings import get_settings
from tests.served import ServedApp


@dataclass
class FakeRasaEngine:
    keywords: dict[str, str] = field(default_factory=dict)  # word in the text -> intent
    fallback: str = "nlu_fallback"
    load_status: int = 204
    loaded_models: list[str] = field(default_factory=list)
    parsed: list[str] = field(default_factory=list)
    token: str = "fake-engine-token"
    url: str = ""

    @property
    def address(self) -> EngineAddress:
        return EngineAddress(self.url, self.token)

    def parse(self, text: str) -> dict:
        self.parsed.append(text)
        intent = next((i for word, i in self.keywords.items() if word in text.lower()), self.fallback)
        entities = [{"entity": "order_id", "start": m.start(), "end": m.end(), "value": m.group()}
                    for m in re.finditer(r"\b\d{5}\b", text)]
        return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities}


def build_app(engine: FakeRasaEngine) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if request.query_params.get("token") != engine.token:
            return JSONResponse({"status": "failure", "reason": "NotAuthenticated"}, 401)
        return await call_next(request)

    @app.get("/status")
    def status() -> dict:
        return {"model_file": engine.loaded_models[-1] if engine.loaded_models else "models/koliber.tar.gz"}

    @app.post("/model/parse")
    async def parse(request: Request) -> dict:
        return engine.parse((await request.json())["text"])

    @app.put("/model")
    async def load_model(request: Request) -> Response:
        if engine.load_status != 204:
            return JSONResponse({"status": "failure", "message": "Agent could not be loaded"}, engine.load_status)
        engine.loaded_models.append((await request.json())["model_file"])
        return Response(status_code=204)

    return app


class RunningFakeEngine(ServedApp):
    def __init__(self, engine: FakeRasaEngine) -> None:
        super().__init__(build_app(engine))


@contextmanager
def engine_for_commands(engine: FakeRasaEngine, monkeypatch) -> Iterator[FakeRasaEngine]:
    """Serves the fake with its token as the settings' engine token, which `koliber` commands send."""
    monkeypatch.setenv("KOLIBER_ENGINE_TOKEN", engine.token)
    get_settings.cache_clear()
    try:
        with RunningFakeEngine(engine) as served:
            engine.url = served.base_url
            yield engine
    finally:
        get_settings.cache_clear()
