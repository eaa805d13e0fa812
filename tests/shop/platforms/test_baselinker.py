"""BaseLinker only: what the shared adapter suite does not cover - the token, getOrders' pages, the
shop's own status names and SKUs, the exact calls Koliber's writes make, what is left to a person,
and the order journal."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from shop import rules
from shop.order_views import NewAddress
from shop.platforms import connect_platform
from shop.platforms.baselinker import BaseLinkerPlatform
from shop.platforms.transport import ShopRefusedCredentials
from shop.service import DONE, NEEDS_PERSON, NO_INVOICE
from shop.settings import ShopSettings
from testing.fakes.baselinker import TOKEN

pytestmark = pytest.mark.parametrize("platform_shop", ["baselinker"], indirect=True)


def calls(fake, method: str) -> list[dict]:
    return [params for name, params in fake.calls if name == method]


def test_a_wrong_token_is_refused_credentials(platform_shop):
    fake = platform_shop.fake
    wrong = BaseLinkerPlatform(f"{fake.base_url}/connector.php", "1-23-WRONG", per_minute=None, max_wait=1)
    with pytest.raises(ShopRefusedCredentials):
        wrong.fetch_order(platform_shop.number("paid"))


def test_a_customers_orders_come_from_every_page_newest_first(platform_shop):
    fake, paid = platform_shop.fake, platform_shop.orders["paid"]
    many = [replace(paid, number=str(7000 + i), placed_at=paid.placed_at - timedelta(hours=i)) for i in range(150)]
    fake.load(many)
    found = platform_shop.service.customer_orders(paid.customer_email, limit=200)
    assert [o.number for o in found] == [o.number for o in many]
    assert [p.get("id_from") for p in calls(fake, "getOrders")] == [None, 7100]


def test_orders_placed_since_come_from_every_page(platform_shop):
    fake, paid = platform_shop.fake, platform_shop.orders["paid"]
    fake.load([replace(paid, number=str(7000 + i)) for i in range(120)])
    since = platform_shop.clock.now - timedelta(days=1)
    assert len(platform_shop.service.orders_placed_since(since)) == 120
    assert len(calls(fake, "getOrders")) == 2


def test_an_order_is_found_by_the_shops_own_number_too(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    fake.orders[int(number)]["shop_order_id"] = 20240517
    order = platform_shop.service.get_order("20240517")
    assert order.number == number
    assert platform_shop.service.get_order("ZAM-1") is None


def test_the_shops_own_status_names_map_through_the_setting(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    fake.statuses.append((6690, "Czeka na kuriera"))
    fake.orders[int(number)]["order_status_id"] = 6690
    mapped = BaseLinkerPlatform(f"{fake.base_url}/connector.php", TOKEN,
                                statuses={"Czeka na kuriera": "packed"}, per_minute=None)
    assert mapped.to_view(mapped.fetch_order(number)).status == "packed"
    unmapped = fake.adapter()  # a name it does not know: judged by the payment, as a new order
    assert unmapped.to_view(unmapped.fetch_order(number)).status == "paid"


def test_a_parcel_the_carrier_delivered_makes_a_shipped_order_delivered(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("delivered")
    fake.orders[int(number)]["order_status_id"] = 6604  # still "Wysłane" in the shop's panel
    assert platform_shop.service.get_order(number).status == "delivered"


def test_categories_come_from_skus_and_names(platform_shop):
    fake = platform_shop.fake
    adapter = BaseLinkerPlatform(f"{fake.base_url}/connector.php", TOKEN,
                                 categories={"P0001": "personalised"}, per_minute=None)
    order = adapter.to_view(adapter.fetch_order(platform_shop.number("delivered")))
    assert [(item.name, item.category) for item in order.items] == [("Buty trekkingowe Tatra 42", "personalised"),
                                                                      ("Skarpety bawełniane 3-pak", "underwear")]


def test_a_return_is_recorded_with_kolibers_code_and_only_the_returnable_items(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("delivered")
    outcome = platform_shop.service.start_return(number)
    assert outcome.result == rules.RETURN_CREATED
    [sent] = calls(fake, "addOrderReturn")
    shoes = fake.orders[int(number)]["products"][0]
    assert (sent["order_id"], sent["reference_number"], sent["refunded"]) == (int(number), outcome.code, 0)
    assert [(p["order_product_id"], p["sku"], p["quantity"]) for p in sent["products"]] == [
        (shoes["order_product_id"], "P0001", 1)]


def test_a_refund_is_recorded_for_the_shop_to_pay_and_reads_pending_until_it_does(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("delivered")
    outcome = platform_shop.service.issue_refund(number, Decimal("50.00"), goodwill=False, reference="agent-7")
    assert (outcome.result, outcome.method) == (DONE, "card")
    [sent] = calls(fake, "addOrderReturn")
    assert sent["reference_number"] == "KOLIBER:agent-7" and sent["refunded"] == 0
    assert [(p["sku"], p["price_brutto"]) for p in sent["products"]] == [("KOLIBER-REFUND", 50.0)]
    [refund] = platform_shop.service.get_order(number).refunds
    assert (refund.amount, refund.status, refund.sent_at) == (Decimal("50.00"), "pending", None)
    assert platform_shop.service.get_order(number).returns == []  # money back is no return of goods
    return_id = next(i for i, found in fake.returns.items() if found["reference_number"] == "KOLIBER:agent-7")
    fake.answer("setOrderReturnRefund", {"return_id": return_id, "order_refund_done": 50.0, "refund_date": 1})
    platform_shop.clock.advance(minutes=3)
    assert platform_shop.service.get_order(number).refunds[0].status == "sent"


def test_a_goodwill_credit_is_recorded_as_store_credit(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("delivered")
    outcome = platform_shop.service.issue_refund(number, Decimal("20.00"), goodwill=True, reference="sorry-1")
    assert (outcome.result, outcome.method) == (DONE, "store_credit")
    assert calls(fake, "addOrderReturn")[0]["products"][0]["sku"] == "KOLIBER-CREDIT"
    assert [r.method for r in platform_shop.service.get_order(number).refunds] == ["store_credit"]


def test_cancelling_moves_the_order_to_the_shops_cancelled_status(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    assert platform_shop.service.cancel_order(number)[0] == DONE
    assert calls(fake, "setOrderStatus") == [{"order_id": int(number), "status_id": 6606}]


def test_an_account_without_a_cancelled_status_leaves_cancelling_to_a_person(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    fake.statuses[:] = [(i, name) for i, name in fake.statuses if name != "Anulowane"]
    assert platform_shop.service.cancel_order(number) == (NEEDS_PERSON, None)
    assert calls(fake, "setOrderStatus") == []


def test_an_address_change_sets_the_delivery_fields(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    assert platform_shop.service.change_address(number, NewAddress("ul. Długa 7/3", "31-147", "Kraków")) == DONE
    assert calls(fake, "setOrderFields") == [{"order_id": int(number), "delivery_address": "ul. Długa 7/3",
                                              "delivery_postcode": "31-147", "delivery_city": "Kraków"}]


def test_notes_are_added_to_the_seller_comments_within_their_200_characters(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    fake.orders[int(number)]["admin_comments"] = "VIP"
    adapter = fake.adapter()
    adapter.add_note(adapter.fetch_order(number), "Koliber: first")
    assert fake.orders[int(number)]["admin_comments"] == "VIP\nKoliber: first"
    adapter.add_note(adapter.fetch_order(number), "x" * 250)
    assert fake.orders[int(number)]["admin_comments"] == "x" * 200


def test_an_invoice_is_resent_by_a_person(platform_shop):
    fake, number = platform_shop.fake, platform_shop.number("paid")
    assert platform_shop.service.resend_invoice(number).result == NO_INVOICE
    fake.invoices.append({"invoice_id": 1, "order_id": int(number), "type": "normal", "number": "FV 12/05/2026"})
    assert platform_shop.service.resend_invoice(number).result == NEEDS_PERSON


def test_the_journal_is_read_from_the_last_event_over_every_page(platform_shop):
    fake, service = platform_shop.fake, platform_shop.service
    paid, in_transit = platform_shop.number("paid"), platform_shop.number("in_transit")
    for _ in range(120):
        fake.change_postcode(paid, "02-222")
    fake.change_postcode(in_transit, "02-333")
    assert service.read_journal() == [paid, in_transit]
    assert len(calls(fake, "getJournalList")) == 2
    assert service.read_journal() == []
    fake.change_postcode(in_transit, "02-444")
    assert service.read_journal() == [in_transit]
    assert all(set(p["logs_types"]) >= {11, 18} for p in calls(fake, "getJournalList"))


def test_the_settings_connect_the_adapter(platform_shop, monkeypatch):
    for name, value in {**platform_shop.fake.environment(), "KOLIBER_SHOP_STATUSES": "Czeka na kuriera=packed",
                        "KOLIBER_SHOP_CATEGORIES": "BIE-=underwear"}.items():
        monkeypatch.setenv(name, value)
    adapter = connect_platform(ShopSettings())
    assert adapter.mapping.status_of("czeka na kuriera") == "packed"
    assert adapter.mapping.category_of("BIE-0042", "Koszulka") == "underwear"
    assert adapter.fetch_order(platform_shop.number("paid")) is not None
