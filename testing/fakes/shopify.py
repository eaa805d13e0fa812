"""A local stand-in for a Shopify store's Admin GraphQL API (the cloud is unreachable from tests).

It speaks Shopify's wire format: `POST /admin/api/{version}/graphql.json` with the
`X-Shopify-Access-Token` header and a `{"query", "variables"}` body, answered by a real GraphQL
executor (graphql-core) over a subset of the 2025-10 Admin schema with Shopify's own type, field,
enum and argument names, so a query Shopify would reject for an unknown field is rejected here too.
It answers a wrong token with Shopify's 401, GraphQL errors in a 200 body, user errors in mutation
payloads, `extensions.cost` on every answer and Shopify's THROTTLED answer when rate-limited; pages
orders with `first`/`after` cursors and reads Shopify's search syntax (`name:`, `email:`,
`created_at:>=`); runs orderCancel (as a job, done at once), orderUpdate, returnCreate, refundCreate
(with the `@idempotent` directive from 2026-01 on) and storeCreditAccountCredit; and signs
`orders/updated` webhooks (REST-format order JSON) with the app's client secret.
"""

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import uuid
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from graphql import GraphQLError, OperationType, build_schema, graphql_sync, parse

from shop.order_views import OrderView
from shop.platforms.shopify import ShopifyPlatform
from testing.fakes.shop_platform import FakeShopPlatform, Faults, ServedPlatform, Webhook

TOKEN = "shpat_koliber_fake_0123456789abcdef"
CLIENT_SECRET = "koliber-fake-shopify-client-secret"
SHOP_DOMAIN = "koliber-test.myshopify.com"
API_VERSION = "2025-10"
IDEMPOTENT_FROM = "2026-01"
BUCKET = {"maximumAvailable": 2000.0, "restoreRate": 100.0}  # a standard plan's bucket (points, points per second)

SCHEMA = build_schema("""
scalar DateTime
scalar Decimal
scalar URL
directive @idempotent(key: String!) on FIELD

enum OrderSortKeys { CREATED_AT ID NUMBER PROCESSED_AT UPDATED_AT }
enum FulfillmentEventSortKeys { HAPPENED_AT ID }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum ReturnReason {
  COLOR DEFECTIVE NOT_AS_DESCRIBED OTHER SIZE_TOO_LARGE SIZE_TOO_SMALL STYLE UNKNOWN UNWANTED WRONG_ITEM
}
enum OrderTransactionKind { AUTHORIZATION CAPTURE CHANGE EMV_AUTHORIZATION REFUND SALE SUGGESTED_REFUND VOID }
enum CurrencyCode { PLN EUR GBP USD CZK }
enum CountryCode { PL GB DE CZ SK AT LT NL FR US }

type Query {
  orders(first: Int, after: String, last: Int, before: String, query: String, sortKey: OrderSortKeys = ID,
         reverse: Boolean = false): OrderConnection!
  order(id: ID!): Order
  job(id: ID!): Job
}

type Mutation {
  orderCancel(orderId: ID!, reason: OrderCancelReason!, refund: Boolean, refundMethod: OrderCancelRefundMethodInput,
              restock: Boolean!, notifyCustomer: Boolean = false, staffNote: String): OrderCancelPayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  returnCreate(returnInput: ReturnInput!): ReturnCreatePayload
  refundCreate(input: RefundInput!): RefundCreatePayload
  storeCreditAccountCredit(id: ID!, creditInput: StoreCreditAccountCreditInput!): StoreCreditAccountCreditPayload
}

type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }
type Job { id: ID! done: Boolean! }
type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }

type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! pageInfo: PageInfo! }
type OrderEdge { cursor: String! node: Order! }
type Order {
  id: ID! name: String! createdAt: DateTime! updatedAt: DateTime! processedAt: DateTime! cancelledAt: DateTime
  cancelReason: OrderCancelReason email: String phone: String note: String tags: [String!]!
  displayFinancialStatus: String displayFulfillmentStatus: String!
  customer: Customer shippingAddress: MailingAddress
  currentTotalPriceSet: MoneyBag! totalPriceSet: MoneyBag! subtotalPriceSet: MoneyBag totalShippingPriceSet: MoneyBag!
  totalRefundedSet: MoneyBag!
  shippingLines(first: Int, after: String): ShippingLineConnection!
  lineItems(first: Int, after: String): LineItemConnection!
  fulfillments(first: Int): [Fulfillment!]!
  refunds(first: Int): [Refund!]!
  returns(first: Int, after: String): ReturnConnection!
  transactions(first: Int): [OrderTransaction!]!
}
type Customer { id: ID! displayName: String! firstName: String lastName: String }
type MailingAddress {
  name: String firstName: String lastName: String company: String address1: String address2: String city: String
  zip: String provinceCode: String country: String countryCodeV2: CountryCode phone: String
}
type ShippingLineConnection { nodes: [ShippingLine!]! }
type ShippingLine { title: String! code: String carrierIdentifier: String source: String }
type LineItemConnection { nodes: [LineItem!]! }
type LineItem {
  id: ID! name: String! sku: String quantity: Int! isGiftCard: Boolean! originalUnitPriceSet: MoneyBag! product: Product
}
type Product { id: ID! title: String! productType: String! }
type Fulfillment {
  id: ID! name: String! status: String! displayStatus: String createdAt: DateTime! updatedAt: DateTime!
  deliveredAt: DateTime estimatedDeliveryAt: DateTime inTransitAt: DateTime
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
  events(first: Int, after: String, sortKey: FulfillmentEventSortKeys = ID,
         reverse: Boolean = false): FulfillmentEventConnection!
  fulfillmentLineItems(first: Int, after: String): FulfillmentLineItemConnection!
}
type FulfillmentTrackingInfo { company: String number: String url: URL }
type FulfillmentEventConnection { nodes: [FulfillmentEvent!]! }
type FulfillmentEvent { id: ID! status: String! happenedAt: DateTime! city: String country: String message: String }
type FulfillmentLineItemConnection { nodes: [FulfillmentLineItem!]! }
type FulfillmentLineItem { id: ID! quantity: Int lineItem: LineItem! }
type Refund {
  id: ID! createdAt: DateTime note: String totalRefundedSet: MoneyBag!
  transactions(first: Int, after: String): OrderTransactionConnection!
}
type OrderTransactionConnection { nodes: [OrderTransaction!]! }
type OrderTransaction {
  id: ID! kind: OrderTransactionKind! status: String! gateway: String createdAt: DateTime! processedAt: DateTime
  errorCode: String amountSet: MoneyBag! parentTransaction: OrderTransaction
}
type ReturnConnection { nodes: [Return!]! }
type Return {
  id: ID! name: String! status: String! createdAt: DateTime closedAt: DateTime
  returnLineItems(first: Int, after: String): ReturnLineItemTypeConnection!
}
type ReturnLineItemTypeConnection { nodes: [ReturnLineItemType!]! }
interface ReturnLineItemType {
  id: ID! quantity: Int! returnReason: ReturnReason! returnReasonNote: String! customerNote: String
}
type ReturnLineItem implements ReturnLineItemType {
  id: ID! quantity: Int! returnReason: ReturnReason! returnReasonNote: String! customerNote: String
  fulfillmentLineItem: FulfillmentLineItem!
}

type UserError { field: [String!] message: String! }
type OrderCancelUserError { field: [String!] message: String! code: String }
type ReturnUserError { field: [String!] message: String! code: String }
type StoreCreditAccountCreditUserError { field: [String!] message: String! code: String }
type OrderCancelPayload { job: Job orderCancelUserErrors: [OrderCancelUserError!]! userErrors: [UserError!]! }
type OrderUpdatePayload { order: Order userErrors: [UserError!]! }
type ReturnCreatePayload { return: Return userErrors: [ReturnUserError!]! }
type RefundCreatePayload { order: Order refund: Refund userErrors: [UserError!]! }
type StoreCreditAccount { id: ID! balance: MoneyV2! }
type StoreCreditAccountCreditTransaction {
  amount: MoneyV2! balanceAfterTransaction: MoneyV2! account: StoreCreditAccount!
}
type StoreCreditAccountCreditPayload {
  storeCreditAccountTransaction: StoreCreditAccountCreditTransaction userErrors: [StoreCreditAccountCreditUserError!]!
}

input OrderCancelRefundMethodInput { originalPaymentMethodsRefund: Boolean }
input MailingAddressInput {
  address1: String address2: String city: String company: String countryCode: CountryCode firstName: String
  lastName: String phone: String provinceCode: String zip: String
}
input OrderInput { id: ID! email: String note: String tags: [String!] shippingAddress: MailingAddressInput }
input ReturnLineItemInput {
  fulfillmentLineItemId: ID! quantity: Int! returnReason: ReturnReason returnReasonNote: String = ""
}
input ReturnInput {
  orderId: ID! returnLineItems: [ReturnLineItemInput!]! notifyCustomer: Boolean = false requestedAt: DateTime
}
input OrderTransactionInput { orderId: ID! parentId: ID amount: Decimal! gateway: String! kind: OrderTransactionKind! }
input RefundInput {
  orderId: ID! note: String notify: Boolean currency: CurrencyCode transactions: [OrderTransactionInput!]
}
input MoneyInput { amount: Decimal! currencyCode: CurrencyCode! }
input StoreCreditAccountCreditInput { creditAmount: MoneyInput! expiresAt: DateTime notify: Boolean = false }
""")

# How the fake's shop holds Koliber's scenario in Shopify's terms (the fake's own choices, as a
# Polish shop on Shopify would have set itself up).
PRODUCT_TYPES = {"shoes": "Obuwie", "clothing": "Odzież", "underwear": "Bielizna", "cosmetics": "Kosmetyki",
                 "electronics": "Elektronika", "home": "Dom i ogród", "personalised": "Personalizowane",
                 "gift_card": "Karta podarunkowa"}
SHIPPING_TITLES = {"inpost_locker": "Paczkomat InPost 24/7", "dpd_courier": "Kurier DPD",
                   "poczta_polska": "Poczta Polska", "store_pickup": "Odbiór osobisty",
                   "dhl_international": "DHL Express", "dhl_uk": "DHL Express"}
CARRIER_COMPANIES = {"DHL": "DHL Express"}
GATEWAYS = {"blik": "BLIK", "card": "shopify_payments", "p24": "Przelewy24", "transfer": "bank_deposit"}
EVENT_STATUSES = {"label_created": "LABEL_PRINTED", "picked_up": "CARRIER_PICKED_UP", "in_transit": "IN_TRANSIT",
                  "at_depot": "IN_TRANSIT", "out_for_delivery": "OUT_FOR_DELIVERY", "in_locker": "READY_FOR_PICKUP",
                  "delivered": "DELIVERED", "delayed": "DELAYED", "address_problem": "ATTEMPTED_DELIVERY",
                  "damaged": "FAILURE", "returning_to_sender": "FAILURE"}
PAYMENT_STATUSES = {"paid": "SUCCESS", "refunded": "SUCCESS", "failed": "FAILURE", "pending": "PENDING"}
INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
_SEARCH_TERM = re.compile(r"""(\w+):(>=|<=|>|<)?("(?:[^"\\]|\\.)*"|'[^']*'|\S+)""")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> str:
    return _stamp(datetime.now(timezone.utc))


def _money(amount: Decimal, currency: str) -> dict[str, Any]:
    value = {"amount": f"{amount:.2f}", "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def _amount(money_bag: dict[str, Any]) -> Decimal:
    return Decimal(money_bag["shopMoney"]["amount"])


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


class _Problem(Exception):
    """A user error in a mutation payload."""

    def __init__(self, message: str, field: list[str] | None = None, code: str = "INVALID") -> None:
        super().__init__(message)
        self.error = {"field": field, "message": message, "code": code}


class FakeShopify(FakeShopPlatform):
    name = "shopify"

    def __init__(self, token: str = TOKEN, client_secret: str = CLIENT_SECRET) -> None:
        self.token, self.client_secret = token, client_secret
        self.faults = Faults()
        self.base_url = ""
        self.orders: list[dict[str, Any]] = []  # in Shopify's GraphQL shape, oldest first
        self.customers: set[str] = set()  # the store's customer accounts (ids)
        self.store_credit: dict[str, list[Decimal]] = {}  # customer id → credits given
        self.idempotency_keys: dict[str, dict[str, Any]] = {}  # refundCreate's @idempotent keys → their payload
        self.mutations: list[tuple[str, dict[str, Any]]] = []  # (field, arguments) of every mutation applied
        self._ids = itertools.count(5_100_000_000)
        self._lock = threading.RLock()
        self._bind_resolvers()

    # --- FakeShopPlatform -------------------------------------------------------------------------
    def serve(self) -> ServedPlatform:
        served = ServedPlatform(self.app(), self.faults)
        self.base_url = served.base_url
        return served

    def adapter(self, **options: Any) -> ShopifyPlatform:
        return ShopifyPlatform(self.base_url, self.token, api_version=options.pop("api_version", API_VERSION),
                               webhook_secret=self.client_secret, max_wait=options.pop("max_wait", 1.0), **options)

    def environment(self) -> dict[str, str]:
        return {"KOLIBER_SHOP": "shopify", "KOLIBER_SHOPIFY_STORE": self.base_url, "KOLIBER_SHOPIFY_TOKEN": self.token,
                "KOLIBER_SHOPIFY_API_VERSION": API_VERSION, "KOLIBER_SHOPIFY_WEBHOOK_SECRET": self.client_secret}

    def load(self, orders: Iterable[OrderView]) -> None:
        with self._lock:
            self.orders = sorted((self._shopify_order(view) for view in orders), key=lambda o: o["createdAt"])
            self.customers = {order["customer"]["id"] for order in self.orders if order["customer"]}
            self.store_credit.clear()
            self.idempotency_keys.clear()
            self.mutations.clear()

    def refunds_of(self, number: str) -> list[Decimal]:
        """The order's refunds; store credit is the customer's, not the order's (store_credits_of)."""
        return [_amount(refund["totalRefundedSet"]) for refund in self.order_named(number)["refunds"]]

    def store_credits_of(self, number: str) -> list[Decimal]:
        customer = self.order_named(number)["customer"]
        return list(self.store_credit.get(customer["id"], [])) if customer else []

    def change_postcode(self, number: str, postcode: str) -> None:
        with self._lock:
            order = self.order_named(number)
            order["shippingAddress"]["zip"] = postcode
            order["updatedAt"] = _now()

    def order_changed_notice(self, number: str, *, signed: bool = True) -> Webhook:
        body = json.dumps(self._rest_order(self.order_named(number))).encode()
        secret = self.client_secret if signed else "not-the-apps-secret"
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return Webhook("shopify", body, {
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Shop-Domain": SHOP_DOMAIN,
            "X-Shopify-API-Version": API_VERSION, "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Triggered-At": _now()})

    def order_named(self, number: str) -> dict[str, Any]:
        return next(order for order in self.orders if order["name"] == f"#{number.lstrip('#')}")

    # --- the HTTP API --------------------------------------------------------------------------------
    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/admin/api/{version}/graphql.json")
        def graphql_endpoint(version: str, request_body: dict[str, Any], request: Request):
            if request.headers.get("X-Shopify-Access-Token") != self.token:
                return JSONResponse(INVALID_TOKEN, status_code=401)
            if not re.fullmatch(r"\d{4}-\d{2}|unstable", version):
                return JSONResponse({"errors": "Not Found"}, status_code=404)
            if self.faults.take_rate_limit():
                return JSONResponse(self._throttled())
            return self._execute(version, request_body.get("query") or "", request_body.get("variables") or {})

        return app

    def _execute(self, version: str, query: str, variables: dict[str, Any]):
        try:
            document = parse(query)
        except GraphQLError as error:
            return JSONResponse({"errors": [self._error(error, "parseError")], "extensions": self._cost(1)})
        if version < IDEMPOTENT_FROM and "@idempotent" in query:
            return JSONResponse({"errors": [{"message": "Directive 'idempotent' is not defined",
                                             "extensions": {"code": "undefinedDirective"}}],
                                 "extensions": self._cost(1)})
        mutation = any(getattr(d, "operation", None) == OperationType.MUTATION for d in document.definitions)
        with self._lock:
            result = graphql_sync(SCHEMA, query, variable_values=variables,
                                  context_value={"version": version})
        if mutation and result.data is not None and self.faults.take_lost_write():
            return HTMLResponse("<h1>502 Bad Gateway</h1>", status_code=502)
        body: dict[str, Any] = {"data": result.data, "extensions": self._cost(10 if mutation else 52)}
        if result.errors:
            body["errors"] = [self._error(error, "undefinedField" if result.data is None else "INTERNAL_SERVER_ERROR")
                              for error in result.errors]
            if result.data is None:
                del body["data"]
        return JSONResponse(body)

    @staticmethod
    def _error(error: GraphQLError, code: str) -> dict[str, Any]:
        found: dict[str, Any] = {"message": error.message, "extensions": {"code": code}}
        if error.locations:
            found["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path:
            found["path"] = list(error.path)
        return found

    @staticmethod
    def _cost(requested: int, available: float | None = None) -> dict[str, Any]:
        left = BUCKET["maximumAvailable"] - requested if available is None else available
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested if available is None else None,
                         "throttleStatus": {**BUCKET, "currentlyAvailable": left}}}

    def _throttled(self) -> dict[str, Any]:
        # Shopify's bucket is nearly empty: 52 points asked, 40 there, 100 a second back → 0.12 s.
        return {"errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": self._cost(52, available=40.0)}

    # --- queries -------------------------------------------------------------------------------------
    def _bind_resolvers(self) -> None:
        query, mutation = SCHEMA.query_type.fields, SCHEMA.mutation_type.fields
        query["orders"].resolve = self._orders
        query["order"].resolve = lambda _, info, id: self._order_by_id(id)
        query["job"].resolve = lambda _, info, id: {"id": id, "done": True}
        mutation["orderCancel"].resolve = self._payload("orderCancelUserErrors", self._cancel)
        mutation["orderUpdate"].resolve = self._payload("userErrors", self._update)
        mutation["returnCreate"].resolve = self._payload("userErrors", self._create_return)
        mutation["refundCreate"].resolve = self._payload("userErrors", self._create_refund)
        mutation["storeCreditAccountCredit"].resolve = self._payload("userErrors", self._credit)

    def _orders(self, _, info, first: int | None = None, after: str | None = None, query: str | None = None,
                sortKey: str = "ID", reverse: bool = False, **_ignored) -> dict[str, Any]:
        if first is None or not 0 < first <= 250:
            raise GraphQLError("you must provide one of first or last, at most 250")
        found = [order for order in self.orders if self._matches(order, query or "")]
        key = {"CREATED_AT": "createdAt", "UPDATED_AT": "updatedAt", "PROCESSED_AT": "processedAt"}.get(sortKey, "id")
        found.sort(key=(lambda o: o[key]) if key != "id" else (lambda o: int(o["id"].rsplit("/", 1)[1])),
                   reverse=reverse)
        start = int(base64.b64decode(after).decode().split(":")[1]) + 1 if after else 0
        page = found[start:start + first]
        cursors = [base64.b64encode(f"offset:{start + i}".encode()).decode() for i in range(len(page))]
        return {"nodes": page, "edges": [{"cursor": c, "node": o} for c, o in zip(cursors, page)],
                "pageInfo": {"hasNextPage": start + first < len(found), "hasPreviousPage": start > 0,
                             "startCursor": cursors[0] if cursors else None,
                             "endCursor": cursors[-1] if cursors else None}}

    @staticmethod
    def _matches(order: dict[str, Any], search: str) -> bool:
        """Shopify's search syntax, the terms Koliber uses, all of them (AND)."""
        for name, operator, raw in _SEARCH_TERM.findall(search):
            value = _unquoted(raw)
            if name == "name" and order["name"].lower() != value.lower():
                return False
            if name == "email" and (order.get("email") or "").lower() != value.lower():
                return False
            if name == "created_at":
                moment, when = order["createdAt"], value if "T" in value else f"{value}T00:00:00Z"
                ok = {">=": moment >= when, ">": moment > when, "<=": moment <= when, "<": moment < when}.get(
                    operator, moment[:10] == when[:10])
                if not ok:
                    return False
        return True

    def _order_by_id(self, gid: str) -> dict[str, Any] | None:
        return next((order for order in self.orders if order["id"] == gid), None)

    # --- mutations -----------------------------------------------------------------------------------
    def _payload(self, errors_field: str, apply):
        def resolve(_, info, **arguments):
            field = info.field_name
            try:
                payload = apply(info, **arguments)
            except _Problem as problem:
                return {errors_field: [problem.error], "userErrors": [problem.error]}
            self.mutations.append((field, arguments))
            return {**payload, errors_field: [], "userErrors": []}
        return resolve

    def _order_for(self, gid: str) -> dict[str, Any]:
        if (order := self._order_by_id(gid)) is None:
            raise _Problem("Order does not exist", ["id"], "NOT_FOUND")
        return order

    def _cancel(self, info, orderId: str, reason: str, restock: bool, refund: bool | None = None,
                refundMethod: dict | None = None, notifyCustomer: bool = False, staffNote: str | None = None):
        order = self._order_for(orderId)
        if order["cancelledAt"]:
            raise _Problem("Order has already been cancelled", ["orderId"])
        if order["fulfillments"]:
            raise _Problem("Cannot cancel an order that has fulfillments", ["orderId"])
        paid = self._refundable(order)
        order.update(cancelledAt=_now(), cancelReason=reason, updatedAt=_now())
        if paid and (refund or (refundMethod or {}).get("originalPaymentMethodsRefund")):
            self._add_refund(order, paid, note=None)
        else:
            order["displayFinancialStatus"] = "VOIDED" if not paid else order["displayFinancialStatus"]
        return {"job": {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": True}}

    def _update(self, info, input: dict[str, Any]):
        order = self._order_for(input["id"])
        if "note" in input:
            order["note"] = input["note"]
        if "tags" in input:
            order["tags"] = input["tags"]
        if "email" in input:
            order["email"] = input["email"]
        if (address := input.get("shippingAddress")) is not None:
            if order["fulfillments"]:
                raise _Problem("Shipping address cannot be changed after fulfillment", ["shippingAddress"])
            order["shippingAddress"] = {
                "name": " ".join(filter(None, (address.get("firstName"), address.get("lastName")))),
                "firstName": address.get("firstName"), "lastName": address.get("lastName"),
                "company": address.get("company"), "address1": address.get("address1"),
                "address2": address.get("address2"), "city": address.get("city"), "zip": address.get("zip"),
                "provinceCode": address.get("provinceCode"), "countryCodeV2": address.get("countryCode"),
                "country": address.get("countryCode"), "phone": address.get("phone")}
        order["updatedAt"] = _now()
        return {"order": order}

    def _create_return(self, info, returnInput: dict[str, Any]):
        order = self._order_for(returnInput["orderId"])
        parcel_lines = {line["id"]: line for parcel in order["fulfillments"]
                        for line in parcel["fulfillmentLineItems"]["nodes"]}
        lines = []
        for index, wanted in enumerate(returnInput["returnLineItems"]):
            field = ["returnInput", "returnLineItems", str(index)]
            line = parcel_lines.get(wanted["fulfillmentLineItemId"])
            if line is None:
                raise _Problem("Fulfillment line item does not exist", [*field, "fulfillmentLineItemId"], "NOT_FOUND")
            if not 0 < wanted["quantity"] <= line["quantity"] - self._returned(order, line["id"]):
                raise _Problem("Quantity is not returnable", [*field, "quantity"], "INVALID")
            if len(wanted.get("returnReasonNote") or "") > 255:
                raise _Problem("Return reason note is too long (maximum is 255 characters)",
                               [*field, "returnReasonNote"], "TOO_LONG")
            lines.append({"__typename": "ReturnLineItem", "id": f"gid://shopify/ReturnLineItem/{next(self._ids)}",
                          "quantity": wanted["quantity"], "returnReason": wanted.get("returnReason") or "UNKNOWN",
                          "returnReasonNote": wanted.get("returnReasonNote") or "", "customerNote": None,
                          "fulfillmentLineItem": line})
        returns = order["returns"]["nodes"]
        created = {"id": f"gid://shopify/Return/{next(self._ids)}", "name": f"{order['name']}-R{len(returns) + 1}",
                   "status": "OPEN", "createdAt": _now(), "closedAt": None, "returnLineItems": {"nodes": lines}}
        returns.append(created)
        order["updatedAt"] = _now()
        return {"return": created}

    @staticmethod
    def _returned(order: dict[str, Any], parcel_line_id: str) -> int:
        return sum(line["quantity"] for r in order["returns"]["nodes"] if r["status"] not in ("CANCELED", "DECLINED")
                   for line in r["returnLineItems"]["nodes"] if line["fulfillmentLineItem"]["id"] == parcel_line_id)

    def _create_refund(self, info, input: dict[str, Any]):
        key = next((argument.value for directive in info.field_nodes[0].directives or ()
                    if directive.name.value == "idempotent" for argument in directive.arguments or ()), None)
        if key is not None:
            # graphql-core 3.3 keeps the coerced variables apart from their sources
            variables = getattr(info.variable_values, "coerced", info.variable_values)
            key = variables[key.name.value] if hasattr(key, "name") else key.value
            if key in self.idempotency_keys:
                return self.idempotency_keys[key]
        order = self._order_for(input["orderId"])
        transactions = input.get("transactions") or []
        amount = sum((Decimal(str(t["amount"])) for t in transactions), Decimal("0"))
        by_id = {t["id"]: t for t in order["transactions"]}
        for index, transaction in enumerate(transactions):
            parent = by_id.get(transaction.get("parentId") or "")
            if transaction["kind"] != "REFUND" or parent is None or parent["kind"] not in ("SALE", "CAPTURE"):
                raise _Problem("Transaction parent must be a successful sale or capture",
                               ["transactions", str(index), "parentId"])
        if amount <= 0 or amount > self._refundable(order):
            raise _Problem(f"Refund amount {amount} is greater than the refundable amount", ["transactions"])
        payload = {"refund": self._add_refund(order, amount, input.get("note"), transactions[0]["gateway"]),
                   "order": order}
        if key is not None:
            self.idempotency_keys[key] = payload
        return payload

    def _credit(self, info, id: str, creditInput: dict[str, Any]):
        amount = Decimal(str(creditInput["creditAmount"]["amount"]))
        if amount <= 0:
            raise _Problem("A positive amount must be used to credit a store credit account", ["creditInput"],
                           "NEGATIVE_OR_ZERO_AMOUNT")
        if id not in self.customers:
            raise _Problem("Owner does not exist", ["id"], "ACCOUNT_NOT_FOUND")
        credits = self.store_credit.setdefault(id, [])
        credits.append(amount)
        currency = creditInput["creditAmount"]["currencyCode"]
        balance = {"amount": f"{sum(credits):.2f}", "currencyCode": currency}
        return {"storeCreditAccountTransaction": {
            "amount": {"amount": f"{amount:.2f}", "currencyCode": currency}, "balanceAfterTransaction": balance,
            "account": {"id": f"gid://shopify/StoreCreditAccount/{id.rsplit('/', 1)[1]}", "balance": balance}}}

    # --- the store's books ---------------------------------------------------------------------------
    @staticmethod
    def _refundable(order: dict[str, Any]) -> Decimal:
        taken = sum((_amount(t["amountSet"]) for t in order["transactions"]
                     if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"), Decimal("0"))
        return taken - sum((_amount(r["totalRefundedSet"]) for r in order["refunds"]), Decimal("0"))

    def _add_refund(self, order: dict[str, Any], amount: Decimal, note: str | None,
                    gateway: str | None = None, created_at: str | None = None, sent_at: str | None = None,
                    pending: bool = False) -> dict[str, Any]:
        currency = order["currentTotalPriceSet"]["shopMoney"]["currencyCode"]
        parent = next((t for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE")), None)
        transaction = {"id": f"gid://shopify/OrderTransaction/{next(self._ids)}", "kind": "REFUND",
                       "status": "PENDING" if pending else "SUCCESS",
                       "gateway": gateway or (parent or {}).get("gateway") or "manual",
                       "createdAt": created_at or _now(), "processedAt": None if pending else (sent_at or _now()),
                       "errorCode": None, "amountSet": _money(amount, currency), "parentTransaction": parent}
        refund = {"id": f"gid://shopify/Refund/{next(self._ids)}", "createdAt": created_at or _now(), "note": note,
                  "totalRefundedSet": _money(amount, currency), "transactions": {"nodes": [transaction]}}
        order["transactions"].append(transaction)
        order["refunds"].append(refund)
        refunded = sum((_amount(r["totalRefundedSet"]) for r in order["refunds"]), Decimal("0"))
        order["totalRefundedSet"] = _money(refunded, currency)
        order["displayFinancialStatus"] = "REFUNDED" if self._refundable(order) <= 0 else "PARTIALLY_REFUNDED"
        order["updatedAt"] = _now()
        return refund

    def _shopify_order(self, view: OrderView) -> dict[str, Any]:
        """Koliber's order as a Shopify store holds it (the fake's own conversion)."""
        serial, currency = next(self._ids), view.currency
        first, _, last = view.customer_name.partition(" ")
        customer_id = f"gid://shopify/Customer/{zlib.crc32(view.customer_email.lower().encode())}"
        lines = [{"id": f"gid://shopify/LineItem/{serial * 100 + item.id}", "name": item.name,
                  "sku": f"SKU-{item.id}", "quantity": item.quantity, "isGiftCard": item.category == "gift_card",
                  "originalUnitPriceSet": _money(item.unit_price, currency),
                  "product": {"id": f"gid://shopify/Product/{item.id}", "title": item.name,
                              "productType": PRODUCT_TYPES.get(item.category, item.category)}}
                 for item in view.items]
        transactions = [{"id": f"gid://shopify/OrderTransaction/{next(self._ids)}", "kind": "SALE",
                         "status": PAYMENT_STATUSES[p.status], "gateway": GATEWAYS.get(p.method, p.method),
                         "createdAt": _stamp(p.created_at), "processedAt": _stamp(p.created_at),
                         "errorCode": (p.failure_reason or "").upper() or None,
                         "amountSet": _money(p.amount, currency), "parentTransaction": None}
                        for p in view.payments]
        paid = any(p.status in ("paid", "refunded") for p in view.payments)
        order = {
            "id": f"gid://shopify/Order/{serial}", "name": f"#{view.number}", "createdAt": _stamp(view.placed_at),
            "updatedAt": _stamp(view.placed_at), "processedAt": _stamp(view.placed_at),
            "cancelledAt": _stamp(view.placed_at + timedelta(hours=1)) if view.status == "cancelled" else None,
            "cancelReason": "CUSTOMER" if view.status == "cancelled" else None,
            "email": view.customer_email, "phone": view.customer_phone, "note": None, "tags": [],
            "displayFinancialStatus": ("VOIDED" if view.status == "cancelled" and not paid
                                       else "PAID" if paid else "PENDING"),
            "displayFulfillmentStatus": ("FULFILLED" if view.shipment else
                                         "IN_PROGRESS" if view.status == "packed" else "UNFULFILLED"),
            "customer": {"id": customer_id, "displayName": view.customer_name, "firstName": first, "lastName": last},
            "shippingAddress": {"name": view.customer_name, "firstName": first, "lastName": last, "company": None,
                                "address1": view.delivery_street, "address2": None, "city": view.delivery_city,
                                "zip": view.delivery_postcode, "provinceCode": None,
                                "country": view.delivery_country, "countryCodeV2": view.delivery_country,
                                "phone": view.customer_phone},
            "currentTotalPriceSet": _money(view.total, currency), "totalPriceSet": _money(view.total, currency),
            "subtotalPriceSet": _money(view.items_total, currency),
            "totalShippingPriceSet": _money(view.shipping_cost, currency),
            "totalRefundedSet": _money(Decimal("0"), currency),
            "shippingLines": {"nodes": [{"title": SHIPPING_TITLES.get(view.shipping_method, view.shipping_method),
                                         "code": SHIPPING_TITLES.get(view.shipping_method, view.shipping_method),
                                         "carrierIdentifier": None, "source": "shopify"}]},
            "lineItems": {"nodes": lines}, "fulfillments": [], "refunds": [], "returns": {"nodes": []},
            "transactions": transactions,
        }
        if (shipment := view.shipment) is not None:
            order["fulfillments"].append(self._parcel(shipment, lines))
        for refund in view.refunds:
            self._add_refund(order, refund.amount, None, GATEWAYS.get(refund.method, refund.method),
                             _stamp(refund.created_at), _stamp(refund.sent_at) if refund.sent_at else None,
                             pending=refund.status == "pending")
        order["updatedAt"] = _stamp(view.placed_at)
        for shop_return in view.returns:
            order["returns"]["nodes"].append({
                "id": f"gid://shopify/Return/{next(self._ids)}", "name": shop_return.code,
                "status": "CLOSED" if shop_return.status in ("received", "refunded") else "OPEN",
                "createdAt": _stamp(shop_return.created_at), "closedAt": None, "returnLineItems": {"nodes": []}})
        if view.status == "refunded":
            order["displayFinancialStatus"] = "REFUNDED"
        return order

    def _parcel(self, shipment, lines: list[dict[str, Any]]) -> dict[str, Any]:
        event = shipment.last_event
        status = EVENT_STATUSES.get(event.code, "IN_TRANSIT") if event else "CONFIRMED"
        return {
            "id": f"gid://shopify/Fulfillment/{next(self._ids)}", "name": "F1", "status": "SUCCESS",
            "displayStatus": "DELIVERED" if shipment.delivered_at else status,
            "createdAt": _stamp(shipment.shipped_at), "updatedAt": _stamp(shipment.shipped_at),
            "inTransitAt": _stamp(shipment.shipped_at),
            "deliveredAt": _stamp(shipment.delivered_at) if shipment.delivered_at else None,
            "estimatedDeliveryAt": f"{shipment.promised_delivery_date.isoformat()}T12:00:00Z",
            "trackingInfo": [{"company": CARRIER_COMPANIES.get(shipment.carrier, shipment.carrier),
                              "number": shipment.tracking_number,
                              "url": f"https://tracking.example/{shipment.tracking_number}"}],
            "events": {"nodes": [{"id": f"gid://shopify/FulfillmentEvent/{next(self._ids)}", "status": status,
                                  "happenedAt": _stamp(event.occurred_at), "city": event.location,
                                  "country": None, "message": None}] if event else []},
            "fulfillmentLineItems": {"nodes": [{"id": f"gid://shopify/FulfillmentLineItem/{next(self._ids)}",
                                                "quantity": line["quantity"], "lineItem": line} for line in lines]},
        }

    @staticmethod
    def _rest_order(order: dict[str, Any]) -> dict[str, Any]:
        """The order as the webhook's REST-format JSON (the fields Koliber reads and a few around them)."""
        address = order["shippingAddress"] or {}
        return {"id": int(order["id"].rsplit("/", 1)[1]), "admin_graphql_api_id": order["id"],
                "name": order["name"], "order_number": int(order["name"].lstrip("#")), "email": order["email"],
                "created_at": order["createdAt"], "updated_at": order["updatedAt"],
                "cancelled_at": order["cancelledAt"],
                "financial_status": (order["displayFinancialStatus"] or "").lower(),
                "fulfillment_status": "fulfilled" if order["fulfillments"] else None,
                "currency": order["currentTotalPriceSet"]["shopMoney"]["currencyCode"],
                "total_price": order["currentTotalPriceSet"]["shopMoney"]["amount"],
                "shipping_address": {"address1": address.get("address1"), "city": address.get("city"),
                                     "zip": address.get("zip"), "country_code": address.get("countryCodeV2")}}


FAKE = FakeShopify
