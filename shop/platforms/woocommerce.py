"""The shop on WooCommerce: its REST API `wc/v3` (WooCommerce 5.4 or later, for `dates_are_gmt`) under
`<shop>/wp-json/wc/v3/`, with a REST API key (consumer key and secret) in HTTP Basic auth over HTTPS,
and its signed `order.updated` webhook. The wire format followed is WooCommerce's REST API reference
(developer.woocommerce.com/docs/apis/rest-api/v3): orders, order refunds, order notes, products,
payment gateways, `X-WP-Total`/`X-WP-TotalPages` pagination and `X-WC-Webhook-Signature`.

Spoken with httpx through PlatformHttp rather than the `woocommerce` package from PyPI: that package
is a thin wrapper of `requests` with no timeouts of its own, no retries and no rate-limit handling,
which PlatformHttp already gives every adapter the same way.

How WooCommerce's data becomes Koliber's is in woocommerce_mapping.py. Numbers are the order's
`number` (what the customer sees; plugins such as Sequential Order Numbers change it), found by id
when they match and by the API's search otherwise. WooCommerce core has no returns and no store
credit: a return is recorded in the order's meta (`_koliber_return`) and a private note; a goodwill
credit, a refund through a gateway that cannot refund (a bank transfer, cash on delivery) and
re-sending an invoice are left to a person (PlatformCannot).
"""

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx

from shop.order_views import ItemView, NewAddress, OrderView
from shop.platforms.service import ForgedWebhook, OrderData, PlatformCannot, signed_with
from shop.platforms.transport import PlatformHttp, ShopUnavailable, pairs, require_https
from shop.platforms.woocommerce_mapping import RETURN_META, WooMapping, reference_in
from shop.settings import ShopSettings

PAGE_SIZE = 100  # the most WooCommerce gives in one page (`per_page` is at most 100)


class WooCommercePlatform:
    name = "woocommerce"

    def __init__(self, url: str, key: str, secret: str, webhook_secret: str, mapping: WooMapping | None = None, *,
                 timeout: float = 10.0, max_wait: float = 20.0, page_size: int = PAGE_SIZE,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = PlatformHttp(f"{require_https(url)}/wp-json/wc/v3/", platform=self.name, auth=(key, secret),
                                  headers={"Accept": "application/json"}, timeout=timeout, max_wait=max_wait,
                                  transport=transport)
        self._webhook_secret = webhook_secret
        self.mapping = mapping or WooMapping.with_overrides({}, {})
        self._page_size = page_size
        self._product_categories: dict[str, list[str]] = {}  # product id -> category slugs, for this process
        self._refunding_gateways: dict[str, bool] = {}  # gateway id -> can it refund through its API

    def close(self) -> None:
        self._http.close()

    # --- reading -------------------------------------------------------------------------------------
    def fetch_order(self, number: str) -> OrderData | None:
        order = self._order_by_number(number.strip().lstrip("#"))
        return self._assemble([order])[0] if order is not None else None

    def to_view(self, data: OrderData) -> OrderView:
        return self.mapping.to_view(data)

    def customer_orders(self, email: str, limit: int) -> list[OrderData]:
        # The search also matches other fields (a name, an address): only the e-mail's own orders count.
        wanted, found = email.strip().lower(), []
        for page in self._pages({"search": email.strip(), "orderby": "date", "order": "desc"}):
            found += [o for o in page if (o.get("billing") or {}).get("email", "").lower() == wanted]
            if len(found) >= limit:
                break
        return self._assemble(found[:limit])

    def orders_placed_since(self, since: datetime) -> list[OrderData]:
        # `after` is exclusive and in whole seconds: ask from a second earlier and keep what is not older.
        after = (since.astimezone(timezone.utc) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        found = []
        for page in self._pages({"after": after, "dates_are_gmt": "true", "orderby": "date", "order": "desc"}):
            found += [o for o in page if self._placed_at(o) >= since]
        return self._assemble(found)

    def _order_by_number(self, number: str) -> dict[str, Any] | None:
        if number.isdigit():
            response = self._http.request("GET", f"orders/{number}")
            if response.status_code != 404:
                order = self._json(response)
                if str(order.get("number")) == number:
                    return order
        # A number a plugin gave (or an id that is not this number): the search finds it among others.
        response = self._http.request("GET", "orders", params={"search": number, "per_page": PAGE_SIZE})
        return next((o for o in self._json(response) if str(o.get("number")) == number), None)

    def _pages(self, params: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
        page = 1
        while True:
            response = self._http.request("GET", "orders", params={**params, "per_page": self._page_size,
                                                                       "page": page})
            yield self._json(response)
            if page >= int(response.headers.get("X-WP-TotalPages", "1") or 1):
                return
            page += 1

    def _assemble(self, orders: list[dict[str, Any]]) -> list[OrderData]:
        """Each order with what its view needs beyond the order itself: its refunds (dated) and its
        products' categories."""
        self._learn_categories({str(line.get("product_id")) for o in orders for line in o.get("line_items", [])})
        assembled = []
        for order in orders:
            products = {str(line.get("product_id")) for line in order.get("line_items", [])}
            refunds = self._json(self._http.request("GET", f"orders/{order['id']}/refunds",
                                                    params={"per_page": PAGE_SIZE})) if order.get("refunds") else []
            assembled.append({"order": order, "refunds": refunds,
                              "product_categories": {p: self._product_categories.get(p, []) for p in products}})
        return assembled

    def _learn_categories(self, product_ids: set[str]) -> None:
        unknown = sorted(p for p in product_ids - self._product_categories.keys() if p not in ("", "0", "None"))
        for start in range(0, len(unknown), PAGE_SIZE):
            chunk = unknown[start:start + PAGE_SIZE]
            response = self._http.request("GET", "products", params={"include": ",".join(chunk),
                                                                     "per_page": PAGE_SIZE})
            for product in self._json(response):
                self._product_categories[str(product["id"])] = [c["slug"] for c in product.get("categories", [])]
            for missing in chunk:  # a product deleted since the order: no category to learn
                self._product_categories.setdefault(missing, [])

    @staticmethod
    def _placed_at(order: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(order["date_created_gmt"]).replace(tzinfo=timezone.utc)

    def _json(self, response: httpx.Response) -> Any:
        if response.is_success:
            return response.json()
        raise ShopUnavailable(f"woocommerce answered HTTP {response.status_code}: {_error_text(response)}")

    # --- writing ---------------------------------------------------------------------------------------
    def cancel(self, data: OrderData) -> None:
        order = data["order"]
        self._update(order, {"status": "cancelled"})
        if order.get("date_paid_gmt"):
            # Cancelling does not pay anything back in WooCommerce: the shop's staff refunds it.
            self._courtesy_note(order, f"Koliber: the customer cancelled order {order['number']} in the chat; "
                                       f"the payment of {order['total']} {order['currency']} is to be refunded.")

    def change_address(self, data: OrderData, address: NewAddress) -> None:
        self._update(data["order"], {"shipping": {"address_1": address.street, "address_2": "",
                                                  "postcode": address.postcode, "city": address.city}})

    def request_return(self, data: OrderData, items: list[ItemView], code: str) -> None:
        order = data["order"]
        recorded = {"code": code, "items": [item.id for item in items],
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        self._update(order, {"meta_data": [{"key": RETURN_META, "value": recorded}]})
        names = ", ".join(f"{item.quantity} × {item.name}" for item in items)
        self._courtesy_note(order, f"Koliber: return {code} requested by the customer: {names}.")

    def refund(self, data: OrderData, amount: Decimal, *, goodwill: bool, reference: str) -> None:
        order = data["order"]
        if goodwill:
            raise PlatformCannot("WooCommerce has no store credit: a person issues a coupon")
        if not self._gateway_refunds(order.get("payment_method") or ""):
            raise PlatformCannot(f"the gateway {order.get('payment_method')!r} cannot refund through WooCommerce")
        response = self._http.request("POST", f"orders/{order['id']}/refunds", write=True, json={
            "amount": f"{amount:.2f}", "reason": f"Koliber [{reference}]", "api_refund": True})
        if not response.is_success:
            raise PlatformCannot(f"WooCommerce refused the refund: {_error_text(response)}")

    def refund_made(self, data: OrderData, reference: str) -> Decimal | None:
        for refund in data.get("refunds", []):
            if reference_in(refund.get("reason"), reference):
                return abs(Decimal(str(refund["amount"])))
        for refund in data["order"].get("refunds", []):  # the order's own short list: amounts are negative
            if reference_in(refund.get("reason"), reference):
                return abs(Decimal(str(refund["total"])))
        return None

    def add_note(self, data: OrderData, text: str) -> None:
        response = self._http.request("POST", f"orders/{data['order']['id']}/notes", write=True,
                                      json={"note": text, "customer_note": False})
        self._json(response)

    def resend_invoice(self, data: OrderData) -> str | None:
        raise PlatformCannot("WooCommerce's API cannot e-mail an invoice: a person sends it from the invoice plugin")

    def _update(self, order: dict[str, Any], changes: dict[str, Any]) -> None:
        self._json(self._http.request("PUT", f"orders/{order['id']}", write=True, json=changes))

    def _courtesy_note(self, order: dict[str, Any], text: str) -> None:
        """A note for the staff after a write that is done already: its loss must not repeat the write."""
        try:
            self.add_note({"order": order}, text)
        except ShopUnavailable:
            pass

    def _gateway_refunds(self, gateway: str) -> bool:
        if gateway not in self._refunding_gateways:
            response = self._http.request("GET", f"payment_gateways/{gateway}") if gateway else None
            self._refunding_gateways[gateway] = bool(
                response is not None and response.is_success
                and "refunds" in (response.json().get("method_supports") or []))
        return self._refunding_gateways[gateway]

    # --- webhooks ------------------------------------------------------------------------------------------
    def changed_orders(self, body: bytes, headers: Mapping[str, str]) -> list[str]:
        """The order an `order.*` webhook delivers. WooCommerce pings a new webhook's address with an
        unsigned `webhook_id=<id>` form: it changes nothing and is answered with no orders."""
        lowered = {name.lower(): value for name, value in headers.items()}
        signature = lowered.get("x-wc-webhook-signature")
        if signature is None and body.startswith(b"webhook_id="):
            return []
        if not signed_with(self._webhook_secret, body, signature):
            raise ForgedWebhook("the X-WC-Webhook-Signature does not match the webhook's secret")
        if lowered.get("x-wc-webhook-resource") != "order":
            return []
        order = json.loads(body)
        number = order.get("number") or order.get("id")  # `order.deleted` carries only the id
        return [str(number)] if number is not None else []



def _error_text(response: httpx.Response) -> str:
    """WooCommerce's error JSON (`{"code", "message", "data": {"status"}}`) in a line."""
    try:
        error = response.json()
        return f"{error.get('code')}: {error.get('message')}"
    except ValueError:
        return response.text[:200]


def from_settings(settings: ShopSettings) -> WooCommercePlatform:
    if not (settings.woocommerce_url and settings.woocommerce_key and settings.woocommerce_secret):
        raise ValueError("KOLIBER_WOOCOMMERCE_URL, KOLIBER_WOOCOMMERCE_KEY and KOLIBER_WOOCOMMERCE_SECRET "
                         "must be set for KOLIBER_SHOP=woocommerce")
    mapping = WooMapping.with_overrides(pairs(settings.shop_statuses), pairs(settings.shop_categories))
    return WooCommercePlatform(settings.woocommerce_url, settings.woocommerce_key, settings.woocommerce_secret,
                               settings.woocommerce_webhook_secret, mapping)
