"""Orders from a BaseLinker (Base.com) account: the order hub behind many Polish shops on Allegro,
Shoper, IdoSell or PrestaShop, so one adapter serves every shop it feeds.

It speaks BaseLinker's API as documented at api.baselinker.com (method list of 2026-01): one endpoint,
`POST connector.php`, the token in the `X-BLToken` header and a form body `method=<name>&parameters=<JSON>`.
Every answer is HTTP 200 with `"status": "SUCCESS"` and the data, or `"status": "ERROR"` with
`error_code` and `error_message`: ERROR_BAD_TOKEN is a wrong token; ERROR_USER_ACCOUNT_BLOCKED is
what BaseLinker answers when the 100 requests a minute were exceeded (it blocks the token for a few
minutes), so it is waited out like any "slow down". httpx through PlatformHttp, as for every platform:
the PHP and JS clients around are unofficial and Python has none that is kept up.

What the customer calls the order number is BaseLinker's `order_id` (what BaseLinker's own order page
and e-mails show). A shop whose customers see its own numbers is served too: a number that is no
`order_id` is looked up as the shop's `shop_order_id`; the view then carries BaseLinker's number.
All mapping onto Koliber's model is in baselinker_mapping.py.
"""

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx

from shop.order_views import (
    ItemView,
    NewAddress,
    OrderView,
    PaymentView,
    RefundView,
    ReturnView,
    ShipmentView,
    TrackingView,
)
from shop.platforms import baselinker_mapping as mapping
from shop.platforms.service import OrderData, PlatformCannot
from shop.platforms.transport import PlatformHttp, ShopRefusedCredentials, ShopUnavailable, pairs, require_https
from shop.settings import ShopSettings

PAGE = 100  # getOrders and getOrderReturns return at most 100 at a time
RATE_LIMITED = "ERROR_USER_ACCOUNT_BLOCKED"
BAD_TOKEN = "ERROR_BAD_TOKEN"
# Journal events (getJournalList log_type) after which a cached order is stale: payment, removal,
# merge, split, invoice, parcels, delivery data, products, order data, status, invoice changes.
ORDER_CHANGES = [3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16, 18, 19, 21]
# A refund Koliber asked for is kept in BaseLinker's returns module as a money-only return with one
# line under one of these SKUs, its reference in `reference_number`; the shop pays it and marks it.
REFUND_SKU, CREDIT_SKU = "KOLIBER-REFUND", "KOLIBER-CREDIT"
REFUND_REFERENCE = "KOLIBER:"
ADMIN_COMMENTS_LIMIT = 200  # setOrderFields admin_comments is varchar(200)
STATUS_LIST_SECONDS = 600  # the shop's status names rarely change; read them every ten minutes at most
FALLBACK_TRANSIT = timedelta(days=2)  # when the marketplace gave no delivery date


def _moment(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), timezone.utc) if value and int(value) > 0 else None


class BaseLinkerPlatform:
    name = "baselinker"

    def __init__(self, url: str, token: str, *, statuses: dict[str, str] | None = None,
                 categories: dict[str, str] | None = None, per_minute: int | None = 100, max_wait: float = 20.0,
                 blocked_wait: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self._url = require_https(url)
        self._blocked_wait = blocked_wait
        self.http = PlatformHttp("", platform=self.name, headers={"X-BLToken": token}, max_wait=max_wait,
                                 per_minute=per_minute, throttled=self._throttled, transport=transport)
        self.mapping = mapping.Mapping(statuses or {}, categories or {})
        self._status_names: dict[int, str] = {}
        self._status_names_read = float("-inf")

    # --- the wire ----------------------------------------------------------------------------------------
    def _throttled(self, response: httpx.Response) -> float | None:
        """BaseLinker blocks a token that went over its limit and says so in a 200 body, without a wait."""
        try:
            answer = response.json()
        except ValueError:
            return None
        if isinstance(answer, dict) and answer.get("error_code") == RATE_LIMITED:
            return self._blocked_wait
        return None

    def call(self, method: str, parameters: dict[str, Any] | None = None, *, write: bool = False) -> dict[str, Any]:
        response = self.http.request("POST", self._url, write=write,
                                     data={"method": method, "parameters": json.dumps(parameters or {})})
        try:
            answer = response.json()
        except ValueError as error:
            raise ShopUnavailable(f"baselinker answered {method} with no JSON (HTTP {response.status_code})") from error
        if answer.get("status") == "SUCCESS":
            return answer
        code, message = answer.get("error_code"), answer.get("error_message")
        if code == BAD_TOKEN:
            raise ShopRefusedCredentials(f"baselinker refused the token: {message}")
        raise ShopUnavailable(f"baselinker refused {method}: {code} {message}")

    def status_names(self) -> dict[int, str]:
        """The shop's order statuses (getOrderStatusList), id -> name."""
        if time.monotonic() - self._status_names_read > STATUS_LIST_SECONDS:
            statuses = self.call("getOrderStatusList")["statuses"]
            self._status_names = {int(s["id"]): s["name"] for s in statuses}
            self._status_names_read = time.monotonic()
        return self._status_names

    def _orders(self, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every order matching the filters, 100 a request, the next page from the last id on."""
        id_from = None
        while True:
            page = self.call("getOrders", filters | ({"id_from": id_from} if id_from else {}))["orders"]
            yield from page
            if len(page) < PAGE:
                return
            id_from = max(int(order["order_id"]) for order in page) + 1

    def _returns(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        found, id_from = [], None
        while True:
            page = self.call("getOrderReturns", filters | ({"id_from": id_from} if id_from else {}))["returns"]
            found += page
            if len(page) < PAGE:
                return found
            id_from = max(int(r["return_id"]) for r in page) + 1

    # --- reading -------------------------------------------------------------------------------------------
    def fetch_order(self, number: str) -> OrderData | None:
        if not number.strip().isdigit():
            return None  # BaseLinker's numbers (and shops' own numeric ones) are whole numbers
        orders = self.call("getOrders", {"order_id": int(number), "get_unconfirmed_orders": True})["orders"]
        if not orders:
            orders = self.call("getOrders", {"filter_shop_order_id": int(number)})["orders"]
        if not orders:
            return None
        order = orders[0]
        return self._assemble(order, self._returns({"order_id": int(order["order_id"])}))

    def _assemble(self, order: dict[str, Any], returns: list[dict[str, Any]]) -> OrderData:
        """The order with what its view needs: its status's name, parcels and their history, returns."""
        data: OrderData = {"order": order, "status_name": self.status_names().get(int(order["order_status_id"])),
                           "packages": [], "history": {}, "delivery_date_to": None, "returns": returns}
        if order.get("delivery_package_nr"):
            order_id = int(order["order_id"])
            data["packages"] = self.call("getOrderPackages", {"order_id": order_id})["packages"]
            if data["packages"]:
                ids = [int(p["package_id"]) for p in data["packages"]]
                history = self.call("getCourierPackagesStatusHistory", {"package_ids": ids})["packages_history"]
                data["history"] = {str(k): v for k, v in history.items()}
                # The promised delivery date, where the marketplace gave one (Allegro, Amazon, ...).
                transaction = self.call("getOrderTransactionData", {"order_id": order_id})
                data["delivery_date_to"] = transaction.get("delivery_date_to") or None
        return data

    def customer_orders(self, email: str, limit: int) -> list[OrderData]:
        orders = sorted(self._orders({"filter_email": email}), key=lambda o: int(o["date_add"]), reverse=True)
        return [self._assemble(o, self._returns({"order_id": int(o["order_id"])})) for o in orders[:limit]]

    def orders_placed_since(self, since: datetime) -> list[OrderData]:
        moment = int(since.timestamp())
        orders = [o for o in self._orders({"date_from": moment}) if int(o["date_add"]) >= moment]
        returns: dict[int, list[dict[str, Any]]] = {}
        for found in self._returns({"date_from": moment}):  # one paged read instead of one per order
            returns.setdefault(int(found["order_id"] or 0), []).append(found)
        return [self._assemble(o, returns.get(int(o["order_id"]), [])) for o in orders]

    # --- the view --------------------------------------------------------------------------------------------
    def to_view(self, data: OrderData) -> OrderView:
        order = data["order"]
        items = [ItemView(int(p.get("order_product_id") or 0), p["name"],
                          self.mapping.category_of(p.get("sku", ""), p["name"]), int(p["quantity"]),
                          mapping.money(p["price_brutto"])) for p in order.get("products", [])]
        items_total = sum((item.unit_price * item.quantity for item in items), Decimal("0"))
        shipping_cost = mapping.money(order.get("delivery_price"))
        paid_amount = mapping.money(order.get("payment_done"))
        paid = paid_amount > 0 and paid_amount >= items_total + shipping_cost
        cod = bool(int(order.get("payment_method_cod") or 0))
        method = mapping.payment_method(order.get("payment_method", ""), cod)
        placed_at = _moment(order["date_add"])
        shipment = self._shipment(data)
        refunds, returns = self._refunds_and_returns(data, method)
        status = mapping.order_status(self.mapping.status_of(data.get("status_name")), paid or cod,
                                      shipment is not None, bool(shipment and shipment.delivered_at))
        payment = PaymentView(method, "paid" if paid else "pending", paid_amount if paid else items_total + shipping_cost,
                              None, _moment(order.get("date_confirmed")) or placed_at)
        return OrderView(
            number=str(order["order_id"]), status=status, currency=order.get("currency") or "PLN",
            items_total=items_total, shipping_cost=shipping_cost,
            shipping_method=mapping.shipping_method(order.get("delivery_method", ""),
                                                    order.get("delivery_country_code", "")),
            placed_at=placed_at, customer_id=None, customer_email=order.get("email", ""),
            customer_name=order.get("delivery_fullname") or order.get("invoice_fullname", ""),
            delivery_city=order.get("delivery_city", ""), delivery_postcode=order.get("delivery_postcode", ""),
            delivery_country=order.get("delivery_country_code", ""), items=items,
            payments=[payment] if status != "cancelled" or paid else [], shipment=shipment, refunds=refunds,
            returns=returns, customer_phone=order.get("phone") or None,
            delivery_street=order.get("delivery_address") or None)

    def _shipment(self, data: OrderData) -> ShipmentView | None:
        """The order's first parcel; its history says when it left, where it is and when it arrived."""
        packages = [p for p in data.get("packages", []) if not int(p.get("is_return") or 0)]
        if not packages:
            return None
        package = packages[0]
        history = sorted(data.get("history", {}).get(str(package["package_id"]), []),
                         key=lambda entry: int(entry["tracking_status_date"]))
        dates = [_moment(entry["tracking_status_date"]) for entry in history]
        delivered = next((_moment(e["tracking_status_date"]) for e in history
                          if int(e["tracking_status"]) == mapping.DELIVERED), None)
        if delivered is None and int(package.get("tracking_status") or 0) == mapping.DELIVERED:
            delivered = _moment(package.get("tracking_status_date"))
        last_code = mapping.tracking_event(package.get("tracking_status"))
        last_at = _moment(package.get("tracking_status_date")) or (dates[-1] if dates else None)
        shipped_at = dates[0] if dates else last_at or _moment(data["order"].get("date_in_status"))
        promised = _moment(data.get("delivery_date_to"))
        return ShipmentView(
            carrier=mapping.carrier_name(package.get("courier_code", ""), package.get("courier_other_name", "")),
            tracking_number=package.get("courier_package_nr", ""), shipped_at=shipped_at,
            promised_delivery_date=(promised or shipped_at + FALLBACK_TRANSIT).date(), delivered_at=delivered,
            last_event=TrackingView(last_code, "", last_at) if last_code and last_at else None)

    def _refunds_and_returns(self, data: OrderData, method: str) -> tuple[list[RefundView], list[ReturnView]]:
        refunds, returns = [], []
        for found in data.get("returns", []):
            refunded, created = mapping.money(found.get("refunded")), _moment(found.get("date_add"))
            sent_at = _moment(found.get("date_in_status")) or created if refunded > 0 else None
            skus = {p.get("sku") for p in found.get("products", [])}
            if skus & {REFUND_SKU, CREDIT_SKU}:  # a refund Koliber asked for: pending until the shop pays it
                asked = sum((mapping.money(p["price_brutto"]) * int(p["quantity"]) for p in found["products"]),
                            Decimal("0"))
                kind = mapping.payment_method("", False, goodwill=CREDIT_SKU in skus) if CREDIT_SKU in skus else method
                refunds.append(RefundView(refunded or asked, kind, "sent" if refunded > 0 else "pending", created,
                                          sent_at))
                continue
            returns.append(ReturnView(found.get("reference_number") or f"BL-{found['return_id']}",
                                      "refunded" if refunded > 0 else "requested", created))
            if refunded > 0:
                refunds.append(RefundView(refunded, method, "sent", created, sent_at))
        return refunds, returns

    # --- writes ------------------------------------------------------------------------------------------------
    def cancel(self, data: OrderData) -> None:
        """BaseLinker has no cancelling: the order moves to the shop's status for cancelled orders."""
        cancelled = self.mapping.status_ids_for("cancelled", self.status_names())
        if not cancelled:
            raise PlatformCannot("the BaseLinker account has no status for cancelled orders")
        self.call("setOrderStatus", {"order_id": int(data["order"]["order_id"]), "status_id": cancelled[0]},
                  write=True)

    def change_address(self, data: OrderData, address: NewAddress) -> None:
        self.call("setOrderFields", {"order_id": int(data["order"]["order_id"]), "delivery_address": address.street,
                                     "delivery_postcode": address.postcode, "delivery_city": address.city}, write=True)

    def request_return(self, data: OrderData, items: list[ItemView], code: str) -> None:
        """A return in BaseLinker's returns module, with Koliber's code as its reference number."""
        by_id = {int(p.get("order_product_id") or 0): p for p in data["order"].get("products", [])}
        lines = [{"order_product_id": item.id, "name": item.name, "sku": by_id.get(item.id, {}).get("sku", ""),
                  "price_brutto": float(item.unit_price), "quantity": item.quantity} for item in items]
        self._add_return(data, code, lines, "Koliber: return requested by the customer in the chat")

    def refund(self, data: OrderData, amount: Decimal, *, goodwill: bool, reference: str) -> None:
        """BaseLinker is an order hub: it pays nothing back. The refund is recorded in its returns module as
        a money-only return, pending, for the shop's staff to pay and mark refunded (setOrderReturnRefund)."""
        order = data["order"]
        method = mapping.payment_method(order.get("payment_method", ""), bool(int(order.get("payment_method_cod") or 0)),
                                        goodwill)
        line = {"name": "Kredyt sklepowy (Koliber)" if goodwill else "Zwrot środków (Koliber)",
                "sku": CREDIT_SKU if goodwill else REFUND_SKU, "price_brutto": float(amount), "quantity": 1}
        self._add_return(data, REFUND_REFERENCE + reference, [line],
                         f"Koliber: to pay back {amount} {order.get('currency', '')} by {method}")

    def _add_return(self, data: OrderData, reference: str, lines: list[dict[str, Any]], comment: str) -> None:
        order = data["order"]
        statuses = self.call("getOrderReturnStatusList")["statuses"]
        self.call("addOrderReturn", {
            "order_id": int(order["order_id"]), "status_id": int(statuses[0]["id"]) if statuses else 0,
            "reference_number": reference[:100], "date_add": int(time.time()), "currency": order.get("currency"),
            "refunded": 0, "admin_comments": comment[:ADMIN_COMMENTS_LIMIT], "email": order.get("email", ""),
            "phone": order.get("phone", ""), "delivery_fullname": order.get("delivery_fullname", ""),
            "delivery_address": order.get("delivery_address", ""), "delivery_postcode": order.get("delivery_postcode", ""),
            "delivery_city": order.get("delivery_city", ""), "delivery_country_code": order.get("delivery_country_code", ""),
            "products": lines}, write=True)

    def refund_made(self, data: OrderData, reference: str) -> Decimal | None:
        for found in data.get("returns", []):
            if found.get("reference_number") == (REFUND_REFERENCE + reference)[:100]:
                return sum((mapping.money(p["price_brutto"]) * int(p["quantity"]) for p in found["products"]),
                           Decimal("0"))
        return None

    def add_note(self, data: OrderData, text: str) -> None:
        """Seller comments (admin_comments) hold 200 characters: the newest note wins the room."""
        earlier = data["order"].get("admin_comments") or ""
        comments = f"{earlier}\n{text}" if earlier else text
        self.call("setOrderFields", {"order_id": int(data["order"]["order_id"]),
                                     "admin_comments": comments[-ADMIN_COMMENTS_LIMIT:]}, write=True)

    def resend_invoice(self, data: OrderData) -> str | None:
        """The API reads invoices (getInvoices) but sends none by e-mail: a person resends it from the panel."""
        invoices = self.call("getInvoices", {"order_id": int(data["order"]["order_id"])})["invoices"]
        if not invoices:
            return None
        raise PlatformCannot(f"BaseLinker's API cannot e-mail invoice {invoices[-1]['number']}")

    # --- the journal ----------------------------------------------------------------------------------------------
    def changed_since(self, last_event_id: int | None) -> tuple[list[str], int | None]:
        """Orders with events in BaseLinker's journal (it keeps three days; BaseLinker support switches it
        on for the account) after `last_event_id`."""
        numbers: list[str] = []
        last = last_event_id
        while True:
            page = self.call("getJournalList", {"last_log_id": last or 0, "logs_types": ORDER_CHANGES})["logs"]
            # Whether `last_log_id` itself comes back is not documented: events already seen are dropped.
            logs = [log for log in page if last is None or int(log["id"]) > last]
            for log in logs:
                if str(log["order_id"]) not in numbers:
                    numbers.append(str(log["order_id"]))
            if logs:
                last = max(int(log["id"]) for log in logs)
            if not logs or len(page) < PAGE:
                return numbers, last


def from_settings(settings: ShopSettings) -> BaseLinkerPlatform:
    if not settings.baselinker_token:
        raise ValueError("KOLIBER_BASELINKER_TOKEN is not set")
    return BaseLinkerPlatform(settings.baselinker_url, settings.baselinker_token,
                              statuses=pairs(settings.shop_statuses), categories=pairs(settings.shop_categories),
                              per_minute=settings.baselinker_requests_per_minute)
