"""The demo shop has an order in every state, and seeding twice adds nothing."""

from sqlalchemy import func, select

from db.sessions import session_factory, unit_of_work
from shop.models import Order, OrderStatus
from shop.seed import seed_demo_shop
from tests.conftest import FIXED_NOW


def test_every_order_state_and_both_currencies_are_present(shop, migrated_engine):
    with unit_of_work(session_factory(migrated_engine)) as session:
        states = set(session.scalars(select(Order.status)))
        currencies = set(session.scalars(select(Order.currency)))
        countries = set(session.scalars(select(Order.delivery_country)))
    assert states == set(OrderStatus)
    assert currencies == {"PLN", "EUR"}
    assert {"PL", "DE", "GB"} <= countries


def test_seeding_is_idempotent(shop, migrated_engine, policy):
    sessions = session_factory(migrated_engine)
    with unit_of_work(sessions) as session:
        before = session.scalar(select(func.count(Order.id)))
        assert seed_demo_shop(session, policy, FIXED_NOW) == 0
        assert session.scalar(select(func.count(Order.id))) == before


def test_times_are_timezone_aware_utc(shop):
    order = shop.get_order("48213")
    assert order.placed_at.tzinfo is not None and order.placed_at.utcoffset().total_seconds() == 0
    assert order.shipment.shipped_at <= FIXED_NOW
