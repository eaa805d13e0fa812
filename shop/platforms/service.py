"""The shop service on a shop platform (WooCommerce, Shopify, BaseLinker): what an adapter implements
(Platform), and everything every platform shares on top of it: the shop's rules (return window,
what may still be changed), verification, the order cache and writes that happen once.

An adapter only speaks its platform's API and maps its data onto Koliber's order model; it never
decides what the customer may do. What a platform cannot do raises PlatformCannot, and the outcome
NEEDS_PERSON makes it a ticket for a person, never a silent failure.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.sessions import unit_of_work
from shop import rules
from shop.models import ComplaintCase, OrderStatus
from shop.order_views import InvoiceOutcome, ItemView, NewAddress, OrderView, RefundOutcome, ReturnOutcome
from shop.platforms.cache import OrderCache
from shop.platforms.transport import ShopUnavailable
from shop.policy import ShopPolicy
from shop.policy_settings import AnswersFromPolicyInForce, PolicyInForce
from shop.service import (
    ALREADY_CANCELLED,
    ALREADY_DELIVERED,
    ALREADY_SHIPPED,
    DONE,
    NEEDS_PERSON,
    NO_INVOICE,
    UNKNOWN_ORDER,
    Clock,
    contact_matches,
    refund_method,
    refund_refusal,
)

OrderData = dict[str, Any]  # one order as its adapter assembled it from the platform's API: JSON-able


class PlatformCannot(Exception):
    """The platform has no way to do this (a refund through an order hub, an address change it does
    not expose): a person does it in the platform's own panel."""


class ForgedWebhook(Exception):
    """A webhook whose signature does not match the shop's secret."""


def webhook_signature(secret: str, body: bytes) -> str:
    """The base64 HMAC-SHA256 of a webhook's raw body: how WooCommerce (X-WC-Webhook-Signature) and
    Shopify (X-Shopify-Hmac-Sha256) sign theirs."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed_with(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is the body's signature with the shop's secret; never without a secret set."""
    return bool(secret) and signature is not None and hmac.compare_digest(
        signature.encode(), webhook_signature(secret, body).encode())


class Platform(Protocol):
    """One shop platform's API, in Koliber's terms. Order numbers are the ones customers see."""

    name: str

    def fetch_order(self, number: str) -> OrderData | None:
        """The order with this number and everything `to_view` needs (refunds, parcels, returns), or None."""
    def to_view(self, data: OrderData) -> OrderView:
        """The order in Koliber's model: statuses, carriers, payment and returns mapped in one place."""
    def customer_orders(self, email: str, limit: int) -> list[OrderData]:
        """The orders placed with this e-mail address, newest first."""
    def orders_placed_since(self, since: datetime) -> list[OrderData]:
        """Every order placed since then (for delay notices and `koliber shop check`)."""
    def cancel(self, data: OrderData) -> None: ...
    def change_address(self, data: OrderData, address: NewAddress) -> None: ...
    def request_return(self, data: OrderData, items: list[ItemView], code: str) -> None:
        """Records a return of these items under Koliber's return code, so `to_view` shows it."""
    def refund(self, data: OrderData, amount: Decimal, *, goodwill: bool, reference: str) -> None:
        """Pays `amount` back (or, with goodwill, gives a store credit), marked with `reference`."""
    def refund_made(self, data: OrderData, reference: str) -> Decimal | None:
        """The amount of the refund marked with `reference`, when there is one."""
    def add_note(self, data: OrderData, text: str) -> None:
        """A private note on the order, for the shop's staff."""
    def resend_invoice(self, data: OrderData) -> str | None:
        """Has the platform e-mail the order's invoice again; its number, None when it has none."""


@runtime_checkable
class WebhookSource(Protocol):
    """A platform that tells us when an order changed by signed HTTP requests."""

    def changed_orders(self, body: bytes, headers: Mapping[str, str]) -> list[str]:
        """The numbers of the orders a webhook says changed; ForgedWebhook unless the signature is right."""


@runtime_checkable
class JournalSource(Protocol):
    """A platform that keeps a journal of order events to poll instead (BaseLinker)."""

    def changed_since(self, last_event_id: int | None) -> tuple[list[str], int | None]:
        """The numbers of orders with events after `last_event_id`, and the last event's id."""


class PlatformShopService(AnswersFromPolicyInForce):
    """ShopService on a platform. Each method reads the order (through the cache) or writes it
    (always on a fresh copy) and raises ShopUnavailable when the platform cannot be reached."""

    def __init__(self, platform: Platform, sessions: sessionmaker[Session],
                 policy: ShopPolicy | Callable[[], ShopPolicy], cache_ttl: timedelta, clock: Clock) -> None:
        self.platform = platform
        self._in_force = PolicyInForce(policy)
        self._sessions = sessions
        self._clock = clock
        self.cache = OrderCache(sessions, platform.name, cache_ttl, clock)

    def now(self) -> datetime:
        return self._clock()

    def today(self):
        return self.calendar.local_date(self.now())

    # --- reading ---------------------------------------------------------------------------------
    def get_order(self, order_number: str) -> OrderView | None:
        data = self._read(order_number)
        return self.platform.to_view(data) if data is not None else None

    def verify(self, order_number: str, contact: str) -> bool:
        order = self.get_order(order_number)
        return order is not None and contact_matches(contact, order.customer_email, order.delivery_postcode,
                                                     order.customer_phone)

    def customer_orders(self, email: str, limit: int = 20) -> list[OrderView]:
        return [self.platform.to_view(data) for data in self.platform.customer_orders(email, limit)]

    def orders_placed_since(self, since: datetime) -> list[OrderView]:
        return [self.platform.to_view(data) for data in self.platform.orders_placed_since(since)]

    def take_webhook(self, body: bytes, headers: Mapping[str, str]) -> list[str]:
        """The orders a platform webhook says changed, forgotten by the cache so the next read is fresh.
        ForgedWebhook when the signature is wrong; LookupError when this platform sends none."""
        if not isinstance(self.platform, WebhookSource):
            raise LookupError(f"{self.platform.name} sends no webhooks")
        numbers = self.platform.changed_orders(body, headers)
        self.cache.forget(*numbers)
        return numbers

    def read_journal(self) -> list[str]:
        """The orders the platform's event journal lists since the last read (the first read: all it
        keeps), forgotten by the cache."""
        if not isinstance(self.platform, JournalSource):
            return []
        numbers, last_event_id = self.platform.changed_since(self.cache.journal_position())
        self.cache.forget(*numbers)
        if last_event_id is not None:
            self.cache.save_journal_position(last_event_id)
        return numbers

    def _read(self, number: str) -> OrderData | None:
        cached = self.cache.get(number)
        return cached if cached is not None else self._fresh(number)

    def _fresh(self, number: str) -> OrderData | None:
        data = self.platform.fetch_order(number)
        if data is not None:
            self.cache.put(number, data)
        return data

    def _write(self, data: OrderData, number: str, write: Callable[[OrderData], None],
               done: Callable[[OrderData], bool]) -> None:
        """Writes once on `data`, a fresh copy: a write whose answer was lost may have happened, so the
        order is read again and the write repeated only if it did not."""
        try:
            write(data)
        except ShopUnavailable:
            again = self._fresh(number)
            if again is None:
                raise
            if not done(again):
                write(again)
        finally:
            self.cache.forget(number)

    # --- what the assistant does ---------------------------------------------------------------------
    def start_return(self, order_number: str) -> ReturnOutcome:
        return self._start_return(order_number, late_allowed=False)

    def approve_late_return(self, order_number: str) -> ReturnOutcome:
        return self._start_return(order_number, late_allowed=True)

    def _start_return(self, order_number: str, late_allowed: bool) -> ReturnOutcome:
        data = self._fresh(order_number)
        if data is None:
            return ReturnOutcome(result=UNKNOWN_ORDER)
        plan = rules.plan_return(self.platform.to_view(data), self.policy, self.calendar, self.today(), late_allowed)
        if plan.result != rules.RETURN_CREATED:
            return plan
        try:
            self._write(data, order_number, lambda fresh: self.platform.request_return(fresh, plan.included, plan.code),
                        lambda fresh: bool(self.platform.to_view(fresh).returns))
        except PlatformCannot:
            return ReturnOutcome(result=NEEDS_PERSON, last_day=plan.last_day, delivered_on=plan.delivered_on)
        return plan

    def cancel_order(self, order_number: str) -> tuple[str, Decimal | None]:
        data = self._fresh(order_number)
        if data is None:
            return UNKNOWN_ORDER, None
        view = self.platform.to_view(data)
        if view.status == "cancelled":
            return ALREADY_CANCELLED, None
        if not OrderStatus(view.status).before_shipping:
            return ALREADY_SHIPPED, None
        try:
            self._write(data, order_number, self.platform.cancel,
                        lambda fresh: self.platform.to_view(fresh).status == "cancelled")
        except PlatformCannot:
            return NEEDS_PERSON, None
        paid = sum((p.amount for p in view.payments if p.status == "paid"), Decimal("0"))
        return DONE, paid or None

    def change_address(self, order_number: str, address: NewAddress) -> str:
        return self._readdress(order_number, address, after_dispatch=False)

    def redirect_parcel(self, order_number: str, address: NewAddress) -> str:
        return self._readdress(order_number, address, after_dispatch=True)

    def _readdress(self, order_number: str, address: NewAddress, after_dispatch: bool) -> str:
        data = self._fresh(order_number)
        if data is None:
            return UNKNOWN_ORDER
        view = self.platform.to_view(data)
        if view.status == "cancelled":
            return ALREADY_CANCELLED
        if view.shipment is not None and view.shipment.delivered_at is not None:
            return ALREADY_DELIVERED if after_dispatch else ALREADY_SHIPPED
        if not OrderStatus(view.status).before_shipping:
            if not after_dispatch:
                return ALREADY_SHIPPED
            # A parcel on its way is redirected by the carrier, which no platform API reaches: a
            # person does it, and the order keeps a note of what was asked.
            self.platform.add_note(data, f"Koliber: redirect the parcel to {address.street}, "
                                         f"{address.postcode} {address.city}")
            return NEEDS_PERSON
        try:
            self._write(data, order_number, lambda fresh: self.platform.change_address(fresh, address),
                        lambda fresh: self.platform.to_view(fresh).delivery_postcode == address.postcode)
        except PlatformCannot:
            return NEEDS_PERSON
        return DONE

    def issue_refund(self, order_number: str, amount: Decimal, *, goodwill: bool, reference: str) -> RefundOutcome:
        data = self._fresh(order_number)
        if data is None:
            return RefundOutcome(UNKNOWN_ORDER)
        view = self.platform.to_view(data)
        if (earlier := self.platform.refund_made(data, reference)) is not None:
            return RefundOutcome(DONE, earlier, view.currency, repeated=True)
        if (refusal := refund_refusal(view, amount, goodwill)) is not None:
            return refusal
        method = refund_method(view, goodwill)
        try:
            self._write(data, order_number,
                        lambda fresh: self.platform.refund(fresh, amount, goodwill=goodwill, reference=reference),
                        lambda fresh: self.platform.refund_made(fresh, reference) is not None)
        except PlatformCannot:
            return RefundOutcome(NEEDS_PERSON, amount, view.currency)
        return RefundOutcome(DONE, amount, view.currency, method)

    def resend_invoice(self, order_number: str) -> InvoiceOutcome:
        data = self._fresh(order_number)
        if data is None:
            return InvoiceOutcome(UNKNOWN_ORDER)
        try:
            number = self.platform.resend_invoice(data)
        except PlatformCannot:
            return InvoiceOutcome(NEEDS_PERSON)
        if number is None:
            return InvoiceOutcome(NO_INVOICE)
        return InvoiceOutcome(DONE, number, self.platform.to_view(data).customer_email)

    def open_complaint(self, order_number: str | None, conversation_id: str, language: str,
                       description: str) -> str:
        """The complaint case is Koliber's own record (its code is what the customer keeps); the platform's
        order gets a note pointing to it."""
        with unit_of_work(self._sessions) as session:
            sequence = session.scalar(select(func.count(ComplaintCase.id))) or 0
            code = f"RK-{self.today():%Y%m}-{sequence + 1:04d}"
            session.add(ComplaintCase(code=code, order_id=None, conversation_id=conversation_id, language=language,
                                      description=f"[{order_number}] {description}" if order_number else description,
                                      created_at=self.now()))
        try:
            data = self._read(order_number) if order_number else None
        except ShopUnavailable:
            data = None
        if data is not None:
            try:
                self.platform.add_note(data, f"Koliber: complaint {code} filed by the customer: {description}")
            except ShopUnavailable:
                pass  # the case is filed and its code given; the note is a courtesy to the shop's staff
        return code
