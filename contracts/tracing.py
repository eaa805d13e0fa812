"""OpenTelemetry for a customer turn: the gateway's span and the action server's join one trace.

The engine (Rasa OSS 3.6) has no tracing, so the W3C trace context does not travel in HTTP headers:
the gateway puts `traceparent` into the message's metadata beside the turn id, the engine keeps the
metadata with the message, and the action server reads it from the tracker's latest message.

Spans are exported over OTLP only when an endpoint is configured (the standard
OTEL_EXPORTER_OTLP_ENDPOINT, protocol from OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf` by default
or `grpc`); otherwise OpenTelemetry's no-op tracer answers and a turn costs nothing more.

App environment only (the engine neither imports this nor needs to).
"""

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from contracts.turn_context import TRACEPARENT, TURN_ID, turn_id_var

log = logging.getLogger(__name__)
_W3C = TraceContextTextMapPropagator()


def turn_metadata() -> dict[str, str]:
    """What a message to the engine carries for the turn being worked on: its id and the current
    span's trace context (nothing of the latter while tracing is off)."""
    metadata: dict[str, str] = {}
    turn_id = turn_id_var.get()
    if turn_id:
        metadata[TURN_ID] = turn_id
    _W3C.inject(metadata)
    return {key: value for key, value in metadata.items() if key in (TURN_ID, TRACEPARENT)}


def trace_context_in(metadata: Any) -> Context:
    """The gateway's trace context from a message's metadata; an empty one when it has none."""
    traceparent = metadata.get(TRACEPARENT) if isinstance(metadata, Mapping) else None
    return _W3C.extract({TRACEPARENT: traceparent} if isinstance(traceparent, str) else {})


def otlp_exporter(endpoint: str, protocol: str = "http/protobuf") -> SpanExporter:
    """OTLP to the collector at `endpoint` (its base URL, as OTEL_EXPORTER_OTLP_ENDPOINT gives it)."""
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
        return GrpcExporter(endpoint=endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
    return HttpExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")


def exporting_provider(service: str, endpoint: str, protocol: str = "http/protobuf") -> TracerProvider:
    """Spans of `service`, sent in batches to the collector at `endpoint`."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(otlp_exporter(endpoint, protocol)))
    return provider


def start_tracing(service: str, endpoint: str | None, protocol: str = "http/protobuf") -> TracerProvider | None:
    """Makes this process export its spans to `endpoint` as `service`; does nothing without one."""
    if not endpoint:
        return None
    provider = exporting_provider(service, endpoint, protocol)
    trace.set_tracer_provider(provider)
    log.info("exporting traces over OTLP (%s) to %s", protocol, endpoint)
    return provider
