"""One behavioural suite for every shop adapter: what the assistant and the agents rely on reads and
changes the same on the demo shop, WooCommerce, Shopify and BaseLinker. Platform-only behaviour (a
platform down, rate limits, lost answers, webhooks, the cache) is tested on the three fakes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from shop import rules
from shop.order_views import NewAddress
from shop.platforms.service import ForgedWebhook
from shop.platforms.transport import ShopUnavailable
from shop.service import ALREADY_CANCELLED, ALREADY_SHIPPED, DONE, MORE_THAN_PAID

NEW_ADDRESS = NewAddress("ul. Długa 7/3", "31-147", "Kraków")


# --- reading ---------------------------------------------------------------------------------------
def test_an_order_in_transit_reads_with_its_items_money_and_parcel(any_shop):
    expected = any_shop.orders["in_transit"]
    order = any_shop.service.get_order(expected.number)
    assert order.status == "shipped"
    assert (order.currency, order.total) == ("PLN", expected.total)
    assert [(item.name, item.quantity, item.unit_price) for item in order.items] == [("Koszulka lniana Len L", 2,
                                                                                      Decimal("79.00"))]
    assert (order.shipment.carrier, order.shipment.tracking_number) == ("InPost", expected.shipment.tracking_number)
    assert order.shipment.delivered_at is None
    assert order.shipment.promised_delivery_date == expected.shipment.promised_delivery_date
    assert (order.customer_email, order.delivery_postcode) == ("anna.nowak@example.pl", "00-950")
    assert [p.status for p in order.payments] == ["paid"]


@pytest.mark.parametrize("role", ["paid", "awaiting_payment", "in_transit", "delivered", "delivered_long_ago",
                                  "cancelled", "refunded"])
def test_every_status_maps_onto_kolibers(any_shop, role):
    assert any_shop.service.get_order(any_shop.number(role)).status == any_shop.orders[role].status


def test_a_delivered_order_says_when(any_shop):
    order = any_shop.service.get_order(any_shop.number("delivered"))
    expected = any_shop.orders["delivered"].shipment.delivered_at
    assert abs(order.shipment.delivered_at - expected) < timedelta(minutes=1)
    assert rules.delivered_on(order, any_shop.service.calendar) == any_shop.service.calendar.local_date(expected)


def test_an_unknown_order_is_none(any_shop):
    assert any_shop.service.get_order("999999") is None


def test_a_refund_shows_with_its_amount(any_shop):
    order = any_shop.service.get_order(any_shop.number("refunded"))
    assert [refund.amount for refund in order.refunds] == [any_shop.orders["refunded"].total]


def test_a_customers_orders_are_found_by_their_email_newest_first(any_shop):
    numbers = [order.number for order in any_shop.service.customer_orders("Anna.Nowak@example.pl")]
    annas = sorted((o for o in any_shop.orders.values() if o.customer_email == "anna.nowak@example.pl"),
                   key=lambda o: o.placed_at, reverse=True)
    assert numbers == [o.number for o in annas]


def test_orders_placed_since_a_moment(any_shop):
    since = any_shop.clock.now - timedelta(days=3)
    found = {order.number for order in any_shop.service.orders_placed_since(since)}
    assert found == {o.number for o in any_shop.orders.values() if o.placed_at >= since}


# --- verification ------------------------------------------------------------------------------------
@pytest.mark.parametrize("contact", ["anna.nowak@example.pl", "ANNA.NOWAK@example.pl", "00-950", "00950"])
def test_the_orders_email_or_postcode_verifies(any_shop, contact):
    assert any_shop.service.verify(any_shop.number("paid"), contact)


@pytest.mark.parametrize("contact", ["john.smith@example.co.uk", "31-042", "", "+48999888777"])
def test_anything_else_does_not(any_shop, contact):
    assert not any_shop.service.verify(any_shop.number("paid"), contact)


def test_a_british_postcode_and_a_vouched_phone_verify(any_shop):
    assert any_shop.service.verify(any_shop.number("delivered"), "sw1a 1aa")
    assert any_shop.service.verify(any_shop.number("delivered"), "+44 7700 900123")


def test_an_unknown_order_never_verifies(any_shop):
    assert not any_shop.service.verify("999999", "anna.nowak@example.pl")


# --- returns -------------------------------------------------------------------------------------------
def test_a_delivered_order_is_returned_once_without_what_cannot_be_returned(any_shop):
    number = any_shop.number("delivered")
    outcome = any_shop.service.start_return(number)
    assert outcome.result == rules.RETURN_CREATED and outcome.code.startswith(f"ZW-{number}-")
    assert [item.name for item in outcome.included] == ["Buty trekkingowe Tatra 42"]
    assert [item.name for item in outcome.excluded] == ["Skarpety bawełniane 3-pak"]
    again = any_shop.service.start_return(number)
    assert (again.result, again.code) == (rules.RETURN_ALREADY_REQUESTED, outcome.code)
    assert [r.code for r in any_shop.service.get_order(number).returns] == [outcome.code]


@pytest.mark.parametrize(("role", "blocker"), [("in_transit", rules.RETURN_NOT_DELIVERED),
                                               ("delivered_long_ago", rules.RETURN_WINDOW_EXPIRED),
                                               ("cancelled", rules.RETURN_CANCELLED)])
def test_what_cannot_be_returned_says_why(any_shop, role, blocker):
    assert any_shop.service.start_return(any_shop.number(role)).result == blocker


def test_an_agent_approves_a_late_return(any_shop):
    outcome = any_shop.service.approve_late_return(any_shop.number("delivered_long_ago"))
    assert outcome.result == rules.RETURN_CREATED


# --- cancelling and changing -----------------------------------------------------------------------------
def test_an_order_not_yet_shipped_is_cancelled_once_and_reads_cancelled(any_shop):
    number = any_shop.number("paid")
    assert any_shop.service.cancel_order(number) == (DONE, any_shop.orders["paid"].total)
    assert any_shop.service.get_order(number).status == "cancelled"
    assert any_shop.service.cancel_order(number) == (ALREADY_CANCELLED, None)


def test_a_shipped_order_is_not_cancelled(any_shop):
    number = any_shop.number("in_transit")
    assert any_shop.service.cancel_order(number) == (ALREADY_SHIPPED, None)
    assert any_shop.service.get_order(number).status == "shipped"


def test_the_address_of_an_order_not_yet_shipped_changes(any_shop):
    number = any_shop.number("paid")
    assert any_shop.service.change_address(number, NEW_ADDRESS) == DONE
    order = any_shop.service.get_order(number)
    assert (order.delivery_street, order.delivery_postcode, order.delivery_city) == ("ul. Długa 7/3", "31-147",
                                                                                     "Kraków")
    assert any_shop.service.verify(number, "31-147") and not any_shop.service.verify(number, "00-950")


def test_the_address_of_a_shipped_order_does_not(any_shop):
    number = any_shop.number("in_transit")
    assert any_shop.service.change_address(number, NEW_ADDRESS) == ALREADY_SHIPPED
    assert any_shop.service.get_order(number).delivery_postcode == "00-950"


# --- refunds -------------------------------------------------------------------------------------------------
def test_a_refund_is_paid_once_for_one_reference(any_shop):
    number = any_shop.number("delivered")
    first = any_shop.service.issue_refund(number, Decimal("50.00"), goodwill=False, reference="agent-7-click-1")
    again = any_shop.service.issue_refund(number, Decimal("50.00"), goodwill=False, reference="agent-7-click-1")
    assert (first.result, first.amount, first.repeated) == (DONE, Decimal("50.00"), False)
    assert (again.result, again.amount, again.repeated) == (DONE, Decimal("50.00"), True)
    assert [r.amount for r in any_shop.service.get_order(number).refunds] == [Decimal("50.00")]
    if any_shop.fake is not None:
        assert any_shop.fake.refunds_of(number) == [Decimal("50.00")]


def test_no_refund_beyond_what_was_paid(any_shop):
    number = any_shop.number("delivered")
    outcome = any_shop.service.issue_refund(number, Decimal("10000"), goodwill=False, reference="too-much")
    assert (outcome.result, outcome.amount) == (MORE_THAN_PAID, any_shop.orders["delivered"].total)


# --- platforms only: a lost answer, an outage, rate limits -----------------------------------------------------
def test_a_refund_whose_answer_was_lost_is_not_paid_twice(platform_shop):
    number = platform_shop.number("delivered")
    platform_shop.fake.faults.lose_next_write_answer = True
    outcome = platform_shop.service.issue_refund(number, Decimal("25.00"), goodwill=False, reference="lost-1")
    assert outcome.result == DONE
    assert platform_shop.fake.refunds_of(number) == [Decimal("25.00")]


def test_a_cancellation_whose_answer_was_lost_is_done(platform_shop):
    number = platform_shop.number("paid")
    platform_shop.fake.faults.lose_next_write_answer = True
    assert platform_shop.service.cancel_order(number)[0] == DONE
    assert platform_shop.service.get_order(number).status == "cancelled"


def test_a_platform_that_is_down_is_unavailable_not_wrong(platform_shop):
    platform_shop.fake.faults.down = True
    with pytest.raises(ShopUnavailable):
        platform_shop.service.get_order(platform_shop.number("paid"))
    with pytest.raises(ShopUnavailable):
        platform_shop.service.verify(platform_shop.number("paid"), "anna.nowak@example.pl")
    with pytest.raises(ShopUnavailable):
        platform_shop.service.cancel_order(platform_shop.number("paid"))
    platform_shop.fake.faults.down = False
    assert platform_shop.service.get_order(platform_shop.number("paid")).status == "paid"


def test_a_rate_limit_is_waited_out(platform_shop):
    platform_shop.fake.faults.rate_limited = 2
    assert platform_shop.service.get_order(platform_shop.number("paid")).status == "paid"
    assert platform_shop.fake.faults.rate_limited == 0


def test_a_rate_limit_that_does_not_end_makes_the_shop_unavailable(platform_shop):
    platform_shop.fake.faults.rate_limited = 1000
    with pytest.raises(ShopUnavailable):
        platform_shop.service.get_order(platform_shop.number("paid"))


# --- platforms only: freshness --------------------------------------------------------------------------------
def test_a_second_read_is_served_from_the_cache(platform_shop):
    number = platform_shop.number("paid")
    platform_shop.service.get_order(number)
    seen = len(platform_shop.fake.faults.requests)
    assert platform_shop.service.verify(number, "00-950")
    assert len(platform_shop.fake.faults.requests) == seen


def test_a_change_in_the_platform_is_read_after_the_time_to_live(platform_shop):
    number = platform_shop.number("paid")
    platform_shop.service.get_order(number)
    platform_shop.fake.change_postcode(number, "02-222")
    assert platform_shop.service.get_order(number).delivery_postcode == "00-950"
    platform_shop.clock.advance(minutes=3)
    assert platform_shop.service.get_order(number).delivery_postcode == "02-222"


def test_a_signed_change_notice_refreshes_the_order_at_once_and_a_forged_one_does_not(platform_shop):
    number, service, fake = platform_shop.number("paid"), platform_shop.service, platform_shop.fake
    service.get_order(number)
    fake.change_postcode(number, "02-222")
    forged = fake.order_changed_notice(number, signed=False)
    if forged is not None:  # a platform that signs webhooks
        with pytest.raises(ForgedWebhook):
            service.take_webhook(forged.body, forged.headers)
        assert service.get_order(number).delivery_postcode == "00-950"
        signed = fake.order_changed_notice(number)
        assert service.take_webhook(signed.body, signed.headers) == [number]
    else:  # a platform with an event journal to read
        assert service.read_journal() == [number]
        assert service.read_journal() == []
    assert service.get_order(number).delivery_postcode == "02-222"
