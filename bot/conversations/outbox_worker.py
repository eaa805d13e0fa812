"""Sends what the outbox holds: a new message at once, a refused one again with exponential back-off
and jitter until the provider takes it, refuses it for good, or the attempts run out.

Each attempt is claimed in the database first, so gateways sharing one database never send a
message twice while they live. A gateway that dies mid-send leaves a claim whose lease runs out,
and the message is sent again: when the provider had already accepted it, that one is doubled.
"""

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import outbox
from bot.conversations.output import MessageView, OutputChannel, Recipient, SendFailed
from bot.conversations.views import message_view
from bot.models.conversation import Channel, Message
from bot.observability import metrics
from bot.realtime import CONSOLE_TOPIC, Hub, conversation_topic
from bot.settings import Settings
from db.sessions import unit_of_work

log = logging.getLogger(__name__)

# The shortest pause between two looks at the outbox, so a row another gateway is claiming right
# now (due, but not claimable for a moment) cannot make the worker spin.
SHORTEST_PAUSE_SECONDS = 0.05


@dataclass(frozen=True)
class RetryPolicy:
    first_retry: timedelta
    longest_retry: timedelta
    max_attempts: int
    lease: timedelta  # must outlast one send, provider time-out included
    poll: timedelta  # how soon a worker notices messages another gateway left behind

    @classmethod
    def from_settings(cls, settings: Settings) -> "RetryPolicy":
        return cls(timedelta(seconds=settings.outbox_first_retry_seconds),
                   timedelta(seconds=settings.outbox_longest_retry_seconds), settings.outbox_max_attempts,
                   timedelta(seconds=settings.outbox_lease_seconds), timedelta(seconds=settings.outbox_poll_seconds))

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after `attempts` failed attempts: doubling up to the longest, ±20% so messages
        refused together (a provider outage) are not all retried in the same second."""
        nominal = min(self.longest_retry, self.first_retry * 2 ** (attempts - 1))
        return nominal * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class _Attempt:
    """One claimed attempt to send one message."""

    entry_id: int
    number: int
    message_id: int
    channel: Channel
    recipient: Recipient
    message: MessageView


class OutboxWorker:
    def __init__(self, sessions: sessionmaker[Session], outputs: Mapping[Channel, OutputChannel], hub: Hub,
                 policy: RetryPolicy, clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._outputs = outputs
        self._hub = hub
        self._policy = policy
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    # --- the background loop ----------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Lets a send in flight finish (it is recorded, not sent again), then stops."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=self._policy.lease.total_seconds())
            if not done:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    def wake(self) -> None:
        """Look at the outbox now: a retry time changed, or a message waiting behind another may be due."""
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.send_due()
                pause = await asyncio.to_thread(self._pause)
            except Exception:  # noqa: BLE001 - the database went away; the messages wait in it
                log.exception("could not work through the outbox")
                pause = self._policy.poll.total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)

    def _pause(self) -> float:
        """Seconds until the earliest retry or lease expiry, at most the poll interval."""
        with self._sessions() as session:
            due = outbox.next_due_at(session)
        poll = self._policy.poll.total_seconds()
        if due is None:
            return poll
        return min(poll, max(SHORTEST_PAUSE_SECONDS, (due - self._clock()).total_seconds()))

    # --- sending ------------------------------------------------------------------------------
    async def send_now(self, message_ids: Collection[int]) -> None:
        """Sends these freshly stored messages now, in order; what fails is left to the loop."""
        try:
            while (attempt := await asyncio.to_thread(self._claim, message_ids)) is not None:
                await self._make(attempt)
        except Exception:  # noqa: BLE001 - the messages stay in the outbox and the loop sends them
            log.exception("could not send messages %s now", list(message_ids))
        finally:
            self.wake()

    async def send_due(self) -> int:
        """Makes every attempt that is due, one at a time; returns how many were made."""
        made = 0
        while not self._stopping and (attempt := await asyncio.to_thread(self._claim, None)) is not None:
            await self._make(attempt)
            made += 1
        return made

    def _claim(self, message_ids: Collection[int] | None) -> _Attempt | None:
        with unit_of_work(self._sessions) as session:
            entry = outbox.claim_next(session, self._clock(), self._policy.lease, message_ids)
            if entry is None:
                return None
            message = session.get(Message, entry.message_id)
            conversation = message.conversation
            return _Attempt(entry.id, entry.attempts, message.id, message.channel,
                            Recipient(conversation.id, conversation.address, message.language or conversation.language),
                            message_view(message))

    async def _make(self, attempt: _Attempt) -> None:
        provider_id, failure = None, None
        output = self._outputs.get(attempt.channel)
        try:
            if output is None:
                raise SendFailed(f"no output channel for {attempt.channel.value} messages", permanent=True)
            if not attempt.recipient.address:
                raise SendFailed("the conversation has no address to send to", permanent=True)
            provider_id = await output.send_message(attempt.recipient, attempt.message)
        except SendFailed as refusal:
            failure = refusal
        except Exception as error:  # noqa: BLE001 - a time-out or a broken connection: try again later
            log.exception("sending message %s on %s failed", attempt.message_id, attempt.channel.value)
            failure = SendFailed(str(error) or type(error).__name__)
        changed = await asyncio.to_thread(self._record, attempt, provider_id, failure)
        if changed is not None:
            self._hub.publish(conversation_topic(attempt.recipient.conversation_id), {"type": "message", "message": changed})
            self._hub.publish(CONSOLE_TOPIC, {"type": "queue_changed"})  # the queue's "unreachable" badge

    def _record(self, attempt: _Attempt, provider_id: str | None, failure: SendFailed | None) -> dict[str, Any] | None:
        """Stores the attempt's outcome; returns the message's view when agents should see a change
        (a failure, or a success after failures)."""
        with unit_of_work(self._sessions) as session:
            now = self._clock()
            if failure is None:
                recorded = outbox.record_sent(session, attempt.entry_id, attempt.number, provider_id, now)
                visible = attempt.number > 1
            else:
                last = failure.permanent or attempt.number >= self._policy.max_attempts
                metrics.outbound_failed(attempt.channel.value, final=last)
                retry_at = None if last else now + self._policy.retry_delay(attempt.number)
                recorded = outbox.record_failure(session, attempt.entry_id, attempt.number, failure.reason,
                                                 failure.code, retry_at)
                visible = True
                log.warning("message %s on %s not delivered (attempt %d): %s; %s", attempt.message_id,
                            attempt.channel.value, attempt.number, failure.reason,
                            f"retrying at {retry_at.isoformat()}" if retry_at else "giving up")
            if not recorded:
                log.warning("message %s: the claim ran out before attempt %d ended; another gateway may send it too",
                            attempt.message_id, attempt.number)
                return None
            return message_view(session.get(Message, attempt.message_id)) if visible else None
