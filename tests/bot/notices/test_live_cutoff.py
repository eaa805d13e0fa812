"""The delay-notice job judges a paid order still in the warehouse by the dispatch cut-off in force,
the one the shop owner last saved in the console, not the one it started with."""

import asyncio
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bot.conversations.delivery import Delivery
from bot.conversations.outbox_worker import RetryPolicy
from bot.conversations.texts import load_texts
from bot.notices.notifier import DelayNotifier
from bot.notices.routing import QuietHours
from bot.persistence.shop_settings import Actor, save
from bot.realtime import Hub
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory, unit_of_work
from shop.models import Customer, Order, OrderStatus, Payment, PaymentStatus
from shop.policy import cached_policy
from shop.policy_settings import SHIPPING, LivePolicy, ShippingForm
from shop.service import SqlShopService
from testing.clock import ManualClock

WARSAW = timezone(timedelta(hours=1))  # November: CET
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)
RETRY = RetryPolicy(first_retry=timedelta(seconds=5), longest_retry=timedelta(seconds=40), max_attempts=3,
                    lease=timedelta(seconds=60), poll=timedelta(minutes=5))


def test_a_new_cutoff_changes_which_orders_are_late_without_a_restart(migrated_template, tmp_path):
    copy = tmp_path / "koliber.db"
    shutil.copy(migrated_template, copy)
    sessions = session_factory(make_engine(f"sqlite:///{copy}"))
    clock = ManualClock(MONDAY_MORNING)
    defaults = cached_policy(PROJECT_ROOT / "config" / "shop_policy.yml")  # cut-off 14:00
    shop = SqlShopService(sessions, LivePolicy(sessions, defaults, keep_seconds=0), clock)
    notifier = DelayNotifier(  # as bot/notices/scheduler.py builds it; the run is in the quiet hours, so nothing is sent
        sessions, shop, Delivery(Hub(), sessions, RETRY, clock),
        load_texts(PROJECT_ROOT / "config" / "delay_notices.yml", "pl"), lambda: shop.policy,
        QuietHours.parse("09:00-11:00", "Europe/Warsaw"), 3, clock)
    with unit_of_work(sessions) as session:  # paid on Friday at 13:30, still not shipped on Monday
        paid = datetime(2026, 11, 20, 13, 30, tzinfo=WARSAW)
        order = Order(number="60001", status=OrderStatus.PAID, currency="PLN", items_total=Decimal("99.00"),
                      shipping_cost=Decimal("0"), shipping_method="dpd_courier", delivery_name="Ewa",
                      delivery_street="ul. Długa 1", delivery_postcode="31-042", delivery_city="Kraków",
                      delivery_country="PL", placed_at=paid, customer=Customer(
                          email="ewa@example.pl", full_name="Ewa", phone="+48512000111", language="pl",
                          created_at=paid))
        order.payments.append(Payment(method="blik", status=PaymentStatus.PAID, amount=Decimal("99.00"),
                                      currency="PLN", provider_reference="PAY-60001", created_at=paid))
        session.add(order)

        # The owner moves the cut-off to 13:00: Friday's 13:30 payment ships on Monday, so it is not late yet.
        form = replace(ShippingForm.of(defaults), dispatch_cutoff="13:00")
        save(session, SHIPPING, form.stored(), form.shown(), {}, Actor(None, "owner"), MONDAY_MORNING)
    assert shop.calendar.dispatch_date(paid) == date(2026, 11, 23)
    assert asyncio.run(notifier.run_once()).planned == 0

    with unit_of_work(sessions) as session:  # and back to 14:00: it should have left on Friday
        form = replace(form, dispatch_cutoff="14:00")
        save(session, SHIPPING, form.stored(), form.shown(), {}, Actor(None, "owner"), MONDAY_MORNING)
    assert asyncio.run(notifier.run_once()).planned == 1
