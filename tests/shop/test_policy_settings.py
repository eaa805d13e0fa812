"""The shop owner's changes laid over config/shop_policy.yml, read by any process through a short cache."""

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import create_engine

from db.sessions import session_factory, unit_of_work
from shop.owner_settings import OPENING_HOURS, ShopSetting
from shop.policy_settings import RETURNS, SHIPPING, LivePolicy, ShippingForm
from shop.service import SqlShopService


def test_saved_shipping_and_returns_change_what_a_shop_service_answers_from(migrated_engine, policy):
    sessions = session_factory(migrated_engine)
    now = [0.0]
    service = SqlShopService(sessions, LivePolicy(sessions, policy, keep_seconds=5, monotonic=lambda: now[0]))
    assert service.policy == policy
    typed = ShippingForm.of(policy)
    typed.methods["inpost_locker"].prices["PLN"] = "9,50"  # a Polish comma
    typed = ShippingForm(free_shipping_threshold={"PLN": "149", "EUR": "40"}, dispatch_cutoff="12:30",
                         methods=typed.methods)
    assert typed.problems() == []
    with unit_of_work(sessions) as session:
        session.add_all([ShopSetting(section=SHIPPING, value=typed.stored()),
                         ShopSetting(section=RETURNS, value={"window_days": 30, "non_returnable_categories": []})])

    assert service.policy.returns.window_days == 14  # kept for a few seconds
    now[0] = 6.0
    changed = service.policy
    assert changed.returns.window_days == 30 and changed.returns.non_returnable_categories == []
    assert changed.shipping.method("inpost_locker").price == {"PLN": Decimal("9.50")}
    assert changed.shipping.free_shipping_threshold == {"PLN": Decimal("149.00"), "EUR": Decimal("40.00")}
    # Paid on Monday at 13:00 in Warsaw: after the new 12:30 cut-off, so it leaves on Tuesday.
    assert service.calendar.dispatch_date(datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)) == date(2026, 3, 3)
    assert changed.contact == policy.contact  # a section never saved stays at the defaults


def test_while_the_database_is_away_the_last_policy_read_stays_in_force(migrated_engine, policy):
    reachable = session_factory(migrated_engine)
    unreachable = session_factory(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    database = [reachable]
    now = [0.0]
    live = LivePolicy(lambda: database[0](), policy, keep_seconds=5, monotonic=lambda: now[0])
    with unit_of_work(reachable) as session:
        session.add(ShopSetting(section=RETURNS, value={"window_days": 30, "non_returnable_categories": []}))
    assert live().returns.window_days == 30

    database[0] = unreachable
    now[0] = 6.0
    assert live().returns.window_days == 30  # the last one read
    never_read = LivePolicy(unreachable, policy, keep_seconds=5, monotonic=lambda: now[0])
    assert never_read() == policy  # the defaults from config/


def test_the_contact_hours_follow_the_opening_hours_set_in_the_console(migrated_engine, policy):
    sessions = session_factory(migrated_engine)
    live = LivePolicy(sessions, policy, keep_seconds=0)
    assert live().contact.opening_hours == policy.contact.opening_hours  # config/shop_policy.yml's words
    with unit_of_work(sessions) as session:
        session.add(ShopSetting(section=OPENING_HOURS, value={
            "weekly_hours": {"mon": ["10:00", "18:00"], "tue": ["10:00", "18:00"], "sat": ["09:00", "13:00"]},
            "observe_holidays": True, "closed_days": [], "max_live_wait_minutes": 10}))
    hours = live().contact.opening_hours
    assert hours.pl == "pon.–wt. 10:00–18:00, sob. 9:00–13:00 (w święta nieczynne)"
    assert hours.en == "Mon–Tue 10:00–18:00, Sat 9:00–13:00 (closed on public holidays)"
