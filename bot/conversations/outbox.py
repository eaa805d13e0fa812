"""Queries on the outbox (bot/models/outbox.py): queue a message, claim the next due one, settle an
attempt. Nothing here commits; the caller's unit of work does."""

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.models.conversation import Message
from bot.models.outbox import OPEN, DeliveryStatus, OutboxMessage


def enqueue(session: Session, message: Message, now: datetime) -> OutboxMessage:
    """Queues a stored message for sending, due at once (in the transaction that stores the message)."""
    conversation_id = message.conversation.id if message.conversation is not None else message.conversation_id
    entry = OutboxMessage(message=message, conversation_id=conversation_id, status=DeliveryStatus.PENDING,
                          attempts=0, next_attempt_at=now, created_at=now)
    session.add(entry)
    return entry


def _due(row, now: datetime):
    return or_(and_(row.status == DeliveryStatus.PENDING, row.next_attempt_at <= now),
               and_(row.status == DeliveryStatus.SENDING, row.lease_expires_at <= now))


def _first_in_line(row):
    """A customer gets a conversation's messages in order: none goes while an earlier one still waits."""
    earlier = aliased(OutboxMessage)
    return ~exists().where(earlier.conversation_id == row.conversation_id, earlier.message_id < row.message_id,
                           earlier.status.in_(OPEN))


def claim_next(session: Session, now: datetime, lease: timedelta,
               message_ids: Collection[int] | None = None) -> OutboxMessage | None:
    """Claims the next due message (of `message_ids`, when given) for one attempt, in one conditional
    UPDATE: rows another gateway is claiming are skipped (PostgreSQL) or wait for it (SQLite)."""
    row = aliased(OutboxMessage)
    candidate = (select(row.id).where(_due(row, now), _first_in_line(row))
                 .order_by(row.next_attempt_at, row.message_id).limit(1).with_for_update(skip_locked=True))
    if message_ids is not None:
        candidate = candidate.where(row.message_id.in_(message_ids))
    return session.scalar(
        update(OutboxMessage)
        .where(OutboxMessage.id == candidate.scalar_subquery(), _due(OutboxMessage, now))
        .values(status=DeliveryStatus.SENDING, attempts=OutboxMessage.attempts + 1, lease_expires_at=now + lease,
                last_attempt_at=now)
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False))


def _settle(session: Session, entry_id: int, attempt: int, **values) -> bool:
    """Records an attempt's outcome, unless its claim was lost (the lease ran out and another gateway took it)."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == entry_id, OutboxMessage.status == DeliveryStatus.SENDING,
               OutboxMessage.attempts == attempt)
        .values(lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)).rowcount == 1


def record_sent(session: Session, entry_id: int, attempt: int, provider_id: str | None, now: datetime) -> bool:
    return _settle(session, entry_id, attempt, status=DeliveryStatus.SENT, provider_id=provider_id, sent_at=now)


def record_failure(session: Session, entry_id: int, attempt: int, reason: str, code: str | None,
                   retry_at: datetime | None) -> bool:
    """A refused attempt: retried at `retry_at`, or failed for good when there is none."""
    if retry_at is None:
        return _settle(session, entry_id, attempt, status=DeliveryStatus.FAILED, error=reason[:500], error_code=code)
    return _settle(session, entry_id, attempt, status=DeliveryStatus.PENDING, error=reason[:500], error_code=code,
                   next_attempt_at=retry_at)


def next_due_at(session: Session) -> datetime | None:
    """When the next message falls due (a retry, or a claim whose lease runs out); None when nothing waits."""
    row = OutboxMessage
    retries = session.scalar(select(func.min(row.next_attempt_at))
                             .where(row.status == DeliveryStatus.PENDING, _first_in_line(row)))
    leases = session.scalar(select(func.min(row.lease_expires_at)).where(row.status == DeliveryStatus.SENDING))
    return min((moment for moment in (retries, leases) if moment is not None), default=None)


def delivery_problem(session: Session, conversation_id: str) -> str | None:
    """Whether the customer could not be reached: judged by the latest message the outbox tried to send."""
    latest = session.scalar(select(OutboxMessage)
                            .where(OutboxMessage.conversation_id == conversation_id, OutboxMessage.attempts > 0)
                            .order_by(OutboxMessage.message_id.desc()).limit(1))
    return latest.problem if latest is not None else None
