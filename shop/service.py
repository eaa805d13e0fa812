"""The one interface the assistant reads and changes the shop through, and its SQL implementation."""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from db.base import utcnow
from db.sessions import unit_of_work
from shop import rules
from shop.calendar import BusinessCalendar
from shop.models import (
    ComplaintCase,
    Customer,
    Order,
    OrderStatus,
    Refund,
    RefundStatus,
    ReturnItem,
    ReturnRequest,
    ReturnStatus,
    Shipment,
)
from shop.order_views import (
    InvoiceOutcome,
    InvoiceView,
    ItemView,
    NewAddress,
    OrderView,
    PaymentView,
    RefundOutcome,
    RefundView,
    ReturnOutcome,
    ReturnView,
    ShipmentView,
    TrackingView,
)
from shop.policy import ShopPolicy
from shop.policy_settings import AnswersFromPolicyInForce, PolicyInForce
from text.identifiers import normalize_email, normalize_phone, normalize_postcode, postcode_key

Clock = Callable[[], datetime]

# Outcomes of cancellation and address changes.
DONE = "done"
ALREADY_SHIPPED = "already_shipped"
ALREADY_CANCELLED = "already_cancelled"
UNKNOWN_ORDER = "unknown_order"
# Outcomes of what agents do for a customer.
ALREADY_DELIVERED = "already_delivered"
NOTHING_PAID = "nothing_paid"
MORE_THAN_PAID = "more_than_paid"
NO_INVOICE = "no_invoice"
# The shop's platform has no way to do this (shop/platforms): a person does it.
NEEDS_PERSON = "needs_person"
# A goodwill credit is not money back on the card: the customer spends it in the shop.
STORE_CREDIT = "store_credit"


class ShopService(Protocol):
    @property
    def policy(self) -> ShopPolicy: ...
    @property
    def calendar(self) -> BusinessCalendar: ...

    def now(self) -> datetime: ...
    def verify(self, order_number: str, contact: str) -> bool: ...
    def get_order(self, order_number: str) -> OrderView | None: ...
    def start_return(self, order_number: str) -> ReturnOutcome: ...
    def cancel_order(self, order_number: str) -> tuple[str, Decimal | None]: ...
    def change_address(self, order_number: str, address: NewAddress) -> str: ...
    def open_complaint(
        self, order_number: str | None, conversation_id: str, language: str, description: str
    ) -> str: ...
    # What an agent may do that the assistant may not (bot/conversations/agent_actions.py).
    def approve_late_return(self, order_number: str) -> ReturnOutcome: ...
    def issue_refund(self, order_number: str, amount: Decimal, *, goodwill: bool, reference: str) -> RefundOutcome: ...
    def resend_invoice(self, order_number: str) -> InvoiceOutcome: ...
    def redirect_parcel(self, order_number: str, address: NewAddress) -> str: ...
    # What the console and the delay notices read.
    def customer_orders(self, email: str, limit: int = 20) -> list[OrderView]: ...
    def orders_placed_since(self, since: datetime) -> list[OrderView]: ...


def refund_refusal(order: OrderView, amount: Decimal, goodwill: bool) -> RefundOutcome | None:
    """Why `amount` cannot go back to the order's customer, or None when it can: a goodwill credit
    always can; money back at most what was paid and not yet refunded."""
    if goodwill:
        return None
    paid = [p for p in order.payments if p.status == "paid"]
    if not paid:
        return RefundOutcome(NOTHING_PAID, currency=order.currency)
    refunded = sum((r.amount for r in order.refunds if r.method != STORE_CREDIT), Decimal("0"))
    left = sum((p.amount for p in paid), Decimal("0")) - refunded
    if amount > left:
        return RefundOutcome(MORE_THAN_PAID, max(left, Decimal("0")), order.currency)
    return None


def refund_method(order: OrderView, goodwill: bool) -> str:
    """How the money goes back: the way the order was paid, or a store credit."""
    return STORE_CREDIT if goodwill else next(p.method for p in order.payments if p.status == "paid")


def contact_matches(contact: str, email: str, postcode: str, phone: str | None) -> bool:
    """True when `contact` is the order's e-mail or its delivery postcode, or its customer's phone
    number in international form (only ever a number the phone network vouched for)."""
    if (typed_email := normalize_email(contact)) is not None:
        return typed_email == email.lower()
    if contact.startswith("+"):
        typed_phone = normalize_phone(contact)
        return typed_phone is not None and phone is not None and typed_phone == normalize_phone(phone)
    typed_postcode = normalize_postcode(contact)
    # A Polish code typed without its dash still matches ("00950" == "00-950").
    return typed_postcode is not None and postcode_key(typed_postcode) == postcode_key(postcode)


class SqlShopService(AnswersFromPolicyInForce):
    """Shop access on the project's SQL database. Each call is one unit of work."""

    def __init__(
        self, sessions: sessionmaker[Session], policy: ShopPolicy | Callable[[], ShopPolicy], clock: Clock = utcnow
    ) -> None:
        self._sessions = sessions
        self._in_force = PolicyInForce(policy)
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def today(self):
        return self.calendar.local_date(self.now())

    def verify(self, order_number: str, contact: str) -> bool:
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number)
            return order is not None and contact_matches(contact, order.customer.email, order.delivery_postcode,
                                                         order.customer.phone)

    def customer_orders(self, email: str, limit: int = 20) -> list[OrderView]:
        with unit_of_work(self._sessions) as session:
            orders = session.scalars(self._orders().join(Order.customer)
                                     .where(func.lower(Customer.email) == email.lower())
                                     .order_by(Order.placed_at.desc()).limit(limit))
            return [_view(order) for order in orders]

    def orders_placed_since(self, since: datetime) -> list[OrderView]:
        with unit_of_work(self._sessions) as session:
            return [_view(order) for order in session.scalars(self._orders().where(Order.placed_at >= since))]

    def get_order(self, order_number: str) -> OrderView | None:
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number)
            return _view(order) if order else None

    def start_return(self, order_number: str) -> ReturnOutcome:
        return self._start_return(order_number, late_allowed=False)

    def approve_late_return(self, order_number: str) -> ReturnOutcome:
        """A return an agent accepts after the return window closed; every other rule still holds."""
        return self._start_return(order_number, late_allowed=True)

    def _start_return(self, order_number: str, late_allowed: bool) -> ReturnOutcome:
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number, for_update=True)
            if order is None:
                return ReturnOutcome(result=UNKNOWN_ORDER)
            plan = rules.plan_return(_view(order), self.policy, self.calendar, self.today(), late_allowed)
            if plan.result == rules.RETURN_CREATED:
                order.returns.append(ReturnRequest(
                    code=plan.code, status=ReturnStatus.REQUESTED, created_at=self.now(),
                    items=[ReturnItem(order_item_id=item.id, quantity=item.quantity) for item in plan.included]))
                order.status = OrderStatus.RETURN_REQUESTED
            return plan

    def cancel_order(self, order_number: str) -> tuple[str, Decimal | None]:
        """Cancels an order that has not left the warehouse; returns (outcome, refund amount)."""
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number, for_update=True)
            if order is None:
                return UNKNOWN_ORDER, None
            if order.status == OrderStatus.CANCELLED:
                return ALREADY_CANCELLED, None
            if not order.status.before_shipping:
                return ALREADY_SHIPPED, None
            paid = sum((p.amount for p in order.payments if p.status.value == "paid"), Decimal("0"))
            order.status = OrderStatus.CANCELLED
            order.cancelled_at = self.now()
            if paid:
                method = next(p.method for p in order.payments if p.status.value == "paid")
                order.refunds.append(
                    Refund(amount=paid, currency=order.currency, method=method,
                           status=RefundStatus.PENDING, created_at=self.now())
                )
            return DONE, paid or None

    def change_address(self, order_number: str, address: NewAddress) -> str:
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number, for_update=True)
            if order is None:
                return UNKNOWN_ORDER
            if order.status == OrderStatus.CANCELLED:
                return ALREADY_CANCELLED
            if not order.status.before_shipping:
                return ALREADY_SHIPPED
            _deliver_to(order, address)
            return DONE

    def issue_refund(self, order_number: str, amount: Decimal, *, goodwill: bool, reference: str) -> RefundOutcome:
        """Money back by the way the order was paid, at most what was paid and not yet refunded; or, with
        `goodwill`, a store credit. A `reference` already used returns that refund and pays nothing."""
        try:
            with unit_of_work(self._sessions) as session:
                if (earlier := _refund_with(session, reference)) is not None:
                    return earlier
                order = self._find(session, order_number, for_update=True)
                if order is None:
                    return RefundOutcome(UNKNOWN_ORDER)
                view = _view(order)
                if (refusal := refund_refusal(view, amount, goodwill)) is not None:
                    return refusal
                method = refund_method(view, goodwill)
                order.refunds.append(Refund(amount=amount, currency=order.currency, method=method,
                                            status=RefundStatus.PENDING, created_at=self.now(), reference=reference))
                return RefundOutcome(DONE, amount, order.currency, method)
        except IntegrityError:  # the same reference, refunded at this very moment by another request
            with unit_of_work(self._sessions) as session:
                return _refund_with(session, reference)

    def resend_invoice(self, order_number: str) -> InvoiceOutcome:
        """The order's latest invoice to the customer's e-mail again. The demo shop only notes when;
        a real shop's service has its platform send it."""
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number, for_update=True)
            if order is None:
                return InvoiceOutcome(UNKNOWN_ORDER)
            if not order.invoices:
                return InvoiceOutcome(NO_INVOICE)
            invoice = order.invoices[-1]
            invoice.resent_at = self.now()
            return InvoiceOutcome(DONE, invoice.number, order.customer.email)

    def redirect_parcel(self, order_number: str, address: NewAddress) -> str:
        """A new delivery address, also after dispatch (the carrier redirects the parcel), until delivery."""
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number, for_update=True)
            if order is None:
                return UNKNOWN_ORDER
            if order.status == OrderStatus.CANCELLED:
                return ALREADY_CANCELLED
            if order.shipment is not None and order.shipment.delivered_at is not None:
                return ALREADY_DELIVERED
            _deliver_to(order, address)
            return DONE

    def open_complaint(
        self, order_number: str | None, conversation_id: str, language: str, description: str
    ) -> str:
        with unit_of_work(self._sessions) as session:
            order = self._find(session, order_number) if order_number else None
            sequence = session.scalar(select(func.count(ComplaintCase.id))) or 0
            case = ComplaintCase(
                code=f"RK-{self.today():%Y%m}-{sequence + 1:04d}",
                order_id=order.id if order else None,
                conversation_id=conversation_id,
                language=language,
                description=description,
                created_at=self.now(),
            )
            session.add(case)
            return case.code

    @staticmethod
    def _orders():
        return (
            select(Order)
            .options(
                selectinload(Order.customer),
                selectinload(Order.items),
                selectinload(Order.payments),
                selectinload(Order.shipment).selectinload(Shipment.events),
                selectinload(Order.refunds),
                selectinload(Order.returns),
                selectinload(Order.invoices),
            )
        )

    @classmethod
    def _find(cls, session: Session, order_number: str, for_update: bool = False) -> Order | None:
        query = cls._orders().where(Order.number == order_number)
        if for_update:
            query = query.with_for_update(of=Order)
        return session.scalars(query).first()


def _deliver_to(order: Order, address: NewAddress) -> None:
    order.delivery_street = address.street
    order.delivery_postcode = address.postcode
    order.delivery_city = address.city


def _refund_with(session: Session, reference: str) -> RefundOutcome | None:
    """The refund an earlier request with this idempotency `reference` made, as a repeated outcome."""
    earlier = session.scalar(select(Refund).where(Refund.reference == reference))
    if earlier is None:
        return None
    return RefundOutcome(DONE, earlier.amount, earlier.currency, earlier.method, repeated=True)


def _view(order: Order) -> OrderView:
    shipment = order.shipment
    return OrderView(
        number=order.number,
        status=order.status.value,
        currency=order.currency,
        items_total=order.items_total,
        shipping_cost=order.shipping_cost,
        shipping_method=order.shipping_method,
        placed_at=order.placed_at,
        customer_id=order.customer_id,
        customer_email=order.customer.email,
        customer_name=order.customer.full_name,
        customer_phone=order.customer.phone,
        customer_language=order.customer.language,
        delivery_city=order.delivery_city,
        delivery_street=order.delivery_street,
        delivery_postcode=order.delivery_postcode,
        delivery_country=order.delivery_country,
        items=[ItemView(i.id, i.name, i.category, i.quantity, i.unit_price) for i in order.items],
        payments=[
            PaymentView(p.method, p.status.value, p.amount, p.failure_reason, p.created_at)
            for p in order.payments
        ],
        shipment=ShipmentView(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            shipped_at=shipment.shipped_at,
            promised_delivery_date=shipment.promised_delivery_date,
            delivered_at=shipment.delivered_at,
            last_event=(
                TrackingView(shipment.events[-1].code, shipment.events[-1].location, shipment.events[-1].occurred_at)
                if shipment.events else None
            ),
        ) if shipment else None,
        refunds=[RefundView(r.amount, r.method, r.status.value, r.created_at, r.sent_at) for r in order.refunds],
        returns=[ReturnView(r.code, r.status.value, r.created_at) for r in order.returns],
        invoices=[InvoiceView(i.number, i.kind.value, i.issued_at) for i in order.invoices],
    )


def order_view(order: Order) -> OrderView:
    """The read-only snapshot of a loaded order, as the actions and the shop's rules see it."""
    return _view(order)
