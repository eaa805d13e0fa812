"""The gateway answers its health checks and says plainly when the engine is down."""


def test_health_and_dependencies(gateway):
    client = gateway.client
    assert client.get("/health").json() == {"status": "ok"}
    dependencies = client.get("/health/dependencies").json()
    assert dependencies["database"] == "ok" and dependencies["engine"].startswith("error")
    assert "/health" in client.get("/openapi.json").json()["paths"]
