"""Tells everyone what changed in the queue: waiting customers their new place, agents to refresh."""

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.queue import HandoffQueue, QueuePlace
from bot.realtime import AVAILABILITY_TOPIC, CONSOLE_TOPIC, Hub, conversation_topic


class QueueAnnouncer:
    def __init__(self, sessions: sessionmaker[Session], queue: HandoffQueue, hub: Hub) -> None:
        self._sessions = sessions
        self._queue = queue
        self._hub = hub

    def _places(self) -> dict[str, QueuePlace]:
        with self._sessions() as session:
            return self._queue.places(session)

    async def announce(self) -> None:
        for conversation_id, place in (await asyncio.to_thread(self._places)).items():
            self._hub.publish(conversation_topic(conversation_id),
                              {"type": "queue", "position": place.position, "wait_minutes": place.wait_minutes})
        self._hub.publish(CONSOLE_TOPIC, {"type": "queue_changed"})
        # Waiting times changed, so whether a person can be offered may have changed too.
        self._hub.publish(AVAILABILITY_TOPIC, {"type": "availability_changed"})
