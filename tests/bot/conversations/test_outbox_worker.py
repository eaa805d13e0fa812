"""The outbox on its own (SQLite and PostgreSQL): retries that back off, refusals that are final,
claims of a gateway that died, a conversation's order, and a worker that wakes when a retry is due."""

import asyncio
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import outbox
from bot.conversations.delivery import Delivery
from bot.conversations.outbox_worker import RetryPolicy
from bot.conversations.output import OutputChannel, Recipient, SendFailed
from bot.conversations.replies import SystemReplies
from bot.conversations.texts import load_texts
from bot.conversations.views import message_view
from bot.models.conversation import Author, Channel, Conversation, ConversationState
from bot.models.outbox import DeliveryStatus, OutboxMessage
from bot.realtime import CONSOLE_TOPIC, Hub, conversation_topic
from bot.settings import PROJECT_ROOT
from db.base import utcnow
from db.sessions import session_factory, unit_of_work
from testing.clock import ManualClock

PHONE = "+48600700800"
POLICY = RetryPolicy(first_retry=timedelta(seconds=5), longest_retry=timedelta(seconds=40), max_attempts=6,
                     lease=timedelta(seconds=60), poll=timedelta(minutes=5))
OUTAGE = SendFailed("Service Unavailable", "20503")


class ScriptedProvider(OutputChannel):
    """An SMS provider's output channel that refuses as a test tells it to, and otherwise accepts."""

    channel = Channel.SMS
    through_outbox = True

    def __init__(self, texts) -> None:
        super().__init__(texts)
        self.attempts: list[str] = []
        self.accepted: list[str] = []
        self._refusals: deque[SendFailed] = deque()

    def refuse_next(self, count: int, refusal: SendFailed) -> None:
        self._refusals.extend([refusal] * count)

    async def send_text(self, recipient: Recipient, text: str) -> str:
        self.attempts.append(text)
        if self._refusals:
            raise self._refusals.popleft()
        self.accepted.append(text)
        return f"SM{len(self.attempts):032d}"


@dataclass
class Rig:
    """A gateway's delivery on a real database, with a scripted provider for SMS."""

    sessions: sessionmaker[Session]
    delivery: Delivery
    provider: ScriptedProvider
    clock: ManualClock
    hub: Hub

    @classmethod
    def build(cls, sessions: sessionmaker[Session], policy: RetryPolicy = POLICY, clock=None) -> "Rig":
        clock = clock or ManualClock(utcnow())
        hub = Hub()
        texts = load_texts(PROJECT_ROOT / "config" / "gateway_texts.yml", "pl")
        delivery = Delivery(hub, sessions, policy, clock)
        provider = ScriptedProvider(texts)
        delivery.register(provider)
        return cls(sessions, delivery, provider, clock, hub)

    def store(self, *texts: str) -> tuple[str, list[dict[str, Any]]]:
        """The assistant's messages in a new SMS conversation, stored as the core stores them."""
        with unit_of_work(self.sessions) as session:
            now = self.clock()
            conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.SMS, address=PHONE, language="pl",
                                        state=ConversationState.BOT, pending_data={}, created_at=now,
                                        last_activity_at=now)
            session.add(conversation)
            session.flush()
            messages = [SystemReplies.outbound(session, conversation, Author.BOT, text, None, now) for text in texts]
            session.flush()
            return conversation.id, [message_view(message) for message in messages]

    async def store_and_deliver(self, *texts: str) -> tuple[str, list[dict[str, Any]]]:
        conversation_id, views = self.store(*texts)
        await self.delivery.deliver(conversation_id, Channel.SMS, views)
        return conversation_id, views

    def entry(self, message_id: int) -> OutboxMessage:
        with self.sessions() as session:
            return session.query(OutboxMessage).filter_by(message_id=message_id).one()

    async def send_due(self) -> int:
        return await self.delivery.outbox.send_due()


@pytest.fixture
def sessions(migrated_engine) -> sessionmaker[Session]:
    return session_factory(migrated_engine)


def test_a_refused_message_is_retried_with_doubling_jittered_pauses_until_the_attempts_run_out(sessions):
    async def scenario() -> None:
        rig = Rig.build(sessions)
        rig.provider.refuse_next(10, OUTAGE)
        _, [view] = await rig.store_and_deliver("Twoja paczka jest w drodze.")
        pauses = []
        for _ in range(POLICY.max_attempts - 1):
            entry = rig.entry(view["id"])
            assert entry.status == DeliveryStatus.PENDING and entry.problem == "retrying"
            assert entry.error == "Service Unavailable" and entry.error_code == "20503"
            pauses.append((entry.next_attempt_at - rig.clock.now).total_seconds())
            rig.clock.now = entry.next_attempt_at - timedelta(milliseconds=1)
            assert await rig.send_due() == 0  # not before its time
            rig.clock.now = entry.next_attempt_at
            assert await rig.send_due() == 1
        for pause, nominal in zip(pauses, [5, 10, 20, 40, 40], strict=True):
            assert 0.8 * nominal <= pause <= 1.2 * nominal, pauses
        entry = rig.entry(view["id"])
        assert entry.status == DeliveryStatus.FAILED and entry.attempts == POLICY.max_attempts
        rig.clock.advance(days=1)
        assert await rig.send_due() == 0
        assert rig.provider.attempts == ["Twoja paczka jest w drodze."] * POLICY.max_attempts
        assert rig.provider.accepted == []
    asyncio.run(scenario())


def test_a_permanent_refusal_fails_at_once_and_tells_the_agents_live(sessions):
    async def scenario() -> None:
        rig = Rig.build(sessions)
        rig.provider.refuse_next(1, SendFailed.from_http(400, "Attempt to send to unsubscribed recipient", 21610))
        conversation_id, [view] = rig.store("Dziękujemy za zakupy!")
        events: asyncio.Queue = asyncio.Queue()
        rig.hub.subscribe(conversation_topic(conversation_id), events)
        rig.hub.subscribe(CONSOLE_TOPIC, events)
        await rig.delivery.deliver(conversation_id, Channel.SMS, [view])

        entry = rig.entry(view["id"])
        assert (entry.status, entry.attempts, entry.error_code) == (DeliveryStatus.FAILED, 1, "21610")
        shown = [events.get_nowait() for _ in range(events.qsize())]
        assert [event["type"] for event in shown] == ["message", "message", "queue_changed"]
        assert shown[0]["message"]["delivery"]["status"] == "pending"  # as stored, before the attempt
        assert shown[1]["message"]["delivery"] == {
            "status": "failed", "problem": "failed", "attempts": 1,
            "error": "Attempt to send to unsubscribed recipient", "error_code": "21610",
            "next_attempt_at": None, "provider_id": None, "sent_at": None}
        rig.clock.advance(days=1)
        assert await rig.send_due() == 0
        assert rig.provider.attempts == ["Dziękujemy za zakupy!"]
    asyncio.run(scenario())


@pytest.mark.parametrize("status, permanent", [(400, True), (404, True), (401, False), (429, False), (500, False),
                                               (503, False), (None, False)])
def test_only_client_errors_about_the_message_are_final(status, permanent):
    assert SendFailed.from_http(status, "refused").permanent is permanent


def test_a_message_claimed_by_a_gateway_that_died_is_sent_once_its_lease_runs_out(sessions):
    async def scenario() -> None:
        rig = Rig.build(sessions)
        _, [view] = rig.store("Zamówienie 48213 wysłane.")
        with unit_of_work(sessions) as session:  # another gateway claims it, then dies mid-send
            dead = outbox.claim_next(session, rig.clock(), POLICY.lease)
            assert dead.message_id == view["id"]
        rig.clock.advance(seconds=59)
        assert await rig.send_due() == 0  # the claim still holds: no second copy
        rig.clock.advance(seconds=1)
        assert await rig.send_due() == 1
        assert rig.provider.accepted == ["Zamówienie 48213 wysłane."]
        entry = rig.entry(view["id"])
        assert (entry.status, entry.attempts) == (DeliveryStatus.SENT, 2) and entry.provider_id.startswith("SM")
        with unit_of_work(sessions) as session:  # the first claim's outcome can no longer overwrite it
            assert not outbox.record_sent(session, dead.id, 1, "SMlate", rig.clock())
    asyncio.run(scenario())


def test_a_conversations_messages_arrive_in_order_when_the_first_must_be_retried(sessions):
    async def scenario() -> None:
        rig = Rig.build(sessions)
        rig.provider.refuse_next(1, OUTAGE)
        _, [question, options] = await rig.store_and_deliver("Podaj numer zamówienia.", "Albo napisz 'pomoc'.")
        assert rig.provider.attempts == ["Podaj numer zamówienia."]  # the second waits behind the first
        assert rig.entry(options["id"]).attempts == 0
        rig.clock.now = rig.entry(question["id"]).next_attempt_at
        assert await rig.send_due() == 2
        assert rig.provider.accepted == ["Podaj numer zamówienia.", "Albo napisz 'pomoc'."]
    asyncio.run(scenario())


def test_the_worker_retries_when_the_retry_falls_due_not_at_its_next_poll(sessions):
    quick_retry = RetryPolicy(first_retry=timedelta(milliseconds=200), longest_retry=timedelta(seconds=1),
                              max_attempts=3, lease=timedelta(seconds=60), poll=timedelta(minutes=5))

    async def scenario() -> None:
        rig = Rig.build(sessions, quick_retry, clock=utcnow)
        rig.provider.refuse_next(1, OUTAGE)
        rig.delivery.outbox.start()
        try:
            await rig.store_and_deliver("Paczka czeka w paczkomacie.")
            async with asyncio.timeout(30):  # far less than the five minutes between polls
                while not rig.provider.accepted:
                    await asyncio.sleep(0.02)
        finally:
            await rig.delivery.outbox.stop()
        assert rig.provider.attempts == ["Paczka czeka w paczkomacie."] * 2
    asyncio.run(scenario())
