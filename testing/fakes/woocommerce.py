"""A local stand-in for a WooCommerce shop's REST API `wc/v3` (the shop is unreachable from tests).

It speaks WooCommerce's documented wire format under `/wp-json/wc/v3/`: HTTP Basic auth with a REST
API key (refused with WooCommerce's 401 error JSON: `woocommerce_rest_authentication_error` for a
wrong key or secret, `woocommerce_rest_cannot_view` without one), orders (`GET`/`PUT orders/<id>`,
`GET orders` with `search`, `after`/`before`, `dates_are_gmt`, `orderby`, `order`, `page`,
`per_page` up to 100 and the `X-WP-Total`/`X-WP-TotalPages`/`Link` headers), order refunds (a gateway
without refund support and an amount beyond what is left are refused as WooCommerce refuses them),
order notes, products (`include`), payment gateways (`method_supports`), error JSON
`{"code", "message", "data": {"status"}}`, a host's 429 with Retry-After when rate-limited, and
`order.updated` webhooks signed with X-WC-Webhook-Signature (base64 HMAC-SHA256 of the body).
The real API refuses Basic auth over plain HTTP; this fake, on 127.0.0.1, stands for an HTTPS shop.

Orders are kept as WooCommerce holds them: tracking in the Shipment Tracking extension's
`_wc_shipment_tracking_items` meta, delivery and the promised day in the meta Koliber reads
(docs/shop-platforms.md), categories on products with a Polish shop's slugs.
"""

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import secrets
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from shop.order_views import OrderView
from shop.platforms.woocommerce import WooCommercePlatform
from testing.fakes.shop_platform import FakeShopPlatform, Faults, ServedPlatform, Webhook

API = "/wp-json/wc/v3"
SITE_TIMEZONE = ZoneInfo("Europe/Warsaw")
WEBHOOK_ID = 7
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft",
            "shipped", "delivered")

# How this fake shop is set up: Koliber's order model in the shop's own terms.
WOO_STATUS = {"awaiting_payment": "pending", "paid": "processing", "packed": "processing", "shipped": "completed",
              "delayed": "completed", "delivered": "completed", "return_requested": "completed",
              "cancelled": "cancelled", "refunded": "refunded"}
GATEWAYS = {"blik": ("blik", "BLIK"), "card": ("stripe", "Karta płatnicza"), "p24": ("przelewy24", "Przelewy24"),
            "transfer": ("bacs", "Przelew bankowy")}
REFUNDING_GATEWAYS = {"blik", "stripe", "przelewy24", "payu"}
SHIPPING = {"inpost_locker": ("easypack_parcel_machines", "Paczkomat InPost"),
            "dpd_courier": ("flat_rate", "Kurier DPD"), "poczta_polska": ("flat_rate", "Poczta Polska"),
            "store_pickup": ("local_pickup", "Odbiór osobisty"),
            "dhl_international": ("flat_rate", "Kurier DHL (zagranica)"),
            "dhl_uk": ("flat_rate", "Kurier DHL (Wielka Brytania)")}
PROVIDERS = {"InPost": "inpost", "DPD": "dpd-pl", "DHL": "dhl", "Poczta Polska": "poczta-polska"}
CATEGORY_SLUGS = {"shoes": ("Obuwie", "obuwie"), "clothing": ("Odzież", "odziez"), "underwear": ("Bielizna", "bielizna"),
                  "cosmetics": ("Kosmetyki", "kosmetyki"), "electronics": ("Elektronika", "elektronika"),
                  "home": ("Dom i ogród", "dom-i-ogrod"), "personalised": ("Personalizowane", "personalizowane"),
                  "gift_card": ("Karty podarunkowe", "karty-podarunkowe")}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status_code=status,
                        headers=headers)


def _gmt(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _local(moment: datetime) -> str:
    return moment.astimezone(SITE_TIMEZONE).strftime("%Y-%m-%dT%H:%M:%S")


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _unix(moment: datetime) -> str:
    return str(int(moment.timestamp()))


class FakeWooCommerce(FakeShopPlatform):
    name = "woocommerce"

    def __init__(self) -> None:
        self.key = "ck_" + secrets.token_hex(20)
        self.secret = "cs_" + secrets.token_hex(20)
        self.webhook_secret = secrets.token_urlsafe(24)
        self.faults = Faults()
        self.base_url = ""
        self.lock = threading.Lock()
        self.orders: dict[int, dict[str, Any]] = {}
        self.refunds: dict[int, list[dict[str, Any]]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self.app = _build_app(self)

    # --- FakeShopPlatform ----------------------------------------------------------------------------
    def serve(self) -> ServedPlatform:
        served = ServedPlatform(self.app, self.faults)
        self.base_url = served.base_url
        return served

    def adapter(self, **options: Any) -> WooCommercePlatform:
        """The real adapter on this fake; `options` (key, secret, mapping, page_size) vary it for a test."""
        return WooCommercePlatform(self.base_url, options.pop("key", self.key), options.pop("secret", self.secret),
                                   self.webhook_secret, options.pop("mapping", None), timeout=5.0, max_wait=1.0,
                                   **options)

    def environment(self) -> dict[str, str]:
        return {"KOLIBER_SHOP": self.name, "KOLIBER_WOOCOMMERCE_URL": self.base_url,
                "KOLIBER_WOOCOMMERCE_KEY": self.key, "KOLIBER_WOOCOMMERCE_SECRET": self.secret,
                "KOLIBER_WOOCOMMERCE_WEBHOOK_SECRET": self.webhook_secret}

    def load(self, orders: Iterable[OrderView]) -> None:
        with self.lock:
            self.orders.clear(), self.refunds.clear(), self.notes.clear(), self.products.clear()
            for view in orders:
                self._store(view)

    def refunds_of(self, number: str) -> list[Decimal]:
        with self.lock:
            return [Decimal(r["amount"]) for r in self.refunds.get(self.order(number)["id"], [])]

    def change_postcode(self, number: str, postcode: str) -> None:
        with self.lock:
            order = self.order(number)
            order["shipping"]["postcode"] = postcode
            _touch(order)

    def order_changed_notice(self, number: str, *, signed: bool = True) -> Webhook:
        with self.lock:
            body = json.dumps(self.order(number)).encode()
        secret = self.webhook_secret if signed else secrets.token_urlsafe(24)
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return Webhook(self.name, body, {
            "Content-Type": "application/json", "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
            "X-WC-Webhook-Source": f"{self.base_url}/", "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "updated",
            "X-WC-Webhook-Signature": signature, "X-WC-Webhook-ID": str(WEBHOOK_ID),
            "X-WC-Webhook-Delivery-ID": secrets.token_hex(16)})

    # --- what tests do in the shop's admin ------------------------------------------------------------
    def ping_notice(self) -> Webhook:
        """The unsigned ping WooCommerce sends when a webhook is saved."""
        return Webhook(self.name, f"webhook_id={WEBHOOK_ID}".encode(),
                       {"Content-Type": "application/x-www-form-urlencoded",
                        "User-Agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)"})

    def order(self, number: str) -> dict[str, Any]:
        """The stored order (WooCommerce's JSON) with this customer-facing number."""
        return next(o for o in self.orders.values() if o["number"] == number)

    def edit(self, order_number: str, /, **fields: Any) -> None:
        """The staff (or a plugin) changes the order's own fields, e.g. its status or number."""
        with self.lock:
            order = self.order(order_number)
            order.update(fields)
            _touch(order)

    def set_meta(self, number: str, key: str, value: Any) -> None:
        with self.lock:
            _set_meta(self.order(number), key, value)

    def set_product_categories(self, product_id: int, *slugs: str) -> None:
        with self.lock:
            self.products[product_id]["categories"] = [
                {"id": index + 1, "name": slug.title(), "slug": slug} for index, slug in enumerate(slugs)]

    def notes_of(self, number: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.notes.get(self.order(number)["id"], []))

    def stored_refunds(self, number: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.refunds.get(self.order(number)["id"], []))

    # --- Koliber's order as WooCommerce holds it ------------------------------------------------------------
    def _store(self, view: OrderView) -> None:
        order_id = int(view.number) if view.number.isdigit() else next(self._ids)
        gateway, gateway_title = GATEWAYS.get(view.payments[0].method, (view.payments[0].method,) * 2) \
            if view.payments else ("", "")
        paid = [p for p in view.payments if p.status in ("paid", "refunded")]
        method_id, method_title = SHIPPING.get(view.shipping_method, ("flat_rate", view.shipping_method))
        first, _, last = view.customer_name.partition(" ")
        address = {"first_name": first, "last_name": last, "company": "", "address_1": view.delivery_street or "",
                   "address_2": "", "city": view.delivery_city, "state": "", "postcode": view.delivery_postcode,
                   "country": view.delivery_country}
        status = WOO_STATUS[view.status]
        if view.status == "awaiting_payment" and any(p.status == "failed" for p in view.payments):
            status = "failed"
        order: dict[str, Any] = {
            "id": order_id, "parent_id": 0, "number": view.number, "order_key": f"wc_order_{secrets.token_hex(6)}",
            "created_via": "checkout", "version": "9.4.0", "status": status, "currency": view.currency,
            "date_created": _local(view.placed_at), "date_created_gmt": _gmt(view.placed_at),
            "date_modified": _local(view.placed_at), "date_modified_gmt": _gmt(view.placed_at),
            "discount_total": "0.00", "discount_tax": "0.00", "shipping_total": _money(view.shipping_cost),
            "shipping_tax": "0.00", "cart_tax": "0.00", "total": _money(view.total), "total_tax": "0.00",
            "prices_include_tax": True, "customer_id": 0, "customer_ip_address": "", "customer_user_agent": "",
            "customer_note": "", "billing": {**address, "email": view.customer_email, "phone": view.customer_phone or ""},
            "shipping": {**address, "phone": ""}, "payment_method": gateway, "payment_method_title": gateway_title,
            "transaction_id": "", "date_paid": _local(paid[0].created_at) if paid else None,
            "date_paid_gmt": _gmt(paid[0].created_at) if paid else None, "date_completed": None,
            "date_completed_gmt": None, "cart_hash": "", "meta_data": [], "line_items": [], "tax_lines": [],
            "shipping_lines": [{"id": next(self._ids), "method_title": method_title, "method_id": method_id,
                                "instance_id": "1", "total": _money(view.shipping_cost), "total_tax": "0.00",
                                "taxes": [], "meta_data": []}],
            "fee_lines": [], "coupon_lines": [], "refunds": [], "set_paid": False,
            "_links": {"self": [{"href": f"{self.base_url}{API}/orders/{order_id}"}]},
        }
        for item in view.items:
            self._product(item.id, item.name, item.category, item.unit_price)
            line_total = _money(item.unit_price * item.quantity)
            order["line_items"].append({
                "id": next(self._ids), "name": item.name, "product_id": item.id, "variation_id": 0,
                "quantity": item.quantity, "tax_class": "", "subtotal": line_total, "subtotal_tax": "0.00",
                "total": line_total, "total_tax": "0.00", "taxes": [], "meta_data": [], "sku": f"SKU-{item.id}",
                "price": float(item.unit_price)})
        if (shipment := view.shipment) is not None:
            _set_meta(order, "_wc_shipment_tracking_items", [{
                "tracking_provider": PROVIDERS.get(shipment.carrier, ""),
                "custom_tracking_provider": "" if shipment.carrier in PROVIDERS else shipment.carrier,
                "custom_tracking_link": "", "tracking_number": shipment.tracking_number,
                "date_shipped": _unix(shipment.shipped_at), "tracking_id": secrets.token_hex(16)}])
            _set_meta(order, "_koliber_delivery_promised", shipment.promised_delivery_date.isoformat())
            order["date_completed"], order["date_completed_gmt"] = _local(shipment.shipped_at), _gmt(shipment.shipped_at)
            if shipment.delivered_at is not None:
                _set_meta(order, "_koliber_delivered_at", _unix(shipment.delivered_at))
        self.orders[order_id] = order
        for refund in view.refunds:
            self._refund(order, refund.amount, "", refund.created_at, refunded_payment=True)

    def _product(self, product_id: int, name: str, category: str, price: Decimal) -> None:
        title, slug = CATEGORY_SLUGS.get(category, (category, category))
        self.products[product_id] = {"id": product_id, "name": name, "slug": f"produkt-{product_id}",
                                     "type": "simple", "status": "publish", "sku": f"SKU-{product_id}",
                                     "price": _money(price), "categories": [{"id": 10 + len(title), "name": title,
                                                                             "slug": slug}]}

    def _refund(self, order: dict[str, Any], amount: Decimal, reason: str, at: datetime,
                refunded_payment: bool) -> dict[str, Any]:
        refund = {"id": next(self._ids), "date_created": _local(at), "date_created_gmt": _gmt(at),
                  "amount": _money(amount), "reason": reason, "refunded_by": 1, "refunded_payment": refunded_payment,
                  "meta_data": [], "line_items": [], "shipping_lines": [], "tax_lines": [], "fee_lines": []}
        self.refunds.setdefault(order["id"], []).append(refund)
        order["refunds"].append({"id": refund["id"], "reason": reason, "total": f"-{refund['amount']}"})
        return refund

    def _refunded(self, order: dict[str, Any]) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.refunds.get(order["id"], [])), Decimal("0"))


def _set_meta(order: dict[str, Any], key: str, value: Any) -> None:
    for entry in order["meta_data"]:
        if entry["key"] == key:
            entry["value"] = value
            return
    order["meta_data"].append({"id": 5000 + len(order["meta_data"]), "key": key, "value": value})


def _touch(order: dict[str, Any]) -> None:
    now = datetime.now(timezone.utc)
    order["date_modified"], order["date_modified_gmt"] = _local(now), _gmt(now)


def _searchable(order: dict[str, Any]) -> str:
    fields = [str(order["id"]), order["number"], *order["billing"].values(), *order["shipping"].values(),
              *(line["name"] for line in order["line_items"])]
    return " ".join(str(value) for value in fields).lower()


def _listed(fake: FakeWooCommerce, params: Any) -> list[dict[str, Any]]:
    orders = list(fake.orders.values())
    if search := params.get("search"):
        orders = [o for o in orders if search.lower() in _searchable(o)]
    if (status := params.get("status", "any")) != "any":
        orders = [o for o in orders if o["status"] in status.split(",")]
    date_field = "date_created_gmt" if params.get("dates_are_gmt") in ("true", "1") else "date_created"
    for bound, keep in (("after", lambda placed, limit: placed > limit), ("before", lambda placed, limit: placed < limit)):
        if limit := params.get(bound):
            moment = datetime.fromisoformat(limit.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                zone = timezone.utc if date_field == "date_created_gmt" else SITE_TIMEZONE
                moment = moment.astimezone(zone).replace(tzinfo=None)
            orders = [o for o in orders if keep(datetime.fromisoformat(o[date_field]), moment)]
    key = {"id": lambda o: o["id"], "date": lambda o: o["date_created_gmt"]}.get(params.get("orderby", "date"))
    return sorted(orders, key=key or (lambda o: o["date_created_gmt"]), reverse=params.get("order", "desc") == "desc")


def _build_app(fake: FakeWooCommerce) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def host_and_auth(request: Request, call_next):
        if fake.faults.take_rate_limit():  # the host in front of WordPress slows us down
            return _error(429, "rate_limit_exceeded", "Too many requests. Please wait before trying again.",
                          {"Retry-After": "0.2"})
        if refusal := _refused_credentials(fake, request):
            return refusal
        response = await call_next(request)
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and response.status_code < 300 \
                and fake.faults.take_lost_write():
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)
        return response

    def paginated(items: list[dict[str, Any]], request: Request) -> Response:
        try:
            page, per_page = int(request.query_params.get("page", 1)), int(request.query_params.get("per_page", 10))
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): page, per_page")
        if not 1 <= per_page <= 100:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        total, pages = len(items), max(1, -(-len(items) // per_page))
        links = [f'<{fake.base_url}{request.url.path}?page={page + 1}>; rel="next"'] if page < pages else []
        return JSONResponse(items[(page - 1) * per_page:page * per_page],
                            headers={"X-WP-Total": str(total), "X-WP-TotalPages": str(pages),
                                     **({"Link": ", ".join(links)} if links else {})})

    def no_order() -> JSONResponse:
        return _error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")

    @app.get(f"{API}/orders")
    async def list_orders(request: Request):
        with fake.lock:
            return paginated(_listed(fake, request.query_params), request)

    @app.get(f"{API}/orders/{{order_id}}")
    async def get_order(order_id: int):
        with fake.lock:
            return fake.orders.get(order_id) or no_order()

    @app.api_route(f"{API}/orders/{{order_id}}", methods=["POST", "PUT", "PATCH"])
    async def update_order(order_id: int, request: Request):
        changes = await request.json()
        with fake.lock:
            order = fake.orders.get(order_id)
            if order is None:
                return no_order()
            if "status" in changes and changes["status"] not in STATUSES:
                return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
            for part in ("billing", "shipping"):
                order[part].update(changes.get(part, {}))
            for entry in changes.get("meta_data", []):
                _set_meta(order, entry["key"], entry.get("value"))
            if "status" in changes:
                order["status"] = changes["status"]
                if changes["status"] == "completed":
                    order["date_completed"], order["date_completed_gmt"] = _local(datetime.now(timezone.utc)), \
                        _gmt(datetime.now(timezone.utc))
            _touch(order)
            return order

    @app.get(f"{API}/orders/{{order_id}}/refunds")
    async def list_refunds(order_id: int, request: Request):
        with fake.lock:
            if order_id not in fake.orders:
                return no_order()
            return paginated(sorted(fake.refunds.get(order_id, []), key=lambda r: r["id"], reverse=True), request)

    @app.post(f"{API}/orders/{{order_id}}/refunds")
    async def create_refund(order_id: int, request: Request):
        body = await request.json()
        with fake.lock:
            order = fake.orders.get(order_id)
            if order is None:
                return _error(404, "woocommerce_rest_invalid_order_id", "Invalid order ID.")
            amount = Decimal(str(body.get("amount") or "0"))
            if amount <= 0:
                return _error(400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
            if amount > Decimal(order["total"]) - fake._refunded(order):
                return _error(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
            api_refund = body.get("api_refund", True)
            if api_refund and order["payment_method"] not in REFUNDING_GATEWAYS:
                return _error(500, "woocommerce_rest_cannot_create_order_refund",
                              "The payment gateway for this order does not support automatic refunds.")
            refund = fake._refund(order, amount, body.get("reason", ""), datetime.now(timezone.utc),
                                  refunded_payment=bool(api_refund))
            if fake._refunded(order) >= Decimal(order["total"]):
                order["status"] = "refunded"  # WooCommerce marks a fully refunded order itself
            _touch(order)
            return JSONResponse(refund, status_code=201)

    @app.get(f"{API}/orders/{{order_id}}/notes")
    async def list_notes(order_id: int):
        with fake.lock:
            return fake.notes.get(order_id, []) if order_id in fake.orders else no_order()

    @app.post(f"{API}/orders/{{order_id}}/notes")
    async def create_note(order_id: int, request: Request):
        body = await request.json()
        with fake.lock:
            if order_id not in fake.orders:
                return no_order()
            if not body.get("note"):
                return _error(400, "rest_missing_callback_param", "Missing parameter(s): note")
            now = datetime.now(timezone.utc)
            note = {"id": next(fake._ids), "author": "koliber", "date_created": _local(now),
                    "date_created_gmt": _gmt(now), "note": body["note"],
                    "customer_note": bool(body.get("customer_note", False)), "added_by_user": False}
            fake.notes.setdefault(order_id, []).append(note)
            return JSONResponse(note, status_code=201)

    @app.get(f"{API}/products")
    async def list_products(request: Request):
        include = {int(i) for i in request.query_params.get("include", "").split(",") if i.strip().isdigit()}
        with fake.lock:
            products = [p for p in fake.products.values() if not include or p["id"] in include]
            return paginated(sorted(products, key=lambda p: p["id"]), request)

    @app.get(f"{API}/payment_gateways/{{gateway}}")
    async def get_gateway(gateway: str):
        titles = {woo_id: title for woo_id, title in GATEWAYS.values()} | {"cod": "Za pobraniem", "payu": "PayU"}
        if gateway not in titles:
            return _error(404, "woocommerce_rest_payment_gateway_invalid", "Resource does not exist.")
        supports = ["products", "refunds"] if gateway in REFUNDING_GATEWAYS else ["products"]
        return {"id": gateway, "title": titles[gateway], "description": "", "order": "", "enabled": True,
                "method_title": titles[gateway], "method_description": "", "method_supports": supports, "settings": {}}

    return app


def _refused_credentials(fake: FakeWooCommerce, request: Request) -> JSONResponse | None:
    """WooCommerce's answer to a request without the shop's REST API key, or None when it is right."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        listing = request.method == "GET" and not request.url.path.rstrip("/").split("/")[-1].isdigit()
        return _error(401, "woocommerce_rest_cannot_view",
                      "Sorry, you cannot list resources." if listing else "Sorry, you cannot view this resource.")
    try:
        key, _, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key, secret = "", ""
    if not hmac.compare_digest(key, fake.key):
        return _error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
    if not hmac.compare_digest(secret, fake.secret):
        return _error(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
    return None


FAKE = FakeWooCommerce
