"""The verification guard: order checks counted in the database, so guessing is stopped in every process."""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from db.base import Base, string_enum
from shop.settings import ShopSettings

# Who made an attempt, as the gateway names them: "ip:…", "phone:…", "api:…".
CLIENT_LENGTH = 200


class LockKind(str, enum.Enum):
    ORDER = "order"
    CLIENT = "client"


class Refusal(str, enum.Enum):
    """Why verification is closed for an attempt."""

    CONVERSATION_EXHAUSTED = "conversation_exhausted"  # this conversation used up its tries, for good
    ORDER_LOCKED = "order_locked"  # too many recent misses for the order, from anyone
    CLIENT_LOCKED = "client_locked"  # too many recent misses from this client, for any order


class VerificationAttempt(Base):
    """One order-number/contact pair a customer gave, and whether it matched."""

    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(32), index=True)
    # The engine's sender id, which is the gateway's conversation id (no foreign key: the engine
    # is also talked to directly, by the tests and the trainer tools).
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str | None] = mapped_column(String(CLIENT_LENGTH), index=True)
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(index=True)


class VerificationLock(Base):
    """Verification closed for an order or a client until `locked_until`."""

    __tablename__ = "verification_locks"
    __table_args__ = (Index("ix_verification_locks_kind_subject", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LockKind] = mapped_column(string_enum(LockKind, 16))
    subject: Mapped[str] = mapped_column(String(CLIENT_LENGTH))  # the order number or the client
    locked_at: Mapped[datetime]
    locked_until: Mapped[datetime]


@dataclass(frozen=True)
class GuardRules:
    conversation_failures: int = 3  # ever, in one conversation
    order_failures: int = 5  # within `window`, for one order, from anyone
    client_failures: int = 10  # within `window`, from one client, for any order
    window: timedelta = timedelta(hours=1)
    lock: timedelta = timedelta(hours=1)

    @classmethod
    def of(cls, settings: ShopSettings) -> "GuardRules":
        """The rules as the shop's settings give them."""
        return cls(conversation_failures=settings.max_verification_attempts,
                   order_failures=settings.verification_order_failures,
                   client_failures=settings.verification_client_failures,
                   window=timedelta(minutes=settings.verification_window_minutes),
                   lock=timedelta(minutes=settings.verification_lock_minutes))


def _client(client: str | None) -> str | None:
    return client[:CLIENT_LENGTH] if client else None


class VerificationGuard:
    """Records verification attempts and says when verification is closed; never commits."""

    def __init__(self, session: Session, rules: GuardRules, now: datetime) -> None:
        self._session = session
        self._rules = rules
        self._now = now

    def refusal(self, conversation_id: str, client: str | None, order_number: str | None) -> Refusal | None:
        """Why this attempt may not be checked at all, or None when it may."""
        if order_number and self.is_locked(LockKind.ORDER, order_number):
            return Refusal.ORDER_LOCKED
        if client and self.is_locked(LockKind.CLIENT, _client(client)):
            return Refusal.CLIENT_LOCKED
        if self._failures(VerificationAttempt.conversation_id == conversation_id) >= self._rules.conversation_failures:
            return Refusal.CONVERSATION_EXHAUSTED
        return None

    def record_failure(self, order_number: str, conversation_id: str, client: str | None) -> None:
        """Counts a pair that did not match, and locks the order or the client once it was one too many."""
        client = _client(client)
        self._record(order_number, conversation_id, client, succeeded=False)
        recent = self._now - self._rules.window
        if self._failures(VerificationAttempt.order_number == order_number, since=recent) >= self._rules.order_failures:
            self._lock(LockKind.ORDER, order_number)
        if client and self._failures(VerificationAttempt.client == client, since=recent) >= self._rules.client_failures:
            self._lock(LockKind.CLIENT, client)

    def record_success(self, order_number: str, conversation_id: str, client: str | None) -> None:
        self._record(order_number, conversation_id, _client(client), succeeded=True)

    def is_locked(self, kind: LockKind, subject: str, at: datetime | None = None) -> bool:
        at = at or self._now
        return self._session.scalar(
            select(func.count()).select_from(VerificationLock)
            .where(VerificationLock.kind == kind, VerificationLock.subject == subject,
                   VerificationLock.locked_at <= at, VerificationLock.locked_until > at)) > 0

    def verified_cleanly(self, conversation_id: str, order_number: str) -> bool:
        """True when this conversation proved the order without a miss, nobody missed on the order
        or from its client within the window, and neither was locked: only then may the conversation's
        channel identity be trusted as the customer's.

        Judged at the time of the success (the action server's clock), not the caller's.
        """
        success = self._session.scalar(
            select(VerificationAttempt)
            .where(VerificationAttempt.conversation_id == conversation_id,
                   VerificationAttempt.order_number == order_number, VerificationAttempt.succeeded)
            .order_by(VerificationAttempt.attempted_at.desc()).limit(1))
        if success is None or self._failures(VerificationAttempt.conversation_id == conversation_id):
            return False
        at, since = success.attempted_at, success.attempted_at - self._rules.window
        order_clean = not (self._failures(VerificationAttempt.order_number == order_number, since=since)
                           or self.is_locked(LockKind.ORDER, order_number, at))
        client_clean = success.client is None or not (
            self._failures(VerificationAttempt.client == success.client, since=since)
            or self.is_locked(LockKind.CLIENT, success.client, at))
        return order_clean and client_clean

    def _record(self, order_number: str, conversation_id: str, client: str | None, succeeded: bool) -> None:
        self._session.add(VerificationAttempt(order_number=order_number, conversation_id=conversation_id,
                                              client=client, succeeded=succeeded, attempted_at=self._now))
        self._session.flush()

    def _failures(self, condition: ColumnElement[bool], since: datetime | None = None) -> int:
        query = (select(func.count()).select_from(VerificationAttempt)
                 .where(condition, VerificationAttempt.succeeded.is_(False)))
        if since is not None:
            query = query.where(VerificationAttempt.attempted_at > since)
        return self._session.scalar(query)

    def _lock(self, kind: LockKind, subject: str) -> None:
        if not self.is_locked(kind, subject):
            self._session.add(VerificationLock(kind=kind, subject=subject, locked_at=self._now,
                                               locked_until=self._now + self._rules.lock))
            self._session.flush()
