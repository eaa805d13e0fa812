"""The shop as a process reaches it from its settings: one database engine per process, the shop
service (the demo shop's tables, or the shop's platform with its order cache in that database), and
the verification guard in a unit of work of its own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from shop.platforms import connect_platform
from shop.platforms.service import PlatformShopService
from shop.policy import cached_policy
from shop.policy_settings import LivePolicy
from shop.service import ShopService, SqlShopService
from shop.settings import ShopSettings
from shop.verification_guard import GuardRules, VerificationGuard


@lru_cache
def shop_sessions(database_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(database_url))


def open_shop(settings: ShopSettings, clock: Callable[[], datetime] = utcnow) -> ShopService:
    return shop_service(settings, shop_sessions(settings.database_url), clock)


def live_policy(settings: ShopSettings, sessions: sessionmaker[Session]) -> LivePolicy:
    """The shop policy in force: config/shop_policy.yml with the owner's changes from the database."""
    return LivePolicy(sessions, cached_policy(settings.shop_policy_path), settings.settings_cache_seconds)


def shop_service(settings: ShopSettings, sessions: sessionmaker[Session],
                 clock: Callable[[], datetime] = utcnow, policy: LivePolicy | None = None) -> ShopService:
    """The demo shop on `sessions`' database, or the shop's platform with its order cache there."""
    policy = live_policy(settings, sessions) if policy is None else policy
    if settings.shop_platform == "demo":
        return SqlShopService(sessions, policy, clock)
    return PlatformShopService(connect_platform(settings), sessions, policy,
                               timedelta(seconds=settings.shop_cache_seconds), clock)


@contextmanager
def guarding(settings: ShopSettings, sessions: sessionmaker[Session] | None = None,
             clock: Callable[[], datetime] = utcnow) -> Iterator[VerificationGuard]:
    """The verification guard, committed once when the block ends."""
    with unit_of_work(sessions or shop_sessions(settings.database_url)) as session:
        yield VerificationGuard(session, GuardRules.of(settings), clock())
