"""Shopify's adapter beyond the shared suite: its credentials, paging, the shop's own names, what each
write sends over the wire, what becomes a ticket for a person, the query-cost throttle and webhooks."""

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from shop.order_views import NewAddress
from shop.platforms.service import ForgedWebhook, PlatformCannot, PlatformShopService
from shop.platforms.shopify import ShopifyPlatform, from_settings, throttle_wait
from shop.platforms.transport import ShopRefusedCredentials
from shop.service import DONE, NEEDS_PERSON, STORE_CREDIT
from shop.settings import ShopSettings
from testing.clock import ManualClock
from testing.fakes.shopify import FakeShopify
from testing.shop_scenario import scenario_orders
from tests.shop.platforms.conftest import CACHE_TTL, fresh_sessions


@pytest.fixture
def fake(shop_platforms) -> FakeShopify:
    fake = shop_platforms["shopify"]
    fake.faults.reset()
    fake.load(scenario_orders(datetime.now(timezone.utc)).values())
    return fake


@pytest.fixture
def service(fake, migrated_template, tmp_path, policy) -> PlatformShopService:
    clock = ManualClock(datetime.now(timezone.utc).replace(microsecond=0))
    return PlatformShopService(fake.adapter(), fresh_sessions(migrated_template, tmp_path), policy, CACHE_TTL, clock)


def graphql_requests(fake: FakeShopify) -> int:
    return sum(1 for method, path in fake.faults.requests if path.endswith("/graphql.json"))


def settings_for(fake: FakeShopify, monkeypatch, **more: str) -> ShopSettings:
    for name, value in {**fake.environment(), **more}.items():
        monkeypatch.setenv(name, value)
    return ShopSettings(_env_file=None)


# --- connecting ------------------------------------------------------------------------------------
def test_a_wrong_token_is_refused_credentials_not_an_outage(fake):
    adapter = ShopifyPlatform(fake.base_url, "shpat_wrong", max_wait=1)
    with pytest.raises(ShopRefusedCredentials):
        adapter.fetch_order("5101")


def test_settings_build_the_adapter_and_refuse_plain_http(fake, monkeypatch):
    adapter = from_settings(settings_for(fake, monkeypatch))
    assert adapter.fetch_order("#5101")["name"] == "#5101"
    with pytest.raises(ValueError):
        from_settings(settings_for(fake, monkeypatch, KOLIBER_SHOPIFY_STORE="http://my-shop.myshopify.com"))
    with pytest.raises(ValueError):
        from_settings(settings_for(fake, monkeypatch, KOLIBER_SHOPIFY_TOKEN=""))


# --- reading ---------------------------------------------------------------------------------------
def test_a_customers_orders_are_read_page_after_page_up_to_the_limit(fake):
    adapter = fake.adapter(page_size=2)
    annas = sorted((o for o in fake.orders if o["email"] == "anna.nowak@example.pl"), key=lambda o: o["createdAt"],
                   reverse=True)
    before = graphql_requests(fake)
    found = adapter.customer_orders("Anna.Nowak@example.pl", limit=20)
    assert [o["name"] for o in found] == [o["name"] for o in annas] and len(annas) == 5
    assert graphql_requests(fake) - before == 3
    assert [o["name"] for o in adapter.customer_orders("anna.nowak@example.pl", limit=3)] == [
        o["name"] for o in annas[:3]]


def test_orders_placed_since_a_moment_are_read_over_every_page(fake):
    adapter = fake.adapter(page_size=1)
    since = datetime.now(timezone.utc) - timedelta(days=7)
    found = {o["name"] for o in adapter.orders_placed_since(since)}
    assert found == {"#5101", "#5102", "#5103", "#5104"}


def test_the_shops_own_tags_and_product_types_map_through_settings(fake, monkeypatch):
    fake.order_named("5101")["tags"] = ["W realizacji"]
    adapter = from_settings(settings_for(fake, monkeypatch, KOLIBER_SHOP_STATUSES="W realizacji=packed",
                                         KOLIBER_SHOP_CATEGORIES="Odzież=underwear"))
    assert adapter.to_view(adapter.fetch_order("5101")).status == "packed"
    view = adapter.to_view(adapter.fetch_order("5103"))
    assert [item.category for item in view.items] == ["underwear"]
    assert (view.shipment.carrier, view.shipment.last_event.code, view.shipping_method) == (
        "InPost", "in_transit", "inpost_locker")


def test_shopify_carrier_and_payment_names_read_as_kolibers(fake):
    view = fake.adapter().to_view(fake.adapter().fetch_order("5104"))
    assert view.shipment.carrier == "DHL"  # Shopify's "DHL Express"
    assert [(p.method, p.status) for p in view.payments] == [("card", "paid")]  # shopify_payments
    assert [item.category for item in view.items] == ["shoes", "underwear"]


def test_a_parcel_reported_delayed_makes_the_order_delayed(fake):
    fake.order_named("5103")["fulfillments"][0]["events"]["nodes"][0]["status"] = "DELAYED"
    view = fake.adapter().to_view(fake.adapter().fetch_order("5103"))
    assert (view.status, view.shipment.last_event.code) == ("delayed", "delayed")


def test_the_query_cost_throttle_is_waited_out_for_as_long_as_shopify_says():
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                 "extensions": {"cost": {"requestedQueryCost": 252, "actualQueryCost": None, "throttleStatus": {
                     "maximumAvailable": 2000.0, "currentlyAvailable": 2.0, "restoreRate": 100.0}}}}
    assert throttle_wait(httpx.Response(200, json=throttled)) == pytest.approx(2.5)
    assert throttle_wait(httpx.Response(200, json={"data": {"orders": {"nodes": []}}})) is None


# --- writing: what goes over the wire ------------------------------------------------------------------
def test_a_cancellation_asks_shopify_to_refund_restock_and_tell_the_customer(service, fake):
    assert service.cancel_order("5101")[0] == DONE
    field, arguments = fake.mutations[-1]
    assert field == "orderCancel"
    assert (arguments["reason"], arguments["refundMethod"], arguments["restock"], arguments["notifyCustomer"]) == (
        "CUSTOMER", {"originalPaymentMethodsRefund": True}, True, True)
    assert fake.refunds_of("5101") == [Decimal("361.99")]


def test_a_new_address_keeps_the_name_country_and_phone(service, fake):
    assert service.change_address("5101", NewAddress("ul. Długa 7/3", "31-147", "Kraków")) == DONE
    address = fake.order_named("5101")["shippingAddress"]
    assert (address["address1"], address["zip"], address["city"]) == ("ul. Długa 7/3", "31-147", "Kraków")
    assert (address["name"], address["countryCodeV2"], address["phone"]) == ("Anna Nowak", "PL", "+48601202303")


def test_a_return_names_the_fulfilled_items_and_carries_kolibers_code(service, fake):
    outcome = service.start_return("5104")
    shopify_return = fake.order_named("5104")["returns"]["nodes"][0]
    lines = shopify_return["returnLineItems"]["nodes"]
    assert [line["fulfillmentLineItem"]["lineItem"]["name"] for line in lines] == ["Buty trekkingowe Tatra 42"]
    assert lines[0]["returnReasonNote"] == f"Koliber return code {outcome.code}"
    assert (shopify_return["name"], shopify_return["status"]) == ("#5104-R1", "OPEN")
    assert service.get_order("5104").status == "return_requested"


def test_a_refund_carries_kolibers_reference_in_its_note(service, fake):
    service.issue_refund("5104", Decimal("50.00"), goodwill=False, reference="agent-7-click-1")
    assert "[Koliber agent-7-click-1]" in fake.order_named("5104")["refunds"][0]["note"]
    assert service.platform.refund_made(service.platform.fetch_order("5104"), "agent-7-click-10") is None


def test_from_2026_01_a_refund_is_sent_with_an_idempotency_key_shopify_honours(fake):
    adapter = fake.adapter(api_version="2026-01")
    for _ in range(2):  # the same refund sent twice, as a retry after a lost answer would
        adapter.refund(adapter.fetch_order("5104"), Decimal("30.00"), goodwill=False, reference="ref-9")
    assert fake.refunds_of("5104") == [Decimal("30.00")]
    assert list(fake.idempotency_keys) == ["koliber-ref-9"]


def test_a_goodwill_credit_goes_to_the_customers_store_credit_once(service, fake):
    first = service.issue_refund("5104", Decimal("20.00"), goodwill=True, reference="goodwill-1")
    again = service.issue_refund("5104", Decimal("20.00"), goodwill=True, reference="goodwill-1")
    assert (first.result, first.method, again.repeated) == (DONE, STORE_CREDIT, True)
    assert fake.store_credits_of("5104") == [Decimal("20.00")] and fake.refunds_of("5104") == []
    assert [(r.amount, r.method) for r in service.get_order("5104").refunds] == [(Decimal("20.00"), STORE_CREDIT)]


# --- what becomes a ticket for a person -----------------------------------------------------------------
def test_shopify_refusing_a_write_becomes_platform_cannot(fake):
    adapter = fake.adapter()
    with pytest.raises(PlatformCannot, match="fulfillments"):
        adapter.cancel(adapter.fetch_order("5103"))


def test_an_invoice_and_a_parcel_on_its_way_are_for_a_person(service, fake):
    assert service.resend_invoice("5104").result == NEEDS_PERSON
    assert service.redirect_parcel("5103", NewAddress("ul. Długa 7/3", "31-147", "Kraków")) == NEEDS_PERSON
    assert "redirect the parcel to ul. Długa 7/3" in fake.order_named("5103")["note"]


def test_a_goodwill_credit_the_store_refuses_leaves_no_claim_in_the_note(service, fake):
    fake.order_named("5104")["customer"]["id"] = "gid://shopify/Customer/1"  # an account Shopify does not know
    assert service.issue_refund("5104", Decimal("20.00"), goodwill=True, reference="gw-2").result == NEEDS_PERSON
    assert not fake.order_named("5104")["note"]


# --- webhooks ---------------------------------------------------------------------------------------------
def test_webhooks_for_other_topics_or_without_the_secret_say_nothing_or_are_forged(fake):
    notice = fake.order_changed_notice("5101")
    lower = {name.lower(): value for name, value in notice.headers.items()}
    assert fake.adapter().changed_orders(notice.body, lower) == ["5101"]
    assert fake.adapter().changed_orders(notice.body, {**notice.headers, "X-Shopify-Topic": "products/update"}) == []
    with pytest.raises(ForgedWebhook):
        ShopifyPlatform(fake.base_url, fake.token).changed_orders(notice.body, notice.headers)


def test_an_order_webhook_without_a_name_is_read_by_its_order_number(fake):
    body = json.dumps({"id": 1, "order_number": 5101}).encode()
    signed = fake.order_changed_notice("5101").headers
    signed["X-Shopify-Hmac-Sha256"] = base64.b64encode(
        hmac.new(fake.client_secret.encode(), body, hashlib.sha256).digest()).decode()
    assert fake.adapter().changed_orders(body, signed) == ["5101"]
