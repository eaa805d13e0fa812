"""BaseLinker's data in Koliber's terms: the shop's own status names, couriers and their tracking codes,
payment methods, delivery methods and product categories, each with the defaults a typical Polish
shop uses, extended by KOLIBER_SHOP_STATUSES and KOLIBER_SHOP_CATEGORIES.

BaseLinker lets every account name its own order statuses (getOrderStatusList), so statuses are
matched by name, case-insensitively; categories are not part of an order's products at all, so
they are read from each product's SKU or name (see `category_of`).
"""

from decimal import Decimal

from shop.service import STORE_CREDIT

# Status names as Polish (and English-language) BaseLinker accounts usually call them.
DEFAULT_STATUSES = {
    "nowe zamówienia": "paid", "nowe": "paid", "nowe zamówienie": "paid", "new orders": "paid",
    "oczekuje na płatność": "awaiting_payment", "oczekujące na płatność": "awaiting_payment",
    "do zapłaty": "awaiting_payment", "nieopłacone": "awaiting_payment", "to be paid": "awaiting_payment",
    "opłacone": "paid", "paid": "paid",
    "w realizacji": "packed", "do wysłania": "packed", "do wysyłki": "packed", "spakowane": "packed",
    "gotowe do wysyłki": "packed", "kompletowanie": "packed", "ready to ship": "packed",
    "wysłane": "shipped", "nadane": "shipped", "w drodze": "shipped", "zrealizowane": "shipped",
    "dispatched": "shipped", "shipped": "shipped",
    "opóźnione": "delayed", "delayed": "delayed",
    "dostarczone": "delivered", "odebrane": "delivered", "delivered": "delivered",
    "anulowane": "cancelled", "anulowano": "cancelled", "cancelled": "cancelled", "canceled": "cancelled",
    "zwrot": "return_requested", "zwroty": "return_requested", "zwrot towaru": "return_requested",
    "returns": "return_requested",
    "zwrócono pieniądze": "refunded", "zwrot pieniędzy": "refunded", "zwrot środków": "refunded",
    "refunded": "refunded",
}

# Statuses whose meaning the payment decides: an order waiting in "Nowe zamówienia" is paid or not.
PAYMENT_DECIDES = ("awaiting_payment", "paid")

# getOrderPackages / getCourierPackagesStatusHistory `tracking_status` -> the policy's tracking events.
TRACKING_EVENTS = {
    1: "label_created", 2: "picked_up", 3: "address_problem", 4: "out_for_delivery", 5: "delivered",
    6: "returning_to_sender", 7: "in_locker", 8: "in_locker", 9: "delayed", 11: "in_transit",
    12: "delayed", 13: "in_transit",
}
DELIVERED = 5

# BaseLinker courier codes (getCouriersList) -> the carrier names customers know.
CARRIERS = {
    "inpost": "InPost", "inpostkurier": "InPost", "paczkomaty": "InPost", "dhl": "DHL", "dhlparcel": "DHL",
    "dpd": "DPD", "gls": "GLS", "ups": "UPS", "fedex": "FedEx", "fedexpl": "FedEx", "pocztapolska": "Poczta Polska",
    "pocztex": "Poczta Polska", "orlen": "Orlen Paczka", "ruch": "Orlen Paczka", "allegrokurier": "Allegro",
}

# Words in BaseLinker's free-text `delivery_method` -> the policy's shipping method codes.
DELIVERY_METHODS = (("paczkomat", "inpost_locker"), ("inpost", "inpost_locker"), ("dpd", "dpd_courier"),
                    ("poczta", "poczta_polska"), ("pocztex", "poczta_polska"), ("odbiór osobisty", "store_pickup"),
                    ("odbior osobisty", "store_pickup"), ("dhl", "dhl_international"))
DEFAULT_DELIVERY_METHOD = "dpd_courier"

# Words in BaseLinker's free-text `payment_method` -> the policy's payment methods.
PAYMENT_METHODS = (("blik", "blik"), ("kart", "card"), ("card", "card"), ("przelewy24", "p24"), ("p24", "p24"),
                   ("przelew", "transfer"), ("transfer", "transfer"))
CASH_ON_DELIVERY = "cod"

# Stems in product names (lower-case) -> Koliber's categories; KOLIBER_SHOP_CATEGORIES adds SKU prefixes
# and more name stems.
DEFAULT_CATEGORIES = {
    "skarpet": "underwear", "bielizn": "underwear", "majtki": "underwear", "bokserki": "underwear",
    "biustonosz": "underwear", "stanik": "underwear", "rajstop": "underwear",
    "buty": "shoes", "obuwie": "shoes", "sandał": "shoes", "trampk": "shoes", "kozak": "shoes",
    "koszul": "clothing", "koszulk": "clothing", "spodni": "clothing", "sukienk": "clothing", "kurtk": "clothing",
    "bluz": "clothing", "sweter": "clothing",
    "krem": "cosmetics", "perfum": "cosmetics", "kosmety": "cosmetics", "szampon": "cosmetics",
    "karta podarunkowa": "gift_card", "bon podarunkowy": "gift_card", "voucher": "gift_card",
    "grawer": "personalised", "personaliz": "personalised", "z imieniem": "personalised",
}
UNKNOWN_CATEGORY = "other"


class Mapping:
    """One shop's mapping: the defaults above with the shop's own pairs on top."""

    def __init__(self, statuses: dict[str, str], categories: dict[str, str]) -> None:
        self.statuses = DEFAULT_STATUSES | {name.casefold(): status for name, status in statuses.items()}
        self.categories = DEFAULT_CATEGORIES | {key.casefold(): category for key, category in categories.items()}

    def status_of(self, name: str | None) -> str | None:
        """Koliber's status for one of the shop's status names, None when the name is not known."""
        return self.statuses.get((name or "").strip().casefold())

    def status_ids_for(self, status: str, names: dict[int, str]) -> list[int]:
        """The shop's status ids (from getOrderStatusList) that mean this Koliber status."""
        return [status_id for status_id, name in names.items() if self.status_of(name) == status]

    def category_of(self, sku: str, name: str) -> str:
        """A product's category: a mapped SKU or SKU prefix first (`BIE-=underwear`), then a stem of its name."""
        sku = (sku or "").casefold()
        for key, category in self.categories.items():
            if sku and (sku == key or sku.startswith(key)):
                return category
        lowered = (name or "").casefold()
        for key, category in self.categories.items():
            if key in lowered:
                return category
        return UNKNOWN_CATEGORY


def order_status(mapped: str | None, paid: bool, has_parcel: bool, delivered: bool) -> str:
    """Koliber's status from the shop's status (mapped), the payment and the parcel's tracking."""
    if mapped is None:  # a status the mapping does not know: judge by what happened to the order
        mapped = "shipped" if has_parcel else "paid"
    if mapped in PAYMENT_DECIDES:
        return "paid" if paid else "awaiting_payment"
    if mapped in ("shipped", "delayed") and delivered:
        return "delivered"
    return mapped


def carrier_name(courier_code: str, other_name: str = "") -> str:
    code = (courier_code or "").casefold()
    if code in CARRIERS:
        return CARRIERS[code]
    return other_name or courier_code or "?"


def tracking_event(tracking_status: int | str | None) -> str | None:
    try:
        return TRACKING_EVENTS.get(int(tracking_status or 0))
    except ValueError:
        return None


def shipping_method(delivery_method: str, country_code: str) -> str:
    lowered = (delivery_method or "").casefold()
    for word, code in DELIVERY_METHODS:
        if word in lowered:
            return "dhl_uk" if code == "dhl_international" and country_code.upper() == "GB" else code
    return DEFAULT_DELIVERY_METHOD


def payment_method(name: str, cash_on_delivery: bool, goodwill: bool = False) -> str:
    if goodwill:
        return STORE_CREDIT
    if cash_on_delivery:
        return CASH_ON_DELIVERY
    lowered = (name or "").casefold()
    return next((method for word, method in PAYMENT_METHODS if word in lowered), lowered or "unknown")


def money(value) -> Decimal:
    """BaseLinker sends amounts as numbers or strings ("0.00")."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
