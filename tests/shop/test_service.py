"""The shop service on a real database (SQLite and PostgreSQL) seeded with the demo shop."""

from decimal import Decimal

import pytest

from shop import rules
from shop.order_views import NewAddress
from shop.service import (
    ALREADY_CANCELLED,
    ALREADY_DELIVERED,
    ALREADY_SHIPPED,
    DONE,
    MORE_THAN_PAID,
    NO_INVOICE,
    NOTHING_PAID,
    STORE_CREDIT,
)


@pytest.mark.parametrize("contact", ["anna.nowak@example.pl", "Anna.Nowak@EXAMPLE.pl", "00-950", "00950", " 00-950 "])
def test_order_number_with_its_email_or_postcode_verifies(shop, contact):
    assert shop.verify("48213", contact)


@pytest.mark.parametrize(
    ("order_number", "contact"),
    [("48213", "piotr.wisniewski@example.pl"), ("48213", "31-042"), ("99999", "anna.nowak@example.pl"), ("48213", "")],
)
def test_wrong_pairs_do_not_verify(shop, order_number, contact):
    assert not shop.verify(order_number, contact)


def test_shipped_order_has_tracking_and_a_future_promise(shop):
    order = shop.get_order("48213")
    assert order.status == "shipped"
    assert order.shipment.tracking_number
    assert order.shipment.last_event.code == "in_transit"
    assert not rules.is_late(order, shop.today())


def test_delayed_order_is_late(shop):
    order = shop.get_order("51734")
    assert rules.is_late(order, shop.today())
    assert order.shipment.promised_delivery_date < shop.today()


def test_return_inside_window_creates_rma_for_returnable_items_only(shop):
    outcome = shop.start_return("36620")
    assert outcome.result == rules.RETURN_CREATED
    assert outcome.code.startswith("ZW-36620-")
    assert [item.category for item in outcome.included] == ["shoes"]
    assert [item.category for item in outcome.excluded] == ["underwear"]
    order = shop.get_order("36620")
    assert order.status == "return_requested"
    assert [r.code for r in order.returns] == [outcome.code]
    # Asking again gives the same code instead of a second return.
    again = shop.start_return("36620")
    assert (again.result, again.code) == (rules.RETURN_ALREADY_REQUESTED, outcome.code)


@pytest.mark.parametrize(
    ("order_number", "result"),
    [
        ("27145", rules.RETURN_WINDOW_EXPIRED),
        ("48213", rules.RETURN_NOT_DELIVERED),
        ("19582", rules.RETURN_CANCELLED),
        ("55870", rules.RETURN_ALREADY_REQUESTED),
        ("25519", rules.RETURN_NOTHING_RETURNABLE),
    ],
)
def test_ineligible_returns_say_why(shop, order_number, result):
    assert shop.start_return(order_number).result == result
    assert shop.get_order(order_number).status != "return_requested" or result == rules.RETURN_ALREADY_REQUESTED


def test_expired_window_reports_delivery_and_last_day(shop):
    outcome = shop.start_return("27145")
    assert outcome.delivered_on is not None
    assert (outcome.last_day - outcome.delivered_on).days == 14


def test_paid_order_is_cancelled_with_a_pending_refund(shop):
    outcome, refund = shop.cancel_order("72951")
    assert outcome == DONE
    order = shop.get_order("72951")
    assert order.status == "cancelled"
    assert refund == order.total
    assert [(r.status, r.amount) for r in order.refunds] == [("pending", order.total)]


def test_unpaid_order_is_cancelled_without_refund(shop):
    assert shop.cancel_order("60418") == (DONE, None)


def test_shipped_or_cancelled_orders_cannot_be_cancelled(shop):
    assert shop.cancel_order("48213") == (ALREADY_SHIPPED, None)
    assert shop.cancel_order("19582") == (ALREADY_CANCELLED, None)
    assert shop.get_order("48213").status == "shipped"


def test_address_changes_only_before_shipping(shop):
    address = NewAddress("ul. Nowa 5", "02-001", "Warszawa")
    assert shop.change_address("83307", address) == DONE
    assert shop.get_order("83307").delivery_postcode == "02-001"
    assert shop.change_address("48213", address) == ALREADY_SHIPPED
    assert shop.get_order("48213").delivery_postcode == "00-950"


@pytest.mark.parametrize(
    ("order_number", "diagnosis"),
    [("90215", rules.PAYMENT_DOUBLE_CHARGE), ("38461", rules.PAYMENT_PAID_BUT_UNPAID),
     ("60418", rules.PAYMENT_FAILED), ("48213", rules.PAYMENT_OK)],
)
def test_payment_trouble_is_diagnosed_from_payments(shop, order_number, diagnosis):
    assert rules.diagnose_payment(shop.get_order(order_number)) == diagnosis


def test_complaint_cases_get_sequential_codes_and_link_the_order(shop):
    first = shop.open_complaint("36620", "conv-1", "pl", "Botki mają pękniętą podeszwę")
    second = shop.open_complaint(None, "conv-2", "en", "Rude courier")
    assert first.endswith("-0001") and second.endswith("-0002")


def test_money_keeps_cents(shop):
    order = shop.get_order("12874")
    assert order.currency == "EUR"
    assert order.items_total == Decimal("81.16")


def test_what_an_agent_may_do_beyond_the_assistant(shop):
    """One seeded shop for all of it: seeding costs more than the checks."""
    assert shop.start_return("27145").result == rules.RETURN_WINDOW_EXPIRED
    late = shop.approve_late_return("27145")
    assert late.result == rules.RETURN_CREATED and late.code.startswith("ZW-27145-")
    assert shop.approve_late_return("27145").result == rules.RETURN_ALREADY_REQUESTED
    assert shop.approve_late_return("72951").result == rules.RETURN_NOT_DELIVERED  # the other rules still hold

    paid = shop.get_order("72951").payments[0].amount
    too_much = shop.issue_refund("72951", paid + 1, goodwill=False, reference="a")
    assert (too_much.result, too_much.amount) == (MORE_THAN_PAID, paid)
    first = shop.issue_refund("72951", Decimal("10.00"), goodwill=False, reference="b")
    again = shop.issue_refund("72951", Decimal("10.00"), goodwill=False, reference="b")
    assert (first.result, first.method, first.repeated, again.repeated) == (DONE, "blik", False, True)
    credit = shop.issue_refund("72951", paid, goodwill=True, reference="c")  # a credit is not money back
    assert (credit.result, credit.method) == (DONE, STORE_CREDIT)
    assert [(r.amount, r.method) for r in shop.get_order("72951").refunds] == [
        (Decimal("10.00"), "blik"), (paid, STORE_CREDIT)]
    assert shop.issue_refund("60418", Decimal("1"), goodwill=False, reference="d").result == NOTHING_PAID

    assert shop.resend_invoice("72951").result == NO_INVOICE  # not shipped, not invoiced yet
    sent = shop.resend_invoice("27145")
    assert (sent.result, sent.email) == (DONE, "k.zielinska@example.pl") and sent.number.startswith("FV/")

    address = NewAddress("ul. Nowa 1", "00-001", "Warszawa")
    assert shop.change_address("48213", address) == ALREADY_SHIPPED
    assert shop.redirect_parcel("48213", address) == DONE  # on its way: the carrier redirects it
    assert shop.get_order("48213").delivery_postcode == "00-001"
    assert shop.redirect_parcel("27145", address) == ALREADY_DELIVERED
