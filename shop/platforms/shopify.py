"""Shopify behind ShopService: the Admin GraphQL API (`POST {store}/admin/api/{version}/graphql.json`,
version 2025-10 by default, `X-Shopify-Access-Token`) through PlatformHttp, and the `orders/updated`
webhook signed with `X-Shopify-Hmac-Sha256`. How Shopify's orders read in Koliber's terms is
shopify_mapping.py; what a shop owner sets up is docs/shop-platforms.md.

Shopify's own Python library (ShopifyAPI) is a thin wrapper over the same GraphQL endpoint whose
session model suits an app installed on many stores, not one shop's token; httpx with the documented
wire format keeps timeouts, the query-cost throttle and retries in PlatformHttp with every other
platform.
"""

import json
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import httpx

from shop.order_views import ItemView, NewAddress, OrderView
from shop.platforms.service import ForgedWebhook, OrderData, PlatformCannot, signed_with
from shop.platforms.shopify_mapping import (
    RETURN_NOTE_PREFIX,
    ShopifyMapping,
    credit_note_line,
    nodes,
    number_of,
    numeric_id,
    reference_marker,
    store_credits,
)
from shop.platforms.transport import PlatformHttp, ShopUnavailable, pairs, require_https
from shop.settings import ShopSettings

DEFAULT_API_VERSION = "2025-10"
# refundCreate takes the @idempotent directive from this version on (and requires it from 2026-04).
IDEMPOTENT_REFUNDS_FROM = "2026-01"
# Topics whose body is an order (REST format, with its `name`); others say nothing about a number we can use.
ORDER_TOPICS = ("orders/updated", "orders/create", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled",
                "orders/paid", "orders/edited")
# orderCancel runs as a job: how long Koliber waits for it before reading the order again.
CANCEL_JOB_WAIT = 5.0

# Each query's requested cost stays under Shopify's 1000-point ceiling: one order read in full
# (with the parcels' line items a return needs), or a page of orders with smaller nested lists.
_FULL = {"lines": 50, "parcels": 5, "parcel_lines": 50, "refunds": 10, "returns": 5, "transactions": 20}
_BRIEF = {"lines": 20, "parcels": 3, "parcel_lines": 0, "refunds": 5, "returns": 3, "transactions": 10}


def _order_fields(limits: dict[str, int]) -> str:
    parcel_lines = (f"fulfillmentLineItems(first: {limits['parcel_lines']}) "
                    "{ nodes { id quantity lineItem { id } } }" if limits["parcel_lines"] else "")
    return f"""
    id name createdAt updatedAt cancelledAt email phone note tags
    displayFinancialStatus displayFulfillmentStatus
    customer {{ id displayName }}
    shippingAddress {{ name firstName lastName company address1 address2 city zip provinceCode countryCodeV2 phone }}
    currentTotalPriceSet {{ shopMoney {{ amount currencyCode }} }}
    totalShippingPriceSet {{ shopMoney {{ amount currencyCode }} }}
    shippingLines(first: 5) {{ nodes {{ title code carrierIdentifier }} }}
    lineItems(first: {limits['lines']}) {{
      nodes {{
        id name quantity isGiftCard originalUnitPriceSet {{ shopMoney {{ amount }} }} product {{ productType }}
      }}
    }}
    fulfillments(first: {limits['parcels']}) {{
      id status displayStatus createdAt deliveredAt estimatedDeliveryAt
      trackingInfo(first: 1) {{ company number url }}
      events(first: 1, sortKey: HAPPENED_AT, reverse: true) {{ nodes {{ status happenedAt city }} }}
      {parcel_lines}
    }}
    refunds(first: {limits['refunds']}) {{
      id createdAt note totalRefundedSet {{ shopMoney {{ amount }} }}
      transactions(first: 5) {{ nodes {{ gateway status processedAt createdAt }} }}
    }}
    returns(first: {limits['returns']}) {{
      nodes {{ id name status returnLineItems(first: 10) {{ nodes {{ returnReasonNote }} }} }}
    }}
    transactions(first: {limits['transactions']}) {{
      id kind status gateway createdAt processedAt errorCode amountSet {{ shopMoney {{ amount currencyCode }} }}
      parentTransaction {{ id }}
    }}
    """


ORDER_BY_NAME = f"""
query OrderByName($query: String!) {{
  orders(first: 1, query: $query) {{ nodes {{ {_order_fields(_FULL)} }} }}
}}"""

ORDER_PAGE = f"""
query OrderPage($query: String!, $first: Int!, $after: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT, reverse: true) {{
    nodes {{ {_order_fields(_BRIEF)} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

ORDER_NOTE = "query OrderNote($id: ID!) { order(id: $id) { id note } }"

JOB = "query Job($id: ID!) { job(id: $id) { id done } }"

CANCEL = """
mutation Cancel($orderId: ID!, $refundMethod: OrderCancelRefundMethodInput, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: CUSTOMER, refundMethod: $refundMethod, restock: true,
              notifyCustomer: true, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}"""

UPDATE_ORDER = """
mutation UpdateOrder($input: OrderInput!) {
  orderUpdate(input: $input) { order { id } userErrors { field message } }
}"""

CREATE_RETURN = """
mutation CreateReturn($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) { return { id name status } userErrors { field message code } }
}"""

_REFUND_FIELDS = "refund { id note totalRefundedSet { shopMoney { amount } } } userErrors { field message }"
CREATE_REFUND = f"""
mutation CreateRefund($input: RefundInput!) {{
  refundCreate(input: $input) {{ {_REFUND_FIELDS} }}
}}"""
CREATE_REFUND_ONCE = f"""
mutation CreateRefund($input: RefundInput!, $key: String!) {{
  refundCreate(input: $input) @idempotent(key: $key) {{ {_REFUND_FIELDS} }}
}}"""

# The credit and the order note that records it travel in one request, so a lost answer leaves
# either both or neither (mutations in one document run one after the other on Shopify's side).
STORE_CREDIT = """
mutation StoreCredit($customerId: ID!, $creditInput: StoreCreditAccountCreditInput!, $order: OrderInput!) {
  storeCreditAccountCredit(id: $customerId, creditInput: $creditInput) {
    storeCreditAccountTransaction { amount { amount currencyCode } }
    userErrors { field message code }
  }
  orderUpdate(input: $order) { order { id } userErrors { field message } }
}"""


def throttle_wait(response: httpx.Response) -> float | None:
    """The seconds until Shopify's bucket holds this query's cost again, when it answered THROTTLED
    (in a 200 body, with the cost and the restore rate in `extensions.cost`)."""
    if response.status_code != 200 or b"THROTTLED" not in response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
        return None
    cost = (body.get("extensions") or {}).get("cost") or {}
    bucket = cost.get("throttleStatus") or {}
    missing = float(cost.get("requestedQueryCost") or 0) - float(bucket.get("currentlyAvailable") or 0)
    return max(missing, 0.0) / max(float(bucket.get("restoreRate") or 50), 1.0) or 1.0


def search_value(value: str) -> str:
    """A value in Shopify's search syntax, quoted so spaces or colons in it stay part of it."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ShopifyPlatform:
    name = "shopify"

    def __init__(self, store: str, token: str, *, api_version: str = DEFAULT_API_VERSION, webhook_secret: str = "",
                 statuses: dict[str, str] | None = None, categories: dict[str, str] | None = None,
                 max_wait: float = 20.0, page_size: int = 5, transport: httpx.BaseTransport | None = None) -> None:
        self.api_version = api_version
        self.mapping = ShopifyMapping(statuses, categories)
        self.page_size = page_size
        self._webhook_secret = webhook_secret
        self._http = PlatformHttp(require_https(store), platform=self.name, max_wait=max_wait,
                                  headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
                                  throttled=throttle_wait, transport=transport)
        self._path = f"/admin/api/{api_version}/graphql.json"

    # --- reading ---------------------------------------------------------------------------------
    def fetch_order(self, number: str) -> OrderData | None:
        wanted = number_of(number)
        if not wanted:
            return None
        found = self._graphql(ORDER_BY_NAME, {"query": f"name:{search_value('#' + wanted)}"})["orders"]["nodes"]
        # Shopify's search matches loosely; only the order with exactly this name is the customer's.
        return next((order for order in found if number_of(order["name"]) == wanted), None)

    def to_view(self, data: OrderData) -> OrderView:
        return self.mapping.order_view(data)

    def customer_orders(self, email: str, limit: int) -> list[OrderData]:
        return self._orders(f"email:{search_value(email.strip().lower())}", limit)

    def orders_placed_since(self, since: datetime) -> list[OrderData]:
        moment = since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [order for order in self._orders(f"created_at:>={search_value(moment)}", None)
                if datetime.fromisoformat(order["createdAt"].replace("Z", "+00:00")) >= since]

    def _orders(self, query: str, limit: int | None) -> list[OrderData]:
        """Orders matching a search, newest first, page after page (`first`/`after`)."""
        found: list[OrderData] = []
        after = None
        while limit is None or len(found) < limit:
            page_size = self.page_size if limit is None else min(self.page_size, limit - len(found))
            page = self._graphql(ORDER_PAGE, {"query": query, "first": page_size, "after": after})["orders"]
            found.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        return found

    # --- writing ---------------------------------------------------------------------------------
    def cancel(self, data: OrderData) -> None:
        paid = any(p.status == "paid" for p in self.to_view(data).payments)
        answer = self._write(CANCEL, {"orderId": data["id"], "refundMethod": {"originalPaymentMethodsRefund": paid},
                                      "staffNote": "Koliber: cancelled at the customer's request"},
                             "orderCancel", errors="orderCancelUserErrors")
        if (job := answer.get("job")) and not job.get("done"):
            self._wait_for_job(job["id"])

    def _wait_for_job(self, job_id: str) -> None:
        """orderCancel cancels in a background job: the next read should see it done."""
        deadline = time.monotonic() + CANCEL_JOB_WAIT
        while time.monotonic() < deadline:
            if self._graphql(JOB, {"id": job_id})["job"]["done"]:
                return
            time.sleep(0.3)

    def change_address(self, data: OrderData, address: NewAddress) -> None:
        current = data.get("shippingAddress") or {}
        # orderUpdate replaces the whole address: the name, country and phone stay as they were.
        new = {"firstName": current.get("firstName"), "lastName": current.get("lastName"),
               "company": current.get("company"), "phone": current.get("phone"),
               "countryCode": current.get("countryCodeV2"), "provinceCode": current.get("provinceCode"),
               "address1": address.street, "address2": None, "zip": address.postcode, "city": address.city}
        self._write(UPDATE_ORDER, {"input": {"id": data["id"], "shippingAddress": {k: v for k, v in new.items()
                                                                                  if v is not None}}}, "orderUpdate")

    def request_return(self, data: OrderData, items: list[ItemView], code: str) -> None:
        lines = self._parcel_lines(data, items)
        if not lines:
            raise PlatformCannot(f"no fulfilled line items of order {data['name']} to return")
        note = f"{RETURN_NOTE_PREFIX}{code}"
        self._write(CREATE_RETURN, {"returnInput": {
            "orderId": data["id"], "notifyCustomer": False,
            "returnLineItems": [{"fulfillmentLineItemId": line_id, "quantity": quantity, "returnReason": "OTHER",
                                 "returnReasonNote": note} for line_id, quantity in lines],
        }}, "returnCreate")

    @staticmethod
    def _parcel_lines(data: OrderData, items: list[ItemView]) -> list[tuple[str, int]]:
        """The fulfillment line items (Shopify returns only what was fulfilled) holding these items."""
        wanted = {item.id: item.quantity for item in items}
        lines = []
        for parcel in nodes(data.get("fulfillments")):
            for line in nodes(parcel.get("fulfillmentLineItems")):
                item_id = numeric_id(line["lineItem"]["id"])
                if wanted.get(item_id, 0) > 0:
                    quantity = min(line["quantity"], wanted[item_id])
                    wanted[item_id] -= quantity
                    lines.append((line["id"], quantity))
        return lines

    def refund(self, data: OrderData, amount: Decimal, *, goodwill: bool, reference: str) -> None:
        if goodwill:
            self._store_credit(data, amount, reference)
            return
        parent = next((t for t in nodes(data.get("transactions"))
                       if t.get("kind") in ("SALE", "CAPTURE") and t.get("status") == "SUCCESS"), None)
        if parent is None:
            raise PlatformCannot(f"order {data['name']} has no captured payment to refund")
        refund_input = {"orderId": data["id"], "note": f"{reference_marker(reference)} Koliber refund", "notify": True,
                        "transactions": [{"orderId": data["id"], "parentId": parent["id"], "amount": str(amount),
                                          "gateway": parent["gateway"], "kind": "REFUND"}]}
        if self.api_version >= IDEMPOTENT_REFUNDS_FROM:
            self._write(CREATE_REFUND_ONCE, {"input": refund_input, "key": f"koliber-{reference}"[:255]},
                        "refundCreate")
        else:
            self._write(CREATE_REFUND, {"input": refund_input}, "refundCreate")

    def _store_credit(self, data: OrderData, amount: Decimal, reference: str) -> None:
        customer = data.get("customer")
        if not customer:
            raise PlatformCannot(f"order {data['name']} has no customer account to credit")
        currency = data["currentTotalPriceSet"]["shopMoney"]["currencyCode"]
        note = self._current_note(data)
        try:
            answer = self._graphql(STORE_CREDIT, {
                "customerId": customer["id"],
                "creditInput": {"creditAmount": {"amount": str(amount), "currencyCode": currency}, "notify": True},
                "order": {"id": data["id"], "note": _appended(note, credit_note_line(reference, amount, currency))},
            }, write=True)
            if problems := answer["storeCreditAccountCredit"]["userErrors"]:
                raise PlatformCannot(f"Shopify gave no store credit: {_messages(problems)}")
        except PlatformCannot:
            # The note may have gone in with the refused credit: it must not claim a credit never given.
            self._write(UPDATE_ORDER, {"input": {"id": data["id"], "note": note}}, "orderUpdate")
            raise

    def refund_made(self, data: OrderData, reference: str) -> Decimal | None:
        marker = reference_marker(reference)
        for refund in nodes(data.get("refunds")):
            if marker in (refund.get("note") or ""):
                return Decimal(str(refund["totalRefundedSet"]["shopMoney"]["amount"]))
        return store_credits(data.get("note")).get(reference)

    def add_note(self, data: OrderData, text: str) -> None:
        self._write(UPDATE_ORDER, {"input": {"id": data["id"], "note": _appended(self._current_note(data), text)}},
                    "orderUpdate")

    def _current_note(self, data: OrderData) -> str:
        """The order's note as it is now (the copy in `data` may be a cached one a person has since changed)."""
        order = self._graphql(ORDER_NOTE, {"id": data["id"]})["order"]
        return (order or {}).get("note") or ""

    def resend_invoice(self, data: OrderData) -> str | None:
        raise PlatformCannot("Shopify sends no invoice again for a paid order; a person sends it from the admin")

    # --- webhooks --------------------------------------------------------------------------------
    def changed_orders(self, body: bytes, headers: Mapping[str, str]) -> list[str]:
        given = {name.lower(): value for name, value in headers.items()}
        if not signed_with(self._webhook_secret, body, given.get("x-shopify-hmac-sha256")):
            raise ForgedWebhook("the Shopify webhook's X-Shopify-Hmac-Sha256 does not match the app's secret")
        if given.get("x-shopify-topic") not in ORDER_TOPICS:
            return []
        order = json.loads(body)
        if order.get("name"):
            return [number_of(order["name"])]
        return [str(order["order_number"])] if order.get("order_number") else []

    # --- the wire --------------------------------------------------------------------------------
    def _graphql(self, query: str, variables: dict[str, Any], *, write: bool = False) -> dict[str, Any]:
        response = self._http.request("POST", self._path, json={"query": query, "variables": variables}, write=write)
        try:
            body = response.json()
        except ValueError as error:
            raise ShopUnavailable(f"Shopify answered HTTP {response.status_code} without JSON") from error
        errors = body.get("errors") if isinstance(body, dict) else body
        if response.status_code != 200 or errors:
            if write and isinstance(errors, list) and any(
                    (e.get("extensions") or {}).get("code") == "ACCESS_DENIED" for e in errors):
                raise PlatformCannot(f"the Shopify app lacks the scope for this: {_messages(errors)}")
            raise ShopUnavailable(f"Shopify answered HTTP {response.status_code}: {_messages(errors)}")
        return body["data"]

    def _write(self, mutation: str, variables: dict[str, Any], field: str,
               errors: str = "userErrors") -> dict[str, Any]:
        """A mutation's payload; its user errors (Shopify will not do it) become PlatformCannot."""
        payload = self._graphql(mutation, variables, write=True)[field]
        if problems := payload.get(errors):
            raise PlatformCannot(f"Shopify refused {field}: {_messages(problems)}")
        return payload


def _appended(note: str, line: str) -> str:
    return f"{note}\n{line}" if note else line


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return str(errors)


def from_settings(settings: ShopSettings) -> ShopifyPlatform:
    if not settings.shopify_store or not settings.shopify_token:
        raise ValueError("KOLIBER_SHOP=shopify needs KOLIBER_SHOPIFY_STORE and KOLIBER_SHOPIFY_TOKEN")
    return ShopifyPlatform(settings.shopify_store, settings.shopify_token,
                           api_version=settings.shopify_api_version or DEFAULT_API_VERSION,
                           webhook_secret=settings.shopify_webhook_secret,
                           statuses=pairs(settings.shop_statuses), categories=pairs(settings.shop_categories))
