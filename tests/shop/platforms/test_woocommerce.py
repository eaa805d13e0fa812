"""What only the WooCommerce adapter does: its key refused, pages of orders, the shop's own statuses,
numbers and categories, what it leaves to a person, the exact writes it sends, and WooCommerce's
webhooks (the shared behaviour is in test_adapters.py)."""

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from shop import rules
from shop.order_views import NewAddress
from shop.platforms.service import ForgedWebhook, PlatformShopService, webhook_signature
from shop.platforms.transport import ShopRefusedCredentials
from shop.platforms.woocommerce import from_settings
from shop.platforms.woocommerce_mapping import WooMapping
from shop.service import DONE, NEEDS_PERSON
from shop.settings import ShopSettings
from tests.shop.platforms.conftest import CACHE_TTL, ShopUnderTest, platform_shop_on

ANNA = "anna.nowak@example.pl"


@pytest.fixture
def woo(shop_platforms, migrated_template, tmp_path, policy) -> Iterator[ShopUnderTest]:
    yield from platform_shop_on(shop_platforms["woocommerce"], migrated_template, tmp_path, policy)


def with_adapter(shop: ShopUnderTest, **options) -> PlatformShopService:
    """The same shop read through an adapter configured differently."""
    return PlatformShopService(shop.fake.adapter(**options), shop.sessions, shop.service.policy, CACHE_TTL, shop.clock)


def order_requests(shop: ShopUnderTest, method: str = "GET") -> list[str]:
    return [path for seen, path in shop.fake.faults.requests if seen == method and "/orders" in path]


# --- credentials and the wire ------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", [{"key": "ck_wrong"}, {"secret": "cs_wrong"}])
def test_a_wrong_key_or_secret_is_refused_credentials_not_a_missing_order(woo, wrong):
    service = with_adapter(woo, **wrong)
    with pytest.raises(ShopRefusedCredentials):
        service.get_order(woo.number("paid"))


def test_the_fake_refuses_as_woocommerce_does(woo):
    unauthenticated = httpx.get(f"{woo.fake.base_url}/wp-json/wc/v3/orders")
    wrong_key = httpx.get(f"{woo.fake.base_url}/wp-json/wc/v3/orders", auth=("ck_wrong", woo.fake.secret))
    assert (unauthenticated.status_code, unauthenticated.json()["code"]) == (401, "woocommerce_rest_cannot_view")
    assert wrong_key.json() == {"code": "woocommerce_rest_authentication_error", "message": "Consumer key is invalid.",
                                "data": {"status": 401}}


def test_a_customers_orders_and_recent_orders_are_read_page_by_page(woo):
    service = with_adapter(woo, page_size=2)
    annas = [order.number for order in service.customer_orders(ANNA)]
    assert annas == [o.number for o in sorted((o for o in woo.orders.values() if o.customer_email == ANNA),
                                             key=lambda o: o.placed_at, reverse=True)]
    assert len([p for p in order_requests(woo) if p.endswith("/orders")]) == 3  # five of Anna's orders, two a page
    since = woo.clock.now - timedelta(days=30)
    assert {o.number for o in service.orders_placed_since(since)} == {
        o.number for o in woo.orders.values() if o.placed_at >= since}


def test_a_customers_orders_stop_at_the_limit(woo):
    assert len(with_adapter(woo, page_size=2).customer_orders(ANNA, limit=2)) == 2
    assert len([p for p in order_requests(woo) if p.endswith("/orders")]) == 1


# --- the shop's own statuses, numbers and categories ----------------------------------------------------
def test_the_shops_own_status_names_map_as_configured(woo):
    number = woo.number("paid")
    woo.fake.edit(number, status="awaiting-pickup")
    own = with_adapter(woo, mapping=WooMapping.with_overrides({"wc-awaiting-pickup": "packed"}, {}))
    assert own.get_order(number).status == "packed"
    assert woo.service.get_order(number).status == "paid"  # unknown to the defaults: paid, as date_paid says


def test_a_delivered_status_from_a_tracking_plugin_delivers_the_parcel(woo):
    number = woo.number("in_transit")
    woo.fake.edit(number, status="delivered")
    order = woo.service.get_order(number)
    assert order.status == "delivered" and order.shipment.delivered_at is not None
    assert rules.return_window_last_day(order, woo.service.policy, woo.service.calendar) is not None


def test_a_parcel_is_packed_while_processing_and_promised_two_days_after_it_left(woo):
    number = woo.number("in_transit")
    order = woo.fake.order(number)
    woo.fake.edit(number, status="processing",
                  meta_data=[m for m in order["meta_data"] if m["key"] != "_koliber_delivery_promised"])
    view = woo.service.get_order(number)
    assert view.status == "packed"
    assert view.shipment.promised_delivery_date == (view.shipment.shipped_at + timedelta(days=2)).date()


def test_an_order_numbered_by_a_plugin_is_found_by_its_number_not_its_id(woo):
    woo.fake.edit("5101", number="ZM/2025/5101")
    assert woo.service.get_order("ZM/2025/5101").status == "paid"
    assert woo.service.get_order("5101") is None


def test_product_categories_map_through_the_shops_settings(woo):
    number = woo.number("delivered")
    socks = next(line["product_id"] for line in woo.fake.order(number)["line_items"] if "Skarpety" in line["name"])
    woo.fake.set_product_categories(socks, "odziez", "skarpetki")
    assert {i.name: i.category for i in woo.service.get_order(number).items}["Skarpety bawełniane 3-pak"] == "clothing"
    own = with_adapter(woo, mapping=WooMapping.with_overrides({}, {"skarpetki": "underwear"}))
    assert {i.name: i.category for i in own.get_order(number).items}["Skarpety bawełniane 3-pak"] == "underwear"


def test_settings_make_the_adapter(woo, monkeypatch):
    for name, value in {**woo.fake.environment(), "KOLIBER_SHOP_STATUSES": "wc-awaiting-pickup=shipped"}.items():
        monkeypatch.setenv(name, value)
    platform = from_settings(ShopSettings(_env_file=None))
    assert platform.mapping.statuses["awaiting-pickup"] == "shipped"
    monkeypatch.setenv("KOLIBER_WOOCOMMERCE_URL", "http://shop.example.pl")
    with pytest.raises(ValueError, match="https"):
        from_settings(ShopSettings(_env_file=None))


# --- what a person does ------------------------------------------------------------------------------------
def test_a_refund_through_a_bank_transfer_is_left_to_a_person(woo):
    number = woo.number("delivered")
    woo.fake.edit(number, payment_method="bacs", payment_method_title="Przelew bankowy")
    outcome = woo.service.issue_refund(number, Decimal("10.00"), goodwill=False, reference="bacs-1")
    assert outcome.result == NEEDS_PERSON
    assert woo.fake.refunds_of(number) == [] and not order_requests(woo, "POST")


def test_store_credit_and_an_invoice_are_left_to_a_person(woo):
    number = woo.number("delivered")
    assert woo.service.issue_refund(number, Decimal("10"), goodwill=True, reference="gw-1").result == NEEDS_PERSON
    assert woo.service.resend_invoice(number).result == NEEDS_PERSON
    assert woo.fake.refunds_of(number) == []


# --- what the writes send ------------------------------------------------------------------------------------
def test_a_cancellation_sets_the_status_and_tells_the_staff_to_refund(woo):
    number = woo.number("paid")
    woo.service.cancel_order(number)
    assert woo.fake.order(number)["status"] == "cancelled"
    [note] = woo.fake.notes_of(number)
    assert note["customer_note"] is False and "to be refunded" in note["note"]


def test_an_address_change_writes_the_shipping_address(woo):
    number = woo.number("paid")
    assert woo.service.change_address(number, NewAddress("ul. Długa 7/3", "31-147", "Kraków")) == DONE
    shipping = woo.fake.order(number)["shipping"]
    assert (shipping["address_1"], shipping["postcode"], shipping["city"], shipping["country"]) == (
        "ul. Długa 7/3", "31-147", "Kraków", "PL")
    assert woo.fake.order(number)["billing"]["postcode"] == "00-950"


def test_a_return_is_kept_in_the_orders_meta_with_a_private_note(woo):
    number = woo.number("delivered")
    outcome = woo.service.start_return(number)
    recorded = next(m["value"] for m in woo.fake.order(number)["meta_data"] if m["key"] == "_koliber_return")
    assert recorded["code"] == outcome.code and recorded["items"] == [item.id for item in outcome.included]
    [note] = woo.fake.notes_of(number)
    assert outcome.code in note["note"] and note["customer_note"] is False
    assert woo.service.get_order(number).status == "return_requested"


def test_a_refund_goes_through_the_gateway_marked_with_koliber_reference(woo):
    number = woo.number("delivered")
    assert woo.service.issue_refund(number, Decimal("20.00"), goodwill=False, reference="agent-3").result == DONE
    [refund] = woo.fake.stored_refunds(number)
    assert (refund["amount"], refund["refunded_payment"]) == ("20.00", True) and "[agent-3]" in refund["reason"]
    [view] = woo.service.get_order(number).refunds
    assert (view.amount, view.method, view.status) == (Decimal("20.00"), "card", "sent")


# --- webhooks --------------------------------------------------------------------------------------------------
def test_the_ping_of_a_new_webhook_is_answered_with_no_orders(woo):
    ping = woo.fake.ping_notice()
    assert woo.service.take_webhook(ping.body, ping.headers) == []


def test_a_signed_webhook_of_another_resource_changes_no_order(woo):
    body = b'{"id": 31, "name": "Buty"}'
    headers = {"x-wc-webhook-resource": "product", "x-wc-webhook-topic": "product.updated",
               "x-wc-webhook-signature": webhook_signature(woo.fake.webhook_secret, body)}
    assert woo.service.take_webhook(body, headers) == []


def test_an_order_webhook_without_a_signature_is_forged(woo):
    notice = woo.fake.order_changed_notice(woo.number("paid"))
    unsigned = {name: value for name, value in notice.headers.items() if name != "X-WC-Webhook-Signature"}
    with pytest.raises(ForgedWebhook):
        woo.service.take_webhook(notice.body, unsigned)
