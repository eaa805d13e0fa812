"""Shared fixtures: real databases (SQLite and the local PostgreSQL), the seeded demo shop, a fixed clock."""

import os

# The code defaults to production; the tests run in development (placeholder Twilio token, demo
# accounts) unless a test builds production settings itself. Processes the tests start inherit it.
os.environ["KOLIBER_ENV"] = "development"
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.cli import main
from bot.persistence.migrate import upgrade
from bot.settings import PROJECT_ROOT, get_settings
from db.sessions import make_engine, session_factory, unit_of_work
from shop.policy import ShopPolicy, load_policy
from shop.seed import seed_demo_shop
from shop.service import SqlShopService
from shop.settings import shop_settings
from testing.fakes.shop_platform import ServedPlatforms
from tests.browser import browser  # noqa: F401  (headless Chromium, once per session)
from tests.stack import stack  # noqa: F401  (the real engine + action server, once per session)

# Monday 23 November 2026, 10:00 in Warsaw: a business day, before the dispatch cut-off.
FIXED_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
POSTGRES_ADMIN_URL = os.environ.get("KOLIBER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    try:
        engine = make_engine(POSTGRES_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_admin() -> Engine:
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} (set KOLIBER_TEST_POSTGRES_URL)")
    url = POSTGRES_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind; the PostgreSQL one is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'koliber.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name = f"koliber_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(autouse=True)
def _verification_guard_forgets_each_test(request) -> Iterator[None]:
    """Every test that talks to the shared engine starts with no guesses counted against any order."""
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").forget_guesses()


@pytest.fixture(scope="session")
def shop_platforms() -> Iterator[ServedPlatforms]:
    """Local fakes of WooCommerce, Shopify and BaseLinker, each started when a test first needs it."""
    with ExitStack() as started:
        yield ServedPlatforms(started)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """One migrated SQLite file per session, for tests that each work on a copy of it."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:  # everything in the file itself, so a copy holds it all
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def koliber(monkeypatch) -> Callable[..., int]:
    """Runs a `koliber` command in this process with the given environment variables (as a user's
    shell would set them), reading the settings afresh."""
    def run(*argv: str, **env: str) -> int:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        shop_settings.cache_clear()
        try:
            return main(list(argv))
        finally:
            get_settings.cache_clear()
            shop_settings.cache_clear()
    return run


@pytest.fixture(scope="session")
def policy() -> ShopPolicy:
    return load_policy(PROJECT_ROOT / "config" / "shop_policy.yml")


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def shop(migrated_engine: Engine, policy: ShopPolicy) -> SqlShopService:
    """The demo shop, seeded as of FIXED_NOW, on a fresh database of each kind."""
    sessions = session_factory(migrated_engine)
    with unit_of_work(sessions) as session:
        seed_demo_shop(session, policy, FIXED_NOW, filler_orders=5)
    return SqlShopService(sessions, policy, clock=lambda: FIXED_NOW)
