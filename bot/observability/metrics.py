"""The gateway's Prometheus metrics (the official prometheus-client) and the text `/metrics` serves.

Each gateway process counts for itself in prometheus-client's default registry: with several
gateways (`koliber run --gateways N`, Compose replicas) Prometheus scrapes every process and
`sum by (...)` adds them up; nothing is shared between processes. The queue gauges are the
exception: they are read from the shared database at scrape time, so every gateway reports the
same queue (aggregate them with `max`, not `sum`). The action server has its own metrics
(actions/metrics.py).
"""

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

P = ParamSpec("P")
R = TypeVar("R")
logger = logging.getLogger(__name__)

# Seconds: most turns take a fraction of one; the engine's default time-out is 20.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)

TURNS = Counter("koliber_turns", "Customer messages the assistant answered (or apologised for, the engine being "
                "down), by channel and the conversation's language after the turn.", ["channel", "language"])
TURN_SECONDS = Histogram("koliber_turn_seconds", "Seconds a customer turn took: part=gateway the whole turn in the "
                         "gateway (stored message to replies sent), part=engine each request to the engine. The "
                         "actions' share is the action server's koliber_action_seconds.", ["part"],
                         buckets=TURN_BUCKETS)
GATEWAY_TURN = TURN_SECONDS.labels(part="gateway")
ENGINE_TURN = TURN_SECONDS.labels(part="engine")
ENGINE_ERRORS = Counter("koliber_engine_errors", "Engine requests that failed, by kind: timeout, unreachable, "
                        "died_mid_turn, http_status, bad_answer.", ["kind"])
HANDOFFS = Counter("koliber_handoffs", "Tickets opened for a person, by reason and kind (live chat or message).",
                   ["reason", "kind"])
OPEN_WEBSOCKETS = Gauge("koliber_open_websockets", "WebSockets open on this gateway: the web chat widget's (chat) "
                        "and the agent console's (console).", ["kind"])
OPEN_CALLS = Gauge("koliber_open_calls", "Phone calls whose audio this gateway carries now.")
OUTBOUND_FAILURES = Counter("koliber_outbound_failures", "Replies a provider did not take (SMS, WhatsApp, e-mail, "
                            "Messenger), per attempt; final=true when no retry follows.", ["channel", "final"])
ENGINE_UP = Gauge("koliber_engine_up", "1 when the engine answered its status request at the last scrape, else 0 "
                  "(checked at scrape time, so an engine down is seen before a customer writes).", ["engine"])
SURVEY_CALLS = Counter("koliber_survey_calls", "NPS survey calls that ended, by outcome.", ["outcome"])


def timed(histogram: Histogram) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Observes how long each call of a coroutine function takes (prometheus-client's own `time()`
    decorator would only time creating the coroutine)."""
    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(function)
        async def timed_call(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                histogram.observe(time.perf_counter() - started)
        return timed_call
    return decorate


def counted_open(gauge: Gauge) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Counts the calls of a coroutine function under way (a WebSocket's handler: the sockets open)."""
    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(function)
        async def counted_call(*args: P.args, **kwargs: P.kwargs) -> R:
            gauge.inc()
            try:
                return await function(*args, **kwargs)
            finally:
                gauge.dec()
        return counted_call
    return decorate


def engine_failed(error: Exception) -> None:
    ENGINE_ERRORS.labels(kind=_engine_failure_kind(error)).inc()


def _engine_failure_kind(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    if isinstance(error, httpx.ConnectError):
        return "unreachable"
    if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError)):
        return "died_mid_turn"
    if isinstance(error, httpx.HTTPStatusError):
        return "http_status"
    return "bad_answer"


def outbound_failed(channel: str, final: bool) -> None:
    OUTBOUND_FAILURES.labels(channel=channel, final=str(final).lower()).inc()


@dataclass(frozen=True)
class QueueState:
    """The handoff queue as the database has it at scrape time."""

    waiting: Mapping[tuple[str, str], int]  # (language, kind) -> tickets waiting for a person
    oldest_wait_seconds: Mapping[str, float]  # language -> how long its longest-waiting live chat has waited
    agents_available: Mapping[str, int]  # language -> agents available who answer in it
    wait_limit_seconds: float  # the longest expected wait a live chat is offered at (config/handoff.yml)


class QueueCollector(Collector):
    """Queue length, oldest wait and agents available, read when Prometheus scrapes: the queue lives
    in the database every gateway shares, so a value kept in memory would be one gateway's view."""

    def __init__(self) -> None:
        self._read: Callable[[], QueueState] | None = None

    def watch(self, read: Callable[[], QueueState] | None) -> None:
        """Reads the queue with `read` from now on (None: the gateway stopped)."""
        self._read = read

    def watching(self, read: Callable[[], QueueState]) -> bool:
        return self._read is read

    def describe(self) -> Iterable[Metric]:
        return self._families()  # without samples: registering reads nothing

    def collect(self) -> Iterable[Metric]:
        if self._read is None:
            return []
        try:
            state = self._read()
        except Exception:  # noqa: BLE001 - the database is away: the other metrics still matter
            logger.warning("could not read the queue for /metrics", exc_info=True)
            return []
        waiting, oldest, agents, limit = self._families()
        for (language, kind), count in sorted(state.waiting.items()):
            waiting.add_metric([language, kind], count)
        for language, seconds in sorted(state.oldest_wait_seconds.items()):
            oldest.add_metric([language], seconds)
        for language, count in sorted(state.agents_available.items()):
            agents.add_metric([language], count)
        limit.add_metric([], state.wait_limit_seconds)
        return [waiting, oldest, agents, limit]

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily("koliber_queue_waiting", "Tickets waiting for a person, by language and kind "
                              "(live chat or message); the same on every gateway.", labels=["language", "kind"]),
            GaugeMetricFamily("koliber_queue_oldest_wait_seconds", "How long the longest-waiting live chat has "
                              "waited, by language.", labels=["language"]),
            GaugeMetricFamily("koliber_agents_available", "Agents available, by language they answer in.",
                              labels=["language"]),
            GaugeMetricFamily("koliber_queue_wait_limit_seconds", "The longest expected wait a customer is offered "
                              "a live chat at (config/handoff.yml); alerts compare the oldest wait with it."),
        ]


QUEUE = QueueCollector()
REGISTRY.register(QUEUE)


def exposition() -> bytes:
    """Everything this process counts, in Prometheus' text format (reads the queue from the database)."""
    return generate_latest(REGISTRY)
