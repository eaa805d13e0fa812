"""WooCommerce's orders in Koliber's order model: statuses, carriers, shipping methods, payments,
refunds, returns and product categories, with the defaults a typical Polish shop uses and the shop's
own names from KOLIBER_SHOP_STATUSES / KOLIBER_SHOP_CATEGORIES on top.

The data is what WooCommerce's REST API `wc/v3` answers (orders, orders/<id>/refunds, products),
assembled by shop/platforms/woocommerce.py as
`{"order": {...}, "refunds": [...], "product_categories": {"<product id>": ["slug", ...]}}`.

What WooCommerce itself does not know, and where Koliber reads it from:
- the parcel: the Shipment Tracking extension's order meta `_wc_shipment_tracking_items`
  (tracking_provider or custom_tracking_provider, tracking_number, date_shipped as a Unix time);
- delivery: a delivered status (`delivered`, as tracking plugins add it) or the order meta
  `_koliber_delivered_at` (Unix time), which a carrier integration can set; the promise: the order meta
  `_koliber_delivery_promised` (YYYY-MM-DD), else the shipping day plus DEFAULT_TRANSIT_DAYS;
- returns: the order meta `_koliber_return` that Koliber writes itself (WooCommerce has no returns);
- invoices: the meta of the "PDF Invoices & Packing Slips" plugin (`_wcpdf_invoice_number`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from shop.order_views import (
    InvoiceView,
    ItemView,
    OrderView,
    PaymentView,
    RefundView,
    ReturnView,
    ShipmentView,
    TrackingView,
)

TRACKING_META = "_wc_shipment_tracking_items"
DELIVERED_AT_META = "_koliber_delivered_at"
PROMISED_META = "_koliber_delivery_promised"
RETURN_META = "_koliber_return"
INVOICE_NUMBER_META = "_wcpdf_invoice_number"
INVOICE_DATE_META = "_wcpdf_invoice_date"

# A parcel with no promised day in the order is expected this many days after it left: most Polish
# carriers deliver the next business day, and a weekend in between is common.
DEFAULT_TRANSIT_DAYS = 2

# WooCommerce's core statuses, and the ones tracking plugins commonly add, as Koliber's. `completed`
# is refined by what is known of the parcel (order_status); `processing` with a tracking number is a
# parcel waiting for the carrier.
DEFAULT_STATUSES = {
    "pending": "awaiting_payment",
    "on-hold": "awaiting_payment",  # a bank transfer (bacs) not yet booked
    "failed": "awaiting_payment",
    "checkout-draft": "awaiting_payment",
    "processing": "paid",
    "completed": "shipped",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "shipped": "shipped",
    "partial-shipped": "shipped",
    "delivered": "delivered",
}

# Shipment Tracking's provider names (stored sanitised, e.g. "dpd-pl") as the carriers customers know.
CARRIERS = {
    "inpost": "InPost",
    "inpost-paczkomaty": "InPost",
    "dpd": "DPD",
    "dpd-pl": "DPD",
    "dhl": "DHL",
    "dhl-parcel-pl": "DHL",
    "dhl-express": "DHL",
    "poczta-polska": "Poczta Polska",
    "pocztex": "Poczta Polska",
    "gls": "GLS",
    "ups": "UPS",
    "fedex": "FedEx",
    "orlen-paczka": "ORLEN Paczka",
}

# Words in a shipping line's method id or title, and the policy's shipping method they mean
# (config/shop_policy.yml `shipping.methods`). The first match wins; DHL abroad is dhl_international.
SHIPPING_METHOD_WORDS = (
    ("paczkomat", "inpost_locker"),
    ("inpost", "inpost_locker"),
    ("easypack", "inpost_locker"),
    ("dpd", "dpd_courier"),
    ("poczta", "poczta_polska"),
    ("pocztex", "poczta_polska"),
    ("local_pickup", "store_pickup"),
    ("pickup_location", "store_pickup"),
    ("odbiór", "store_pickup"),
    ("dhl", "dhl_international"),
)

# WooCommerce gateway ids as the policy's payment methods (`payment_methods`); others keep the title
# the customer saw at checkout.
PAYMENT_METHODS = {
    "bacs": "transfer",
    "przelewy24": "p24",
    "p24": "p24",
    "blik": "blik",
    "payu_blik": "blik",
    "przelewy24_blik": "blik",
    "stripe": "card",
    "stripe_cc": "card",
    "woocommerce_payments": "card",
    "payu_card": "card",
}

# Polish (and English) category slugs as Koliber's categories.
DEFAULT_CATEGORIES = {
    "bielizna": "underwear",
    "underwear": "underwear",
    "kosmetyki": "cosmetics",
    "cosmetics": "cosmetics",
    "obuwie": "shoes",
    "buty": "shoes",
    "shoes": "shoes",
    "odziez": "clothing",
    "ubrania": "clothing",
    "clothing": "clothing",
    "elektronika": "electronics",
    "electronics": "electronics",
    "dom-i-ogrod": "home",
    "dom": "home",
    "home": "home",
    "personalizowane": "personalised",
    "produkty-personalizowane": "personalised",
    "personalised": "personalised",
    "karty-podarunkowe": "gift_card",
    "karta-podarunkowa": "gift_card",
    "gift-card": "gift_card",
    "gift-cards": "gift_card",
}
UNKNOWN_CATEGORY = "other"


def bare_status(status: str) -> str:
    """A status as the REST API names it: without the `wc-` prefix the admin and plugins show."""
    return status.removeprefix("wc-")


@dataclass(frozen=True)
class WooMapping:
    """The shop's statuses and categories: the defaults above, overridden by its own settings."""

    statuses: dict[str, str]
    categories: dict[str, str]
    own_statuses: frozenset[str]  # the statuses the shop mapped itself: taken as they are
    own_categories: frozenset[str]  # the slugs the shop mapped itself: they win over defaults

    @classmethod
    def with_overrides(cls, statuses: dict[str, str], categories: dict[str, str]) -> "WooMapping":
        own_statuses = {bare_status(name): koliber for name, koliber in statuses.items()}
        return cls({**DEFAULT_STATUSES, **own_statuses}, {**DEFAULT_CATEGORIES, **categories},
                   frozenset(own_statuses), frozenset(categories))

    # --- the whole order ---------------------------------------------------------------------------
    def to_view(self, data: dict[str, Any]) -> OrderView:
        order = data["order"]
        meta = meta_values(order)
        shipping_gross = money(order.get("shipping_total")) + money(order.get("shipping_tax"))
        address = delivery_address(order)
        billing = order.get("billing") or {}
        method = payment_method(order)
        shipment = self.shipment(order, meta, address.get("city", ""))
        returns = returns_of(order, meta)
        return OrderView(
            number=str(order["number"]),
            status=self.order_status(order, shipment, returns),
            currency=order["currency"],
            items_total=money(order["total"]) - shipping_gross,
            shipping_cost=shipping_gross,
            shipping_method=shipping_method(order, address.get("country", "")),
            placed_at=gmt(order["date_created_gmt"]),
            customer_id=None,
            customer_email=billing.get("email", ""),
            customer_name=" ".join(filter(None, (address.get("first_name"), address.get("last_name")))),
            delivery_city=address.get("city", ""),
            delivery_postcode=address.get("postcode", ""),
            delivery_country=address.get("country", ""),
            delivery_street=", ".join(filter(None, (address.get("address_1"), address.get("address_2")))) or None,
            customer_phone=billing.get("phone") or address.get("phone") or None,
            items=[self.item(line, data.get("product_categories", {})) for line in order.get("line_items", [])],
            payments=payments(order, method),
            shipment=shipment,
            refunds=refunds(data, method),
            returns=returns,
            invoices=invoices(meta),
        )

    def order_status(self, order: dict[str, Any], shipment: ShipmentView | None,
                     returns: list[ReturnView]) -> str:
        status = bare_status(order["status"])
        koliber = self.statuses.get(status, "paid" if order.get("date_paid_gmt") else "awaiting_payment")
        if status == "processing" and shipment is not None and status not in self.own_statuses:
            koliber = "packed"  # a label is made, the carrier has not taken the parcel yet
        if koliber in ("shipped", "delivered") and shipment is not None:
            koliber = "delivered" if shipment.delivered_at is not None else "shipped"
        if returns and koliber == "delivered":
            koliber = "return_requested"
        return koliber

    def shipment(self, order: dict[str, Any], meta: dict[str, Any], city: str) -> ShipmentView | None:
        items = meta.get(TRACKING_META) or []
        if not isinstance(items, list) or not items:
            return None
        latest = items[-1]  # a parcel sent again (a lost one replaced) is added last
        shipped_at = unix_time(latest.get("date_shipped")) or gmt(order.get("date_completed_gmt")
                                                                  or order["date_created_gmt"])
        delivered_at = unix_time(meta.get(DELIVERED_AT_META))
        if delivered_at is None and self.statuses.get(bare_status(order["status"])) == "delivered":
            # A delivered status with no time recorded: the moment the order last changed is the best known.
            delivered_at = gmt(order.get("date_modified_gmt") or order["date_created_gmt"])
        promised = iso_date(meta.get(PROMISED_META)) or (shipped_at + timedelta(days=DEFAULT_TRANSIT_DAYS)).date()
        return ShipmentView(
            carrier=carrier_name(latest),
            tracking_number=str(latest.get("tracking_number", "")),
            shipped_at=shipped_at,
            promised_delivery_date=promised,
            delivered_at=delivered_at,
            # WooCommerce hears nothing from the carrier between dispatch and delivery.
            last_event=TrackingView("delivered", city, delivered_at) if delivered_at else None,
        )

    def item(self, line: dict[str, Any], product_categories: dict[str, list[str]]) -> ItemView:
        quantity = int(line.get("quantity") or 1)
        gross = money(line.get("subtotal")) + money(line.get("subtotal_tax"))
        slugs = product_categories.get(str(line.get("product_id")), [])
        return ItemView(id=int(line["id"]), name=line.get("name", ""), category=self.category(slugs),
                        quantity=quantity, unit_price=(gross / quantity).quantize(Decimal("0.01")))

    def category(self, slugs: list[str]) -> str:
        """The product's first category the shop mapped itself, else its first known one, else its first slug."""
        for candidates in ([s for s in slugs if s in self.own_categories], [s for s in slugs if s in self.categories]):
            if candidates:
                return self.categories[candidates[0]]
        return slugs[0] if slugs else UNKNOWN_CATEGORY


# --- parts of an order ----------------------------------------------------------------------------------
def meta_values(order: dict[str, Any]) -> dict[str, Any]:
    """The order's meta data by key (the last value of a repeated key)."""
    return {entry["key"]: entry.get("value") for entry in order.get("meta_data", []) if "key" in entry}


def delivery_address(order: dict[str, Any]) -> dict[str, str]:
    """The shipping address, or the billing one when the order has none (virtual products, some checkouts)."""
    shipping = order.get("shipping") or {}
    return shipping if shipping.get("address_1") or shipping.get("postcode") else (order.get("billing") or {})


def shipping_method(order: dict[str, Any], country: str) -> str:
    lines = order.get("shipping_lines") or []
    if not lines:
        return ""  # nothing shipped (a virtual product, a gift card)
    line = lines[0]
    words = f"{line.get('method_id', '')} {line.get('method_title', '')}".lower()
    for word, code in SHIPPING_METHOD_WORDS:
        if word in words:
            return "dhl_uk" if code == "dhl_international" and country == "GB" else code
    return str(line.get("method_id") or line.get("method_title") or "")


def carrier_name(tracking_item: dict[str, Any]) -> str:
    custom = tracking_item.get("custom_tracking_provider")
    if custom:
        return str(custom)
    provider = str(tracking_item.get("tracking_provider", ""))
    return CARRIERS.get(provider.lower().replace(" ", "-"), provider)


def payment_method(order: dict[str, Any]) -> str:
    gateway = order.get("payment_method") or ""
    return PAYMENT_METHODS.get(gateway, order.get("payment_method_title") or gateway)


def payments(order: dict[str, Any], method: str) -> list[PaymentView]:
    status = bare_status(order["status"])
    total = money(order["total"])
    if order.get("date_paid_gmt"):
        paid = "refunded" if status == "refunded" else "paid"
        return [PaymentView(method, paid, total, None, gmt(order["date_paid_gmt"]))]
    if status == "failed":
        return [PaymentView(method, "failed", total, None, gmt(order.get("date_modified_gmt")
                                                               or order["date_created_gmt"]))]
    if status in ("cancelled", "refunded", "checkout-draft") or not order.get("payment_method"):
        return []
    return [PaymentView(method, "pending", total, None, gmt(order["date_created_gmt"]))]


def refunds(data: dict[str, Any], method: str) -> list[RefundView]:
    """WooCommerce records a refund once the money went back (by the gateway, or by hand and noted):
    each one is sent. Oldest first."""
    found = []
    for refund in sorted(data.get("refunds", []), key=lambda r: r.get("date_created_gmt", "")):
        at = gmt(refund["date_created_gmt"])
        found.append(RefundView(abs(money(refund.get("amount"))), method, "sent", at, at))
    return found


def returns_of(order: dict[str, Any], meta: dict[str, Any]) -> list[ReturnView]:
    recorded = meta.get(RETURN_META)
    if not isinstance(recorded, dict) or not recorded.get("code"):
        return []
    status = "refunded" if bare_status(order["status"]) == "refunded" else "requested"
    return [ReturnView(recorded["code"], status, datetime.fromisoformat(recorded["created_at"]))]


def invoices(meta: dict[str, Any]) -> list[InvoiceView]:
    number = meta.get(INVOICE_NUMBER_META)
    issued = unix_time(meta.get(INVOICE_DATE_META))
    return [InvoiceView(str(number), "invoice", issued)] if number and issued else []


def reference_in(reason: str | None, reference: str) -> bool:
    return f"[{reference}]" in (reason or "")


# --- values -------------------------------------------------------------------------------------------------
def money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


def gmt(value: str) -> datetime:
    """A WooCommerce `*_gmt` date (no zone written; it is UTC)."""
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def unix_time(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), timezone.utc) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
