"""A local stand-in for BaseLinker's API (api.baselinker.com), which is unreachable from tests.

It speaks BaseLinker's wire format: `POST /connector.php` with the token in `X-BLToken` and a form body
`method=<name>&parameters=<JSON>`, answered with HTTP 200 and `{"status": "SUCCESS", ...}` or
`{"status": "ERROR", "error_code", "error_message"}` (ERROR_BAD_TOKEN for a wrong token,
ERROR_UNKNOWN_METHOD, and ERROR_USER_ACCOUNT_BLOCKED when a test makes it rate-limit). It keeps
orders, parcels, returns and the order journal in BaseLinker's own field names and answers the order
methods Koliber uses: getOrders (100 a page, filters order_id, filter_shop_order_id, filter_email,
date_from, id_from), getOrderStatusList, getOrderPackages, getCourierPackagesStatusHistory,
getOrderTransactionData, getOrderReturns, getOrderReturnStatusList, addOrderReturn,
setOrderReturnRefund, setOrderFields, setOrderStatus, getInvoices and getJournalList (every change
to an order is journalled; `load` starts an empty journal).
"""

import json
import threading
from collections.abc import Iterable
from datetime import datetime, time, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shop.order_views import OrderView
from shop.platforms.baselinker import BaseLinkerPlatform
from testing.fakes.shop_platform import FakeShopPlatform, Faults, ServedPlatform, Webhook

TOKEN = "3003-12345-FAKEBASELINKERTOKEN0123456789"
PAGE = 100
# A typical Polish account's order statuses (getOrderStatusList), and where Koliber's statuses sit in it.
STATUSES = [(6601, "Nowe zamówienia"), (6602, "W realizacji"), (6603, "Do wysłania"), (6604, "Wysłane"),
            (6605, "Dostarczone"), (6606, "Anulowane"), (6607, "Zwroty"), (6608, "Zwrot pieniędzy")]
STATUS_OF = {"awaiting_payment": 6601, "paid": 6601, "packed": 6603, "shipped": 6604, "delayed": 6604,
             "delivered": 6605, "cancelled": 6606, "return_requested": 6607, "refunded": 6608}
RETURN_STATUSES = [(7101, "Nowy zwrot"), (7102, "Przyjęty"), (7103, "Zakończony")]
PAYMENT_NAMES = {"blik": "BLIK", "card": "Karta płatnicza", "p24": "Przelewy24", "transfer": "Przelew bankowy"}
DELIVERY_NAMES = {"inpost_locker": "Paczkomaty InPost", "dpd_courier": "Kurier DPD", "dhl_international": "Kurier DHL",
                  "dhl_uk": "Kurier DHL UK", "poczta_polska": "Pocztex", "store_pickup": "Odbiór osobisty"}
COURIERS = {"InPost": "paczkomaty", "DHL": "dhl", "DPD": "dpd", "Poczta Polska": "pocztex"}
TRACKING = {"label_created": 1, "picked_up": 2, "in_transit": 11, "at_depot": 11, "out_for_delivery": 4,
            "in_locker": 8, "delivered": 5, "delayed": 12, "address_problem": 3, "returning_to_sender": 6,
            "damaged": 12}
# Journal log types the fake writes.
DELIVERY_DATA_EDITED, ORDER_DATA_EDITED, STATUS_CHANGED = 11, 16, 18
WRITES = ("add", "set", "delete", "create", "run")


def _unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def _error(code: str, message: str) -> dict[str, Any]:
    return {"status": "ERROR", "error_code": code, "error_message": message}


class FakeBaseLinker(FakeShopPlatform):
    name = "baselinker"

    def __init__(self) -> None:
        self.faults = Faults()
        self.base_url = ""
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every method called, with its parameters
        self.statuses = list(STATUSES)  # the account's order statuses; a test may rename or drop some
        self._clear()

    def _clear(self) -> None:
        self.orders: dict[int, dict[str, Any]] = {}
        self.packages: dict[int, list[dict[str, Any]]] = {}
        self.history: dict[int, list[dict[str, Any]]] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.returns: dict[int, dict[str, Any]] = {}
        self.invoices: list[dict[str, Any]] = []
        self.journal: list[dict[str, Any]] = []
        self._ids = {"log": 900000, "return": 41000, "package": 770000, "product": 3100000}

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # --- the test's side ----------------------------------------------------------------------------------
    def load(self, orders: Iterable[OrderView]) -> None:
        with self.lock:
            self._clear()
            self.calls.clear()
            self.statuses = list(STATUSES)
            for view in orders:
                self._store(view)

    def _store(self, view: OrderView) -> None:
        order_id = int(view.number)
        paid = sum((p.amount for p in view.payments if p.status in ("paid", "refunded")), Decimal("0"))
        method = view.payments[0].method if view.payments else "p24"
        shipment = view.shipment
        courier = COURIERS.get(shipment.carrier, shipment.carrier.lower()) if shipment else ""
        self.orders[order_id] = {
            "order_id": order_id, "shop_order_id": 0, "external_order_id": "", "order_source": "personal",
            "order_source_id": 0, "order_source_info": "", "order_status_id": STATUS_OF[view.status], "confirmed": True,
            "date_add": _unix(view.placed_at), "date_confirmed": _unix(view.placed_at),
            "date_in_status": _unix(shipment.shipped_at if shipment else view.placed_at),
            "user_login": "", "phone": view.customer_phone or "", "email": view.customer_email, "user_comments": "",
            "admin_comments": "", "currency": view.currency, "payment_method": PAYMENT_NAMES.get(method, method),
            "payment_method_cod": "0", "payment_done": float(paid),
            "delivery_method": DELIVERY_NAMES.get(view.shipping_method, view.shipping_method),
            "delivery_price": float(view.shipping_cost), "delivery_package_module": courier,
            "delivery_package_nr": shipment.tracking_number if shipment else "",
            "delivery_fullname": view.customer_name, "delivery_company": "", "delivery_address": view.delivery_street or "",
            "delivery_city": view.delivery_city, "delivery_state": "", "delivery_postcode": view.delivery_postcode,
            "delivery_country": view.delivery_country, "delivery_country_code": view.delivery_country,
            "delivery_point_id": "", "delivery_point_name": "", "delivery_point_address": "",
            "delivery_point_postcode": "", "delivery_point_city": "", "invoice_fullname": view.customer_name,
            "invoice_company": "", "invoice_nip": "", "invoice_address": view.delivery_street or "",
            "invoice_city": view.delivery_city, "invoice_postcode": view.delivery_postcode,
            "invoice_country_code": view.delivery_country, "want_invoice": "0", "extra_field_1": "",
            "extra_field_2": "", "order_page": f"https://orders-d.baselinker.com/{order_id}/fake/", "pick_state": 0,
            "pack_state": 0,
            "products": [{"storage": "db", "storage_id": 0, "order_product_id": self._next("product"),
                          "product_id": str(item.id), "variant_id": 0, "name": item.name, "attributes": "",
                          "sku": f"P{item.id:04d}", "ean": "", "location": "", "warehouse_id": 0, "auction_id": "0",
                          "price_brutto": float(item.unit_price), "tax_rate": 23, "quantity": item.quantity,
                          "weight": 0.5, "bundle_id": 0} for item in view.items]}
        if shipment is not None:
            package_id = self._next("package")
            history = [{"tracking_status_date": _unix(shipment.shipped_at), "courier_status_code": "sent",
                        "tracking_status": 2}]
            if shipment.last_event is not None:
                history.append({"tracking_status_date": _unix(shipment.last_event.occurred_at),
                                "courier_status_code": shipment.last_event.code,
                                "tracking_status": TRACKING.get(shipment.last_event.code, 0)})
            if shipment.delivered_at is not None and history[-1]["tracking_status"] != 5:
                history.append({"tracking_status_date": _unix(shipment.delivered_at),
                                "courier_status_code": "delivered", "tracking_status": 5})
            self.packages[order_id] = [{
                "package_id": package_id, "courier_package_nr": shipment.tracking_number, "courier_inner_number": "",
                "courier_code": courier, "courier_other_name": "", "account_id": 0, "is_return": 0,
                "tracking_status_date": history[-1]["tracking_status_date"], "tracking_delivery_days": 0,
                "tracking_status": history[-1]["tracking_status"]}]
            self.history[package_id] = history
            promised = datetime.combine(shipment.promised_delivery_date, time(12), timezone.utc)
            self.transactions[order_id] = {"currency": view.currency, "delivery_date_to": _unix(promised),
                                           "ship_date_to": _unix(shipment.shipped_at)}
        for refund in view.refunds:
            self._add_return(order_id, {"reference_number": "", "date_add": _unix(refund.created_at),
                                        "refunded": float(refund.amount) if refund.status == "sent" else 0,
                                        "products": []}, date_in_status=_unix(refund.sent_at or refund.created_at))
        for found in view.returns:
            self._add_return(order_id, {"reference_number": found.code, "date_add": _unix(found.created_at),
                                        "products": []})

    def serve(self) -> ServedPlatform:
        served = ServedPlatform(build_app(self), self.faults)
        self.base_url = served.base_url
        return served

    def adapter(self) -> BaseLinkerPlatform:
        return BaseLinkerPlatform(f"{self.base_url}/connector.php", TOKEN, per_minute=None, max_wait=1.0,
                                  blocked_wait=0.1)

    def environment(self) -> dict[str, str]:
        return {"KOLIBER_SHOP": "baselinker", "KOLIBER_BASELINKER_URL": f"{self.base_url}/connector.php",
                "KOLIBER_BASELINKER_TOKEN": TOKEN}

    def refunds_of(self, number: str) -> list[Decimal]:
        """Money marked refunded on a return, and money-only returns (no order item) still to be paid."""
        found = []
        for record in self.returns.values():
            if record["order_id"] != int(number):
                continue
            refunded = Decimal(str(record["refunded"]))
            owed = sum((Decimal(str(p["price_brutto"])) * p["quantity"] for p in record["products"]
                        if not p.get("order_product_id")), Decimal("0"))
            if refunded > 0 or owed > 0:
                found.append((refunded or owed).quantize(Decimal("0.01")))
        return found

    def change_postcode(self, number: str, postcode: str) -> None:
        with self.lock:
            self.orders[int(number)]["delivery_postcode"] = postcode
            self._journal(int(number), DELIVERY_DATA_EDITED)

    def order_changed_notice(self, number: str, *, signed: bool = True) -> Webhook | None:
        return None  # BaseLinker sends no webhooks; every change is in its journal already

    # --- the platform's side --------------------------------------------------------------------------------
    def _journal(self, order_id: int, log_type: int, object_id: int = 0) -> None:
        self.journal.append({"id": self._next("log"), "order_id": order_id, "log_type": log_type,
                             "object_id": object_id, "date": int(datetime.now(timezone.utc).timestamp())})

    def _add_return(self, order_id: int, fields: dict[str, Any], date_in_status: int | None = None) -> int:
        order = self.orders.get(order_id, {})
        return_id = self._next("return")
        products = [{"order_return_product_id": self._next("product"), "order_product_id": p.get("order_product_id", 0),
                     "name": p.get("name", ""), "sku": p.get("sku", ""), "price_brutto": p.get("price_brutto", 0),
                     "quantity": int(p.get("quantity", 1)), "status_id": 0, "return_reason_id": 0}
                    for p in fields.get("products", [])]
        self.returns[return_id] = {
            "return_id": return_id, "order_id": order_id, "shop_order_id": order.get("shop_order_id", 0),
            "external_order_id": "", "reference_number": fields.get("reference_number", ""),
            "order_return_source": "personal", "order_return_source_id": 0,
            "status_id": fields.get("status_id", RETURN_STATUSES[0][0]), "date_add": fields.get("date_add", 0),
            "date_in_status": date_in_status or fields.get("date_add", 0), "currency": order.get("currency", "PLN"),
            "refunded": f"{Decimal(str(fields.get('refunded') or 0)):.2f}", "email": order.get("email", ""),
            "admin_comments": fields.get("admin_comments", ""), "products": products}
        return return_id

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error("ERROR_UNKNOWN_METHOD", f"Unknown method: {method}")
        with self.lock:
            self.calls.append((method, params))
            return handler(params)

    def _order(self, params: dict[str, Any]) -> dict[str, Any] | None:
        return self.orders.get(int(params.get("order_id") or 0))

    def _m_getOrders(self, params: dict[str, Any]) -> dict[str, Any]:
        found = sorted(self.orders.values(), key=lambda o: o["order_id"])
        if "order_id" in params:
            found = [o for o in found if o["order_id"] == int(params["order_id"])]
        if "filter_shop_order_id" in params:
            found = [o for o in found if o["shop_order_id"] == int(params["filter_shop_order_id"])]
        if "filter_email" in params:  # BaseLinker compares e-mail addresses regardless of case
            found = [o for o in found if o["email"].casefold() == str(params["filter_email"]).casefold()]
        if "date_from" in params:
            found = [o for o in found if o["date_add"] >= int(params["date_from"])]
        if "date_confirmed_from" in params:
            found = [o for o in found if o["date_confirmed"] >= int(params["date_confirmed_from"])]
        if "id_from" in params:
            found = [o for o in found if o["order_id"] >= int(params["id_from"])]
        if "status_id" in params:
            found = [o for o in found if o["order_status_id"] == int(params["status_id"])]
        return {"status": "SUCCESS", "orders": json.loads(json.dumps(found[:PAGE]))}

    def _m_getOrderStatusList(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": "SUCCESS", "statuses": [{"id": i, "name": n, "name_for_customer": n, "color": "#5ba7e0"}
                                                  for i, n in self.statuses]}

    def _m_getOrderReturnStatusList(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"status": "SUCCESS", "statuses": [{"id": i, "name": n, "name_for_customer": n, "color": "#e0a75b"}
                                                  for i, n in RETURN_STATUSES]}

    def _m_getOrderPackages(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._order(params) is None:
            return _error("ERROR_ORDER_NOT_FOUND", "Order not found")
        return {"status": "SUCCESS", "packages": self.packages.get(int(params["order_id"]), [])}

    def _m_getCourierPackagesStatusHistory(self, params: dict[str, Any]) -> dict[str, Any]:
        ids = [int(i) for i in params.get("package_ids", [])][:100]
        return {"status": "SUCCESS", "packages_history": {str(i): self.history.get(i, []) for i in ids}}

    def _m_getOrderTransactionData(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._order(params) is None:
            return _error("ERROR_ORDER_NOT_FOUND", "Order not found")
        return {"status": "SUCCESS"} | self.transactions.get(int(params["order_id"]), {"currency": "PLN"})

    def _m_getOrderReturns(self, params: dict[str, Any]) -> dict[str, Any]:
        found = sorted(self.returns.values(), key=lambda r: r["return_id"])
        if "order_id" in params:
            found = [r for r in found if r["order_id"] == int(params["order_id"])]
        if "return_id" in params:
            found = [r for r in found if r["return_id"] == int(params["return_id"])]
        if "date_from" in params:
            found = [r for r in found if r["date_add"] >= int(params["date_from"])]
        if "id_from" in params:
            found = [r for r in found if r["return_id"] >= int(params["id_from"])]
        return {"status": "SUCCESS", "returns": json.loads(json.dumps(found[:PAGE]))}

    def _m_addOrderReturn(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("order_id") and self._order(params) is None:
            return _error("ERROR_ORDER_NOT_FOUND", "Order not found")
        return {"status": "SUCCESS", "return_id": self._add_return(int(params.get("order_id") or 0), params)}

    def _m_setOrderReturnRefund(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self.returns.get(int(params.get("return_id") or 0))
        if record is None:
            return _error("ERROR_RETURN_NOT_FOUND", "Return not found")
        record["refunded"] = f"{Decimal(str(params.get('order_refund_done') or 0)):.2f}"
        record["date_in_status"] = int(params.get("refund_date") or record["date_in_status"])
        return {"status": "SUCCESS"}

    def _m_setOrderFields(self, params: dict[str, Any]) -> dict[str, Any]:
        order = self._order(params)
        if order is None:
            return _error("ERROR_ORDER_NOT_FOUND", "Order not found")
        fields = {k: v for k, v in params.items() if k != "order_id" and k in order}
        if "admin_comments" in fields and len(fields["admin_comments"]) > 200:
            return _error("ERROR_FIELD_TOO_LONG", "admin_comments: max 200 characters")
        order.update(fields)
        delivery = any(k.startswith("delivery_") for k in fields)
        self._journal(order["order_id"], DELIVERY_DATA_EDITED if delivery else ORDER_DATA_EDITED)
        return {"status": "SUCCESS"}

    def _m_setOrderStatus(self, params: dict[str, Any]) -> dict[str, Any]:
        order = self._order(params)
        if order is None:
            return _error("ERROR_ORDER_NOT_FOUND", "Order not found")
        if int(params.get("status_id") or 0) not in dict(self.statuses):
            return _error("ERROR_STATUS_NOT_FOUND", "Status not found")
        order["order_status_id"] = int(params["status_id"])
        order["date_in_status"] = int(datetime.now(timezone.utc).timestamp())
        self._journal(order["order_id"], STATUS_CHANGED, order["order_status_id"])
        return {"status": "SUCCESS"}

    def _m_getInvoices(self, params: dict[str, Any]) -> dict[str, Any]:
        found = [i for i in self.invoices if "order_id" not in params or i["order_id"] == int(params["order_id"])]
        return {"status": "SUCCESS", "invoices": found[:PAGE]}

    def _m_getJournalList(self, params: dict[str, Any]) -> dict[str, Any]:
        last = int(params.get("last_log_id") or 0)
        types = set(params.get("logs_types") or []) or None
        found = [log for log in self.journal if log["id"] > last and (types is None or log["log_type"] in types)]
        return {"status": "SUCCESS", "logs": found[:PAGE]}


def build_app(fake: FakeBaseLinker) -> FastAPI:
    app = FastAPI()

    @app.post("/connector.php")
    async def connector(request: Request):
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        token = request.headers.get("X-BLToken") or form.get("token", [""])[0]  # `token` is the deprecated field
        if token != TOKEN:
            return _error("ERROR_BAD_TOKEN", "Invalid user token")
        if fake.faults.take_rate_limit():
            return _error("ERROR_USER_ACCOUNT_BLOCKED", "Query limit exceeded, token blocked for a moment")
        method = form.get("method", [""])[0]
        try:
            params = json.loads(form.get("parameters", ["{}"])[0] or "{}")
        except ValueError:
            return _error("ERROR_PARAMETERS", "Invalid JSON in parameters")
        answer = fake.answer(method, params if isinstance(params, dict) else {})
        if method.startswith(WRITES) and fake.faults.take_lost_write():
            return JSONResponse({"error": "bad gateway"}, status_code=502)
        return answer

    return app


FAKE = FakeBaseLinker
