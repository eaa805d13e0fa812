"""Late orders, one table row per situation: the promised date passed, no carrier event for N
business days, a carrier exception, a paid order not dispatched by its promised dispatch day; and
the new expected date only when it is known. "Now" is Monday 23 November 2026, 10:00 in Warsaw."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.models.notices import DelayCause
from shop import delays
from shop.calendar import BusinessCalendar
from shop.delays import CARRIER_EXCEPTION, NO_TRACKING, PAST_EXPECTED_DATE, WAITING_FOR_STOCK, Delay
from shop.order_views import OrderView, PaymentView, ShipmentView, TrackingView
from tests.conftest import FIXED_NOW

WARSAW = timezone(timedelta(hours=1))  # November: CET
SILENT_DAYS = 3


def at(day: int, hour: int = 12) -> datetime:
    """A moment in November 2026, Warsaw time."""
    return datetime(2026, 11, day, hour, tzinfo=WARSAW)


def order(status: str, paid: datetime | None = at(16), promised: int | None = None, event: str | None = None,
          event_at: datetime | None = None, delivered: datetime | None = None) -> OrderView:
    payments = [PaymentView("blik", "paid", Decimal("100"), None, paid)] if paid else []
    shipment = None
    if promised is not None:
        last = TrackingView(event, "Stryków", event_at) if event else None
        shipment = ShipmentView("dpd", "DPD1", at(17, 16), date(2026, 11, promised), delivered, last)
    return OrderView(number="51734", status=status, currency="PLN", items_total=Decimal("100"),
                     shipping_cost=Decimal("0"), shipping_method="dpd_courier", placed_at=at(16, 9), customer_id=1,
                     customer_email="a@example.pl", customer_name="A", delivery_city="Kraków",
                     delivery_postcode="31-042", delivery_country="PL", payments=payments, shipment=shipment)


CASES = {
    "on its way, on time": (order("shipped", promised=24, event="in_transit", event_at=at(23, 6)), []),
    "promised date passed": (order("shipped", promised=20, event="in_transit", event_at=at(20, 6)),
                             [Delay(PAST_EXPECTED_DATE, None)]),
    "promised today is not late yet": (order("shipped", promised=23, event="out_for_delivery", event_at=at(23, 7)), []),
    "carrier exception, promise still ahead": (order("shipped", promised=25, event="delayed", event_at=at(23, 8)),
                                               [Delay(CARRIER_EXCEPTION, date(2026, 11, 25), "delayed")]),
    "carrier exception after the promise": (order("delayed", promised=20, event="address_problem", event_at=at(20, 9)),
                                            [Delay(CARRIER_EXCEPTION, None, "address_problem"),
                                             Delay(PAST_EXPECTED_DATE, None)]),
    "silent for 3 business days": (order("shipped", promised=25, event="in_transit", event_at=at(18, 9)),
                                   [Delay(NO_TRACKING, date(2026, 11, 25))]),
    "silent for 2 business days, over a weekend": (order("shipped", promised=25, event="in_transit",
                                                         event_at=at(19, 9)), []),
    "no event at all since dispatch": (order("shipped", promised=25), [Delay(NO_TRACKING, date(2026, 11, 25))]),
    "everything at once, most telling first": (order("delayed", promised=19, event="delayed", event_at=at(16, 9)),
                                               [Delay(CARRIER_EXCEPTION, None, "delayed"),
                                                Delay(PAST_EXPECTED_DATE, None), Delay(NO_TRACKING, None)]),
    "delivered late is not late any more": (order("delivered", promised=19, event="delivered", event_at=at(22, 9),
                                                  delivered=at(22, 9)), []),
    "paid Friday before the cut-off, not dispatched": (order("paid", paid=at(20, 13)),
                                                       [Delay(WAITING_FOR_STOCK, None)]),
    "packed Friday before the cut-off, not dispatched": (order("packed", paid=at(20, 13)),
                                                         [Delay(WAITING_FOR_STOCK, None)]),
    "paid Friday after the cut-off leaves today": (order("paid", paid=at(20, 15)), []),
    "paid on Saturday leaves today": (order("paid", paid=at(21, 11)), []),
    "not paid": (order("awaiting_payment", paid=None), []),
    "cancelled": (order("cancelled", paid=at(16)), []),
}


@pytest.fixture(scope="module")
def calendar(policy) -> BusinessCalendar:
    return BusinessCalendar(policy.calendar, policy.shop.timezone)


@pytest.mark.parametrize("snapshot, expected", CASES.values(), ids=CASES.keys())
def test_late_orders_are_found_with_their_cause_and_new_date(calendar, snapshot, expected):
    assert delays.find_delays(snapshot, calendar, FIXED_NOW, SILENT_DAYS) == expected


def test_the_promised_dispatch_day_follows_the_cut_off(calendar):
    assert delays.promised_dispatch_date(order("paid", paid=at(20, 13)), calendar) == date(2026, 11, 20)
    assert delays.promised_dispatch_date(order("paid", paid=at(20, 15)), calendar) == date(2026, 11, 23)
    assert delays.promised_dispatch_date(order("awaiting_payment", paid=None), calendar) is None


def test_every_cause_is_one_the_notices_table_stores():
    assert set(delays.CAUSES) == {cause.value for cause in DelayCause}


def test_every_carrier_exception_code_has_wording_in_both_languages(policy):
    for code in delays.CARRIER_EXCEPTION_CODES:
        assert policy.tracking_events[code].pl and policy.tracking_events[code].en
