"""Failed console log-ins, counted in the database that every gateway shares: a username or an address
that fails too often within the window is locked for a while, and a locked attempt is refused before
any password is hashed, so guessing costs the server nothing."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from bot.models.handoff import LoginFailure
from bot.settings import Settings

KEY_CHARS = 64  # the columns' width; longer usernames cannot exist anyway


def address_key(host: str | None) -> str:
    """Whom an address stands for: an IPv4 address, or an IPv6 client's whole /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:KEY_CHARS]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class LoginThrottle:
    failures_per_user: int
    failures_per_address: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginThrottle":
        return cls(settings.login_failures_per_user, settings.login_failures_per_address,
                   timedelta(minutes=settings.login_failure_window_minutes),
                   timedelta(minutes=settings.login_lockout_minutes))

    def locked_until(self, session: Session, username: str, address: str, now: datetime) -> datetime | None:
        """When the later of the username's and the address's locks ends; None when neither is locked."""
        ends = (self._lock_end(session, LoginFailure.username == username[:KEY_CHARS], self.failures_per_user),
                self._lock_end(session, LoginFailure.address == address, self.failures_per_address))
        return max((end for end in ends if end is not None and end > now), default=None)

    def _lock_end(self, session: Session, whose: ColumnElement[bool], limit: int) -> datetime | None:
        # No failure is recorded while locked, so the newest of `limit` failures within the window
        # is the one that locked, and the lock runs from it.
        latest = session.scalars(select(LoginFailure.failed_at).where(whose)
                                 .order_by(LoginFailure.failed_at.desc()).limit(limit)).all()
        if len(latest) < limit or latest[0] - latest[-1] > self.window:
            return None
        return latest[0] + self.lockout

    def failed(self, session: Session, username: str, address: str, now: datetime) -> None:
        session.add(LoginFailure(username=username[:KEY_CHARS], address=address, failed_at=now))
        self._forget_stale(session, now)

    def succeeded(self, session: Session, username: str, now: datetime) -> None:
        """A successful log-in forgives the user's failures (not the address's)."""
        session.execute(delete(LoginFailure).where(LoginFailure.username == username[:KEY_CHARS]))
        self._forget_stale(session, now)

    def _forget_stale(self, session: Session, now: datetime) -> None:
        # Older failures can neither lock nor be part of a lock any more.
        session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - self.window - self.lockout))
