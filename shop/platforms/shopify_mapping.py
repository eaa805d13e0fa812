"""Shopify's orders in Koliber's terms, in one place: order statuses, parcels and their tracking
events, carriers, payment gateways, refunds, returns and product types, as the Admin GraphQL API
(2025-10) names them. Shops extend the status and category tables with KOLIBER_SHOP_STATUSES and
KOLIBER_SHOP_CATEGORIES (docs/shop-platforms.md, "Shopify")."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shop.order_views import ItemView, OrderView, PaymentView, RefundView, ReturnView, ShipmentView, TrackingView
from shop.service import STORE_CREDIT

# Koliber's status for each Shopify state an order can be in, looked up in this order: a tag the shop
# put on the order (none by default; shops that track their own stages in tags map them here), the
# latest tracking event or display status of the newest parcel, the order's fulfillment status, and
# last its financial status. Cancelled orders, fully refunded ones and open returns are decided
# before the table (koliber_status).
STATUSES: dict[str, str] = {
    # Order.displayFinancialStatus, for orders no parcel has left with yet
    "PENDING": "awaiting_payment",
    "PARTIALLY_PAID": "awaiting_payment",
    "EXPIRED": "awaiting_payment",
    "AUTHORIZED": "paid",  # the money is held for the shop; it is captured when the parcel leaves
    "PAID": "paid",
    "PARTIALLY_REFUNDED": "paid",
    "REFUNDED": "refunded",
    "VOIDED": "cancelled",
    # Order.displayFulfillmentStatus before a parcel exists
    "IN_PROGRESS": "packed",
    "PENDING_FULFILLMENT": "packed",
    "ON_HOLD": "paid",
    "SCHEDULED": "paid",
    # A parcel: FulfillmentEvent.status, or Fulfillment.displayStatus while it has no events
    "LABEL_PRINTED": "packed",
    "LABEL_PURCHASED": "packed",
    "CONFIRMED": "shipped",
    "SUBMITTED": "shipped",
    "FULFILLED": "shipped",
    "MARKED_AS_FULFILLED": "shipped",
    "CARRIER_PICKED_UP": "shipped",
    "IN_TRANSIT": "shipped",
    "OUT_FOR_DELIVERY": "shipped",
    "READY_FOR_PICKUP": "shipped",
    "PARTIALLY_FULFILLED": "shipped",
    "ATTEMPTED_DELIVERY": "delayed",
    "DELAYED": "delayed",
    "FAILURE": "delayed",
    "NOT_DELIVERED": "delayed",
    "DELIVERED": "delivered",
    "PICKED_UP": "delivered",  # the customer collected it (local pick-up, a parcel locker)
}

# FulfillmentEvent.status (or the parcel's display status) as the policy file's tracking events.
TRACKING_EVENTS: dict[str, str] = {
    "LABEL_PRINTED": "label_created", "LABEL_PURCHASED": "label_created", "CONFIRMED": "label_created",
    "SUBMITTED": "label_created", "FULFILLED": "label_created", "MARKED_AS_FULFILLED": "label_created",
    "CARRIER_PICKED_UP": "picked_up", "IN_TRANSIT": "in_transit", "OUT_FOR_DELIVERY": "out_for_delivery",
    "READY_FOR_PICKUP": "in_locker", "ATTEMPTED_DELIVERY": "address_problem", "DELAYED": "delayed",
    "FAILURE": "returning_to_sender", "NOT_DELIVERED": "delayed", "DELIVERED": "delivered",
    "PICKED_UP": "delivered",
}

# FulfillmentTrackingInfo.company (Shopify's carrier names, lower case) as the carriers Koliber's policy names.
CARRIERS: dict[str, str] = {
    "inpost": "InPost", "inpost paczkomaty": "InPost", "dpd": "DPD", "dpd poland": "DPD", "dhl": "DHL",
    "dhl express": "DHL", "dhl ecommerce": "DHL", "dhl parcel": "DHL", "poczta polska": "Poczta Polska",
    "pocztex": "Poczta Polska", "gls": "GLS", "ups": "UPS", "fedex": "FedEx", "orlen paczka": "Orlen Paczka",
}

# Words in a shipping line's title or code, and the policy's shipping method they name.
SHIPPING_METHODS: list[tuple[str, str]] = [
    ("paczkomat", "inpost_locker"), ("inpost", "inpost_locker"), ("locker", "inpost_locker"),
    ("dpd", "dpd_courier"), ("poczta", "poczta_polska"), ("pocztex", "poczta_polska"),
    ("odbiór", "store_pickup"), ("odbior", "store_pickup"), ("pickup", "store_pickup"), ("pick-up", "store_pickup"),
    ("dhl", "dhl_international"),
]

# OrderTransaction.gateway (lower case, by a word in it) as Koliber's payment methods.
GATEWAYS: list[tuple[str, str]] = [("blik", "blik"), ("przelewy24", "p24"), ("p24", "p24"), ("bank", "transfer"),
                                   ("manual", "transfer"), ("transfer", "transfer"), ("przelew", "transfer")]

# Product.productType (lower case) as Koliber's categories; the return rules read these.
CATEGORIES: dict[str, str] = {
    "obuwie": "shoes", "buty": "shoes", "shoes": "shoes", "footwear": "shoes",
    "odzież": "clothing", "odziez": "clothing", "ubrania": "clothing", "clothing": "clothing", "apparel": "clothing",
    "bielizna": "underwear", "underwear": "underwear", "lingerie": "underwear",
    "kosmetyki": "cosmetics", "cosmetics": "cosmetics", "beauty": "cosmetics",
    "elektronika": "electronics", "electronics": "electronics",
    "dom": "home", "dom i ogród": "home", "home": "home", "home & garden": "home",
    "personalizowane": "personalised", "personalised": "personalised", "personalized": "personalised",
    "karta podarunkowa": "gift_card", "karty podarunkowe": "gift_card", "gift card": "gift_card",
}
OTHER_CATEGORY = "other"

# Return.status as Koliber's return statuses; cancelled returns are left out of the order's view.
RETURN_STATUSES = {"REQUESTED": "requested", "OPEN": "requested", "CLOSED": "received", "DECLINED": "rejected"}
OPEN_RETURNS = ("REQUESTED", "OPEN")

# Days a parcel is expected to travel when Shopify has no estimated delivery for it.
DEFAULT_TRANSIT = timedelta(days=2)

# How Koliber marks what it did, so it finds it again: a refund's note, the line of the order note a
# store credit adds, a return line's note.
RETURN_NOTE_PREFIX = "Koliber return code "
_CREDIT_LINE = re.compile(r"^\[Koliber (?P<reference>[^\]]+)\] store credit (?P<amount>[0-9.]+) (?P<currency>[A-Z]{3})",
                          re.MULTILINE)


def reference_marker(reference: str) -> str:
    """The mark of one Koliber refund in the refund's note (the bracket keeps `ref-1` apart from `ref-10`)."""
    return f"[Koliber {reference}]"


def credit_note_line(reference: str, amount: Decimal, currency: str) -> str:
    return f"{reference_marker(reference)} store credit {amount} {currency}"


def store_credits(note: str | None) -> dict[str, Decimal]:
    """The store credits Koliber gave for this order, by reference, read from the order's note."""
    return {match["reference"]: Decimal(match["amount"]) for match in _CREDIT_LINE.finditer(note or "")}


def number_of(name: str) -> str:
    """The number customers see and type: the order's name without its "#"."""
    return name.strip().lstrip("#")


def numeric_id(gid: str) -> int:
    """Shopify's numeric id at the end of a global id (gid://shopify/LineItem/123 → 123)."""
    return int(gid.rsplit("/", 1)[-1])


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def money(money_bag: dict[str, Any] | None) -> Decimal:
    return Decimal(str(money_bag["shopMoney"]["amount"])) if money_bag else Decimal("0")


def nodes(connection: dict[str, Any] | list | None) -> list[dict[str, Any]]:
    """The items of a connection (`nodes`) or of a plain list field."""
    if connection is None:
        return []
    return connection if isinstance(connection, list) else connection.get("nodes", [])


class ShopifyMapping:
    """The tables above with the shop's own additions."""

    def __init__(self, statuses: dict[str, str] | None = None, categories: dict[str, str] | None = None) -> None:
        self.statuses = {**STATUSES, **(statuses or {})}
        self.categories = {**CATEGORIES, **{name.lower(): value for name, value in (categories or {}).items()}}

    def order_view(self, order: dict[str, Any]) -> OrderView:
        address = order.get("shippingAddress") or {}
        shipping_cost = money(order.get("totalShippingPriceSet"))
        total = order.get("currentTotalPriceSet") or order.get("totalPriceSet")
        return OrderView(
            number=number_of(order["name"]),
            status=self.koliber_status(order),
            currency=(total or {}).get("shopMoney", {}).get("currencyCode", ""),
            items_total=money(total) - shipping_cost,
            shipping_cost=shipping_cost,
            shipping_method=shipping_method(order),
            placed_at=when(order["createdAt"]),
            customer_id=None,
            customer_email=(order.get("email") or "").lower(),
            customer_name=address.get("name") or ((order.get("customer") or {}).get("displayName") or ""),
            customer_phone=order.get("phone") or address.get("phone"),
            delivery_street=" ".join(filter(None, (address.get("address1"), address.get("address2")))) or None,
            delivery_city=address.get("city") or "",
            delivery_postcode=address.get("zip") or "",
            delivery_country=address.get("countryCodeV2") or "",
            items=[self.item(line) for line in nodes(order.get("lineItems"))],
            payments=payments(order),
            shipment=shipment(order),
            refunds=refunds(order),
            returns=returns(order),
        )

    def koliber_status(self, order: dict[str, Any]) -> str:
        financial = order.get("displayFinancialStatus") or "PENDING"
        if order.get("cancelledAt"):
            return "cancelled"
        if financial == "REFUNDED":
            return self.statuses["REFUNDED"]
        if any(r.get("status") in OPEN_RETURNS for r in nodes(order.get("returns"))):
            return "return_requested"
        for tag in order.get("tags") or []:
            if tag in self.statuses:
                return self.statuses[tag]
        if (parcel := newest_parcel(order)) is not None:
            if parcel.get("deliveredAt"):
                return "delivered"
            return self.statuses.get(parcel_state(parcel), "shipped")
        fulfillment = order.get("displayFulfillmentStatus") or "UNFULFILLED"
        if fulfillment != "UNFULFILLED" and fulfillment in self.statuses:
            return self.statuses[fulfillment]
        return self.statuses.get(financial, "awaiting_payment")

    def item(self, line: dict[str, Any]) -> ItemView:
        product_type = ((line.get("product") or {}).get("productType") or "").strip().lower()
        category = "gift_card" if line.get("isGiftCard") else self.categories.get(product_type, OTHER_CATEGORY)
        return ItemView(id=numeric_id(line["id"]), name=line["name"], category=category, quantity=line["quantity"],
                        unit_price=money(line.get("originalUnitPriceSet")))


def shipping_method(order: dict[str, Any]) -> str:
    lines = nodes(order.get("shippingLines"))
    words = " ".join(f"{line.get('title') or ''} {line.get('code') or ''}" for line in lines).lower()
    country = (order.get("shippingAddress") or {}).get("countryCodeV2")
    for word, method in SHIPPING_METHODS:
        if word in words:
            return "dhl_uk" if method == "dhl_international" and country == "GB" else method
    return "dpd_courier" if country in (None, "PL") else "dhl_international"


def newest_parcel(order: dict[str, Any]) -> dict[str, Any] | None:
    parcels = [f for f in nodes(order.get("fulfillments")) if f.get("status") not in ("CANCELLED", "ERROR", "FAILURE")]
    return max(parcels, key=lambda f: f["createdAt"]) if parcels else None


def last_event(parcel: dict[str, Any]) -> dict[str, Any] | None:
    events = nodes(parcel.get("events"))
    return max(events, key=lambda e: e["happenedAt"]) if events else None


def parcel_state(parcel: dict[str, Any]) -> str:
    event = last_event(parcel)
    return event["status"] if event else (parcel.get("displayStatus") or "FULFILLED")


def shipment(order: dict[str, Any]) -> ShipmentView | None:
    parcel = newest_parcel(order)
    if parcel is None:
        return None
    tracking = (nodes(parcel.get("trackingInfo")) or [{}])[0]
    company = tracking.get("company") or ""
    shipped_at = when(parcel["createdAt"])
    estimated = when(parcel.get("estimatedDeliveryAt"))
    delivered_at = when(parcel.get("deliveredAt"))
    event = last_event(parcel)
    state = parcel_state(parcel)
    last = TrackingView(code=TRACKING_EVENTS.get(state, "in_transit"),
                        location=(event or {}).get("city") or "",
                        occurred_at=when((event or {}).get("happenedAt")) or delivered_at or shipped_at)
    return ShipmentView(carrier=CARRIERS.get(company.lower(), company), tracking_number=tracking.get("number") or "",
                        shipped_at=shipped_at,
                        promised_delivery_date=(estimated or shipped_at + DEFAULT_TRANSIT).date(),
                        delivered_at=delivered_at, last_event=last)


def payment_method(gateway: str | None) -> str:
    name = (gateway or "").lower()
    return next((method for word, method in GATEWAYS if word in name), "card")


def payments(order: dict[str, Any]) -> list[PaymentView]:
    """Money the customer paid or tried to pay: sales and captures, and authorizations not captured yet."""
    transactions = nodes(order.get("transactions"))
    captured = {t["parentTransaction"]["id"] for t in transactions
                if t.get("kind") == "CAPTURE" and t.get("parentTransaction")}
    found = []
    for transaction in transactions:
        kind = transaction.get("kind")
        if kind not in ("SALE", "CAPTURE", "AUTHORIZATION") or transaction["id"] in captured:
            continue
        status = {"SUCCESS": "paid", "FAILURE": "failed", "ERROR": "failed"}.get(transaction.get("status"), "pending")
        if kind == "AUTHORIZATION" and status == "paid":
            status = "pending"  # held, not taken: it becomes a payment when the shop captures it
        found.append(PaymentView(method=payment_method(transaction.get("gateway")), status=status,
                                 amount=money(transaction.get("amountSet")),
                                 failure_reason=(transaction.get("errorCode") or "").lower() or None,
                                 created_at=when(transaction.get("processedAt") or transaction["createdAt"])))
    return found


def refunds(order: dict[str, Any]) -> list[RefundView]:
    """Refunds to the customer's payment method, then the store credits Koliber gave."""
    found = []
    for refund in nodes(order.get("refunds")):
        transactions = nodes(refund.get("transactions"))
        sent = [when(t.get("processedAt") or t.get("createdAt")) for t in transactions if t.get("status") == "SUCCESS"]
        pending = any(t.get("status") == "PENDING" for t in transactions)
        created_at = when(refund["createdAt"])
        found.append(RefundView(amount=money(refund.get("totalRefundedSet")),
                                method=payment_method(transactions[0].get("gateway")) if transactions else "card",
                                status="pending" if pending else "sent", created_at=created_at,
                                sent_at=None if pending else (max(sent) if sent else created_at)))
    for _, amount in store_credits(order.get("note")).items():
        created_at = when(order.get("updatedAt") or order["createdAt"])
        found.append(RefundView(amount=amount, method=STORE_CREDIT, status="sent", created_at=created_at,
                                sent_at=created_at))
    return found


def returns(order: dict[str, Any]) -> list[ReturnView]:
    found = []
    for shop_return in nodes(order.get("returns")):
        if shop_return.get("status") not in RETURN_STATUSES:
            continue
        found.append(ReturnView(code=return_code(shop_return), status=RETURN_STATUSES[shop_return["status"]],
                                # Return.createdAt is not in every API version's schema: the order's
                                # last change is when the return (its newest change, usually) was made.
                                created_at=when(order.get("updatedAt") or order["createdAt"])))
    return found


def return_code(shop_return: dict[str, Any]) -> str:
    """Koliber's return code from a return line's note, or the return's own name when a person made it."""
    for line in nodes(shop_return.get("returnLineItems")):
        note = line.get("returnReasonNote") or ""
        if note.startswith(RETURN_NOTE_PREFIX):
            return note.removeprefix(RETURN_NOTE_PREFIX).split()[0]
    return shop_return["name"]
