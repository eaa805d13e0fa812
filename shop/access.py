"""The shop as a process reaches it from its settings: one database engine per process, the SQL
shop service on it, and the verification guard in a unit of work of its own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from shop.policy import cached_policy
from shop.service import SqlShopService
from shop.settings import ShopSettings
from shop.verification_guard import GuardRules, VerificationGuard


@lru_cache
def shop_sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(database_url))


def open_shop(settings: ShopSettings) -> SqlShopService:
    return SqlShopService(shop_sessions(settings.database_url), cached_policy(settings.shop_policy_path))


@contextmanager
def guarding(settings: ShopSettings, sessions: sessionmaker[Session] | None = None,
             clock: Callable[[], datetime] = utcnow) -> Iterator[VerificationGuard]:
    """The verification guard, committed once when the block ends."""
    with unit_of_work(sessions or shop_sessions(settings.database_url)) as session:
        yield VerificationGuard(session, GuardRules.of(settings), clock())
