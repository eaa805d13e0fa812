"""A turn's trace crosses the engine in the message's metadata: the action server's span joins the
gateway's trace, and spans go over OTLP to a configured collector.

The gateway side (bot/observability/turns.py, contracts/tracing.py) and rasa-sdk's real application
with Koliber's plugin (rasa_sdk_plugins/turn_logs.py) run in this process, spans recorded in memory;
the engine only passes the metadata on (tests/bot/observability/test_turn_logs.py)."""

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from rasa_sdk import Action
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from bot.observability.turns import customer_turn
from contracts.tracing import exporting_provider, turn_metadata
from contracts.turn_context import turn_id_var
from rasa_sdk_plugins.turn_logs import observe_action_calls


@pytest.fixture
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """Spans of this process, in memory. OpenTelemetry lets a process set its tracer provider once
    and never remove a processor: later tests keep the provider, this exporter records no more."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


class TurnWitness(Action):
    """Remembers which turn the action server says it works on while the action runs."""

    def __init__(self) -> None:
        self.turn_ids: list[str | None] = []

    def name(self) -> str:
        return "action_witness_turn"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        self.turn_ids.append(turn_id_var.get())
        return []


def engine_call(action: str, sender: str, metadata: dict[str, str]) -> dict[str, Any]:
    """What the engine POSTs to the action server's /webhook for the turn's message."""
    latest = {"text": "gdzie jest moja paczka?", "intent": {"name": "order_status"}, "entities": [],
              "metadata": metadata}
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {},
            "tracker": {"sender_id": sender, "slots": {}, "latest_message": latest, "events": [], "paused": False,
                        "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}}


@contextlib.asynccontextmanager
async def served(app: Sanic) -> AsyncIterator[httpx.AsyncClient]:
    """The Sanic app over ASGI, started and stopped through the ASGI lifespan as a server would."""
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://actions") as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        # Sanic 22.12 then treats the finished lifespan as a request and fails (AttributeError).
        await asyncio.gather(lifespan, return_exceptions=True)


def action_server(action: Action) -> Sanic:
    """rasa-sdk's application with Koliber's observation of action calls, running `action`."""
    executor = ActionExecutor()
    executor.register_action(action)
    app = create_app(executor)
    observe_action_calls(app)
    return app


@pytest.fixture(autouse=True)
def _apps_of_one_name(monkeypatch) -> None:
    """Each test builds rasa-sdk's app, always named "rasa_sdk"; Sanic allows that in test mode."""
    monkeypatch.setattr(Sanic, "test_mode", True)


def test_the_action_servers_span_joins_the_gateways_trace(recorded_spans):
    witness = TurnWitness()
    app = action_server(witness)

    async def one_turn() -> tuple[str, dict[str, str], httpx.Response]:
        async with customer_turn("conversation-1") as turn_id:
            metadata = turn_metadata()  # what the engine client sends
        async with served(app) as actions:  # outside the gateway's span: only the metadata links them
            return turn_id, metadata, await actions.post("/webhook", json=engine_call(
                "action_witness_turn", "conversation-1", metadata))
    turn_id, metadata, answer = asyncio.run(one_turn())

    assert answer.status_code == 200
    spans = {span.name: span for span in recorded_spans.get_finished_spans()}
    turn, action = spans["koliber.turn"], spans["koliber.action action_witness_turn"]
    assert metadata == {"turn_id": turn_id,
                        "traceparent": f"00-{turn.context.trace_id:032x}-{turn.context.span_id:016x}-01"}
    assert action.context.trace_id == turn.context.trace_id and action.parent.span_id == turn.context.span_id
    assert spans["create_app.webhook"].parent.span_id == action.context.span_id  # rasa-sdk's own span inside
    assert witness.turn_ids == [turn_id]  # what the action's log lines name


def test_without_a_traceparent_the_action_starts_a_trace_of_its_own(recorded_spans):
    app = action_server(TurnWitness())

    async def call() -> httpx.Response:
        async with served(app) as actions:
            return await actions.post("/webhook", json=engine_call("action_witness_turn", "conversation-2", {}))

    assert asyncio.run(call()).status_code == 200
    (action,) = [span for span in recorded_spans.get_finished_spans() if span.name.startswith("koliber.action")]
    assert action.parent is None


class Collector(BaseHTTPRequestHandler):
    """An OpenTelemetry collector's OTLP/HTTP receiver: keeps the spans it is sent."""

    received: list[tuple[str, str, str]] = []  # (path, service, span)

    def do_POST(self) -> None:
        request = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
        for resource_spans in request.resource_spans:
            service = next(a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name")
            Collector.received.extend((self.path, service, span.name)
                                      for scope in resource_spans.scope_spans for span in scope.spans)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_) -> None:
        pass


def test_spans_go_over_otlp_to_the_configured_collector():
    collector = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    try:
        provider = exporting_provider("koliber-gateway", f"http://127.0.0.1:{collector.server_port}")
        provider.get_tracer("koliber.gateway").start_span("koliber.turn").end()
        provider.shutdown()  # sends what the batch holds
    finally:
        collector.shutdown()
    assert Collector.received == [("/v1/traces", "koliber-gateway", "koliber.turn")]
