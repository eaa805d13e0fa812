"""Live updates inside one gateway process: topics ("conversation:<id>", "console", ...) fan out
events to the open WebSockets subscribed to them.

Several gateways would put Redis pub/sub behind the same two methods (see ARCHITECTURE.md).
"""

import asyncio
import logging
from collections import defaultdict
from typing import Any

log = logging.getLogger(__name__)

Event = dict[str, Any]


class Hub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = defaultdict(set)

    def subscribe(self, topic: str, queue: asyncio.Queue[Event]) -> None:
        self._subscribers[topic].add(queue)

    def unsubscribe(self, topic: str, queue: asyncio.Queue[Event]) -> None:
        subscribers = self._subscribers.get(topic)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[topic]

    def publish(self, topic: str, event: Event) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # A socket that stopped reading; it will reload from the database on reconnect.
                log.warning("dropping an event for a slow subscriber of %s", topic)


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


def ticket_topic(ticket_id: int) -> str:
    return f"ticket:{ticket_id}"


CONSOLE_TOPIC = "console"
AVAILABILITY_TOPIC = "availability"
