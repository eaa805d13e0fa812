"""The action server's log lines, spans and action timings: each action the engine asks for is
logged, traced and timed (actions/metrics.py) as part of the customer turn the gateway started.

The turn id and the W3C trace context come in the tracker's latest message's metadata (the engine,
Rasa OSS, passes metadata on but has no tracing of its own; contracts/tracing.py). While an action
runs, every log line names the conversation and the turn, and its span (a child of the gateway's
turn span) holds rasa-sdk's own.
"""

import json
import logging
import os
import time
import zlib
from typing import Any

import pluggy
from opentelemetry import context as otel_context
from opentelemetry import trace
from sanic import Sanic

from actions import metrics
from contracts.log_lines import LogOptions, configure_logging
from contracts.tracing import start_tracing, trace_context_in
from contracts.turn_context import begin_work_on, turn_id_in

hookimpl = pluggy.HookimplMarker("rasa_sdk")
log = logging.getLogger(__name__)
tracer = trace.get_tracer("koliber.actions")
WEBHOOK = "/webhook"


def action_call(body: bytes, encoding: str | None) -> dict[str, Any]:
    """The engine's call to `/webhook` (Rasa may deflate it); empty when it cannot be read."""
    try:
        call = json.loads(zlib.decompress(body) if encoding == "deflate" else body)
    except (ValueError, zlib.error):
        return {}
    return call if isinstance(call, dict) else {}


class ActionRun:
    """One action call: its log context and span, from the request until the response."""

    def __init__(self, call: dict[str, Any]) -> None:
        tracker = call.get("tracker") if isinstance(call.get("tracker"), dict) else {}
        latest = tracker.get("latest_message") if isinstance(tracker.get("latest_message"), dict) else {}
        metadata = latest.get("metadata")
        self.action = str(call.get("next_action") or "unknown")
        conversation_id = tracker.get("sender_id") if isinstance(tracker.get("sender_id"), str) else None
        self._end_work = begin_work_on(conversation_id, turn_id_in(metadata))
        self._span = tracer.start_span(f"koliber.action {self.action}", context=trace_context_in(metadata),
                                       attributes={"koliber.action": self.action})
        self._attached = otel_context.attach(trace.set_span_in_context(self._span))
        self._started = time.perf_counter()
        log.info("action %s started", self.action)

    def end(self, status: int) -> None:
        seconds = time.perf_counter() - self._started
        log.info("action %s answered %d in %.0f ms", self.action, status, seconds * 1000)
        if status != 404:  # 404: no such action
            metrics.ACTION_SECONDS.labels(action=self.action).observe(seconds)
        if status >= 500:
            self._span.set_status(trace.StatusCode.ERROR)
        self._span.end()
        otel_context.detach(self._attached)
        self._end_work()


def observe_action_calls(app: Sanic) -> None:
    """Logs and traces each call to `/webhook` as part of its customer turn."""

    @app.on_request
    async def begin_action(request) -> None:
        if request.path == WEBHOOK and request.method == "POST":
            request.ctx.action_run = ActionRun(action_call(request.body, request.headers.get("Content-Encoding")))

    @app.on_response
    async def end_action(request, response) -> None:
        run = getattr(request.ctx, "action_run", None)
        if run is not None:
            del request.ctx.action_run
            run.end(response.status)


class TurnLogs:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        # rasa-sdk has set up its coloured console logging by now: Koliber's log lines replace it.
        configure_logging("actions", LogOptions.from_env(os.environ), logging.getLogger().level or logging.INFO)
        start_tracing("koliber-actions", os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
                      os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
        observe_action_calls(app)
