"""A fresh database with the demo shop in it, as tests, benchmarks and demos start from."""

from datetime import datetime, timezone

from bot.persistence.migrate import upgrade
from db.sessions import make_engine, session_factory, unit_of_work
from shop.policy import load_policy
from shop.seed import seed_demo_shop
from shop.service import SqlShopService
from shop.settings import shop_settings


def create_demo_shop(database_url: str, filler_orders: int = 5) -> SqlShopService:
    """Migrates the database, seeds the demo shop as of now and returns a service on it."""
    upgrade(database_url)
    policy = load_policy(shop_settings().shop_policy_path)
    sessions = session_factory(make_engine(database_url))
    with unit_of_work(sessions) as session:
        seed_demo_shop(session, policy, datetime.now(timezone.utc), filler_orders)
    return SqlShopService(sessions, policy)
