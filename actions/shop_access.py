"""Where actions get the shop service, the verification guard and the conversation's language from."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session, sessionmaker

from bot.persistence.base import utcnow
from bot.persistence.database import default_engine, session_factory, unit_of_work
from bot.settings import get_settings
from bot.shop.policy import cached_policy
from bot.shop.service import ShopService, SqlShopService
from bot.shop.verification_guard import GuardRules, VerificationGuard

_service: ShopService | None = None
_guard_sessions: sessionmaker[Session] | None = None
_guard_clock: Callable[[], datetime] = utcnow


def shop() -> ShopService:
    """The shop the actions talk to: the SQL shop of the configured database unless a test set one."""
    global _service
    if _service is None:
        settings = get_settings()
        _service = SqlShopService(session_factory(default_engine()), cached_policy(settings.shop_policy_path))
    return _service


def use_shop(service: ShopService | None) -> None:
    global _service
    _service = service


@contextmanager
def verification_guard() -> Iterator[VerificationGuard]:
    """The verification guard in one unit of work, on the configured database unless a test set one."""
    global _guard_sessions
    if _guard_sessions is None:
        _guard_sessions = session_factory(default_engine())
    with unit_of_work(_guard_sessions) as session:
        yield VerificationGuard(session, GuardRules.of(get_settings()), _guard_clock())


def use_verification_guard(sessions: sessionmaker[Session] | None, clock: Callable[[], datetime] = utcnow) -> None:
    global _guard_sessions, _guard_clock
    _guard_sessions, _guard_clock = sessions, clock


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in ("pl", "en") else get_settings().default_language


def conversation_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def client(tracker: Tracker) -> str | None:
    """Who is writing, as the gateway names them ("ip:…", "phone:…", "api:…"), when it says."""
    value = conversation_metadata(tracker).get("client")
    return value if isinstance(value, str) and value else None
