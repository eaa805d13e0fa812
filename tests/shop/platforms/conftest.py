"""The shop adapters under one test suite: the demo shop (Koliber's own tables) and Koliber's real
WooCommerce, Shopify and BaseLinker adapters, each talking to a local fake of its platform, all
loaded with the same orders (testing/shop_scenario.py)."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.sessions import make_engine, session_factory, unit_of_work
from shop.order_views import OrderView
from shop.platforms.service import PlatformShopService
from shop.service import ShopService, SqlShopService
from testing.clock import ManualClock
from testing.fakes.shop_platform import FakeShopPlatform
from testing.shop_scenario import load_into_database, scenario_orders

PLATFORMS = ("woocommerce", "shopify", "baselinker")
CACHE_TTL = timedelta(minutes=2)


@dataclass
class ShopUnderTest:
    name: str
    service: ShopService
    orders: dict[str, OrderView]  # the scenario, by what each order is for
    clock: ManualClock
    sessions: sessionmaker[Session]
    fake: FakeShopPlatform | None = None  # None for the demo shop

    def number(self, role: str) -> str:
        return self.orders[role].number


def fresh_sessions(template: Path, directory: Path) -> sessionmaker[Session]:
    path = directory / "koliber.db"
    shutil.copy(template, path)
    return session_factory(make_engine(f"sqlite:///{path}"))


def platform_shop_on(fake: FakeShopPlatform, template: Path, directory: Path, policy) -> Iterator[ShopUnderTest]:
    clock = ManualClock(datetime.now(timezone.utc).replace(microsecond=0))
    orders = scenario_orders(clock.now)
    fake.faults.reset()
    fake.load(orders.values())
    sessions = fresh_sessions(template, directory)
    service = PlatformShopService(fake.adapter(), sessions, policy, CACHE_TTL, clock)
    yield ShopUnderTest(fake.name, service, orders, clock, sessions, fake)
    fake.faults.reset()


@pytest.fixture(params=PLATFORMS)
def platform_shop(request, shop_platforms, migrated_template, tmp_path, policy) -> Iterator[ShopUnderTest]:
    """A platform adapter against its fake, with the scenario loaded and no fault pending."""
    yield from platform_shop_on(shop_platforms[request.param], migrated_template, tmp_path, policy)


def demo_shop_on(template: Path, directory: Path, policy) -> ShopUnderTest:
    clock = ManualClock(datetime.now(timezone.utc).replace(microsecond=0))
    orders = scenario_orders(clock.now)
    sessions = fresh_sessions(template, directory)
    with unit_of_work(sessions) as session:
        load_into_database(session, orders.values())
    return ShopUnderTest("demo", SqlShopService(sessions, policy, clock), orders, clock, sessions)


@pytest.fixture(params=("demo", *PLATFORMS))
def any_shop(request, shop_platforms, migrated_template, tmp_path, policy) -> Iterator[ShopUnderTest]:
    """Every adapter: the demo shop, then each platform's adapter against its fake."""
    if request.param == "demo":
        yield demo_shop_on(migrated_template, tmp_path, policy)
    else:
        yield from platform_shop_on(shop_platforms[request.param], migrated_template, tmp_path, policy)
