"""A customer turn in the gateway: its id, its log lines and its span.

Every log line written while the turn is worked on (in the event loop or a worker thread) names the
conversation and the turn (contracts/log_lines.py); the engine client sends both, with the trace
context, in the message's metadata (contracts/tracing.py), so the engine's and the action server's
lines name the same turn and the action server's span joins this one's trace.
"""

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry import trace

from contracts.turn_context import new_turn_id, working_on

log = logging.getLogger(__name__)
tracer = trace.get_tracer("koliber.gateway")


@asynccontextmanager
async def customer_turn(conversation_id: str, kind: str = "customer message") -> AsyncIterator[str]:
    """Works on one turn of the conversation under a new turn id (yielded)."""
    turn_id = new_turn_id()
    started = time.perf_counter()
    with tracer.start_as_current_span("koliber.turn", attributes={
            "koliber.conversation_id": conversation_id, "koliber.turn_id": turn_id, "koliber.turn_kind": kind}), \
            working_on(conversation_id, turn_id):
        log.info("turn started: %s", kind)
        try:
            yield turn_id
        finally:
            log.info("turn ended in %.0f ms", (time.perf_counter() - started) * 1000)
