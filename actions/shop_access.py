"""Where actions get the shop service, the verification guard and the conversation's language from."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from sqlalchemy.orm import Session, sessionmaker

from shop.access import guarding, open_shop
from shop.service import ShopService
from shop.settings import shop_settings
from shop.verification_guard import VerificationGuard

_service: ShopService | None = None
_guard_sessions: sessionmaker[Session] | None = None
_guard_clock: Callable[[], datetime] | None = None


def shop() -> ShopService:
    """The shop the actions talk to: the SQL shop of the configured database unless a test set one."""
    global _service
    if _service is None:
        _service = open_shop(shop_settings())
    return _service


def use_shop(service: ShopService | None) -> None:
    global _service
    _service = service


@contextmanager
def verification_guard() -> Iterator[VerificationGuard]:
    """The verification guard in one unit of work, on the configured database unless a test set one."""
    clock = {"clock": _guard_clock} if _guard_clock else {}
    with guarding(shop_settings(), _guard_sessions, **clock) as guard:
        yield guard


def use_verification_guard(sessions: sessionmaker[Session] | None,
                           clock: Callable[[], datetime] | None = None) -> None:
    global _guard_sessions, _guard_clock
    _guard_sessions, _guard_clock = sessions, clock


def language(tracker: Tracker) -> str:
    value = tracker.get_slot("language")
    return value if value in ("pl", "en") else shop_settings().default_language


def order_numbers() -> range:
    """How many digits the shop's order numbers may have."""
    return shop_settings().order_number_lengths


def conversation_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def client(tracker: Tracker) -> str | None:
    """Who is writing, as the gateway names them ("ip:…", "phone:…", "api:…"), when it says."""
    value = conversation_metadata(tracker).get("client")
    return value if isinstance(value, str) and value else None
