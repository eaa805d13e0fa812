"""The gateway answers its health checks and says plainly when the engine is down."""

from fastapi.testclient import TestClient

from bot.main import app
from bot.settings import get_settings


def test_health_and_dependencies(monkeypatch):
    monkeypatch.setattr(get_settings(), "rasa_url", "http://127.0.0.1:9")  # nothing listens there
    client = TestClient(app)
    assert client.get("/health").json() == {"status": "ok"}
    dependencies = client.get("/health/dependencies").json()
    assert dependencies["engine"].startswith("error")
    assert "/health" in client.get("/openapi.json").json()["paths"]
