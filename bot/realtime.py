"""Live updates: topics ("conversation:<id>", "console", ...) fan out events to the open WebSockets
subscribed to them. One gateway fans out in its own process (Hub); several share every event
through Redis pub/sub (RedisHub), so a customer on one gateway and an agent on another see each
other's messages as they are written.
"""

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any

import redis.asyncio as redis

log = logging.getLogger(__name__)

Event = dict[str, Any]
CHANNEL_PREFIX = "koliber:live:"
RECONNECT_SECONDS = 1.0


class Hub:
    """Fans events out to this process's subscribers."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to disconnect from."""

    def status(self) -> str:
        return "not configured"

    def subscribe(self, topic: str, queue: asyncio.Queue[Event]) -> None:
        self._subscribers[topic].add(queue)

    def unsubscribe(self, topic: str, queue: asyncio.Queue[Event]) -> None:
        subscribers = self._subscribers.get(topic)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[topic]

    def publish(self, topic: str, event: Event) -> None:
        self._fan_out(topic, event)

    def _fan_out(self, topic: str, event: Event) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A socket that stopped reading; it will reload from the database on reconnect.
                log.warning("dropping an event for a slow subscriber of %s", topic)


class RedisHub(Hub):
    """Publishes every event to Redis and fans out what Redis delivers, its own events included, so
    every gateway's subscribers see them in one order. While Redis is away this gateway's own
    subscribers still get its own events, `status()` says so, and it reconnects on its own."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=10)
        self._outgoing: asyncio.Queue[tuple[str, Event]] = asyncio.Queue(maxsize=10_000)
        self._listening = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._error: str | None = "connecting"

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen(), name="hub-listen"),
                       asyncio.create_task(self._send(), name="hub-publish")]
        with contextlib.suppress(TimeoutError):  # Redis away at start-up: the gateway starts anyway
            await asyncio.wait_for(self._listening.wait(), 5)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    def status(self) -> str:
        return "ok" if self._error is None else f"error: {self._error}"

    def publish(self, topic: str, event: Event) -> None:
        if not self._listening.is_set():
            self._fan_out(topic, event)  # nobody else can hear it now; this gateway's own clients still do
            return
        try:
            self._outgoing.put_nowait((topic, event))
        except asyncio.QueueFull:
            log.warning("dropping a live event for %s: Redis is not keeping up", topic)

    async def _send(self) -> None:
        while True:
            topic, event = await self._outgoing.get()
            try:
                await self._redis.publish(CHANNEL_PREFIX + topic, json.dumps(event, ensure_ascii=False, default=str))
            except (redis.RedisError, OSError) as error:
                self._lost(error)
                self._fan_out(topic, event)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                    self._error = None
                    self._listening.set()
                    log.info("live updates shared through Redis")
                    async for message in pubsub.listen():
                        if message["type"] == "pmessage":
                            self._fan_out(message["channel"].decode().removeprefix(CHANNEL_PREFIX),
                                          json.loads(message["data"]))
            except (redis.RedisError, OSError) as error:
                self._lost(error)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _lost(self, error: Exception) -> None:
        if self._error is None:
            log.warning("Redis is away (%s): live updates reach only this gateway's clients until it is back", error)
        self._error = type(error).__name__
        self._listening.clear()


def hub_for(redis_url: str | None) -> Hub:
    return RedisHub(redis_url) if redis_url else Hub()


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def ticket_topic(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


CONSOLE_TOPIC = "console"
AVAILABILITY_TOPIC = "availability"
