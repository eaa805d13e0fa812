"""Orders as the actions see them: read-only snapshots (no ORM objects leak out), return outcomes, new addresses."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class ItemView:
    id: int
    name: str
    category: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class TrackingView:
    code: str
    location: str
    occurred_at: datetime


@dataclass(frozen=True)
class ShipmentView:
    carrier: str
    tracking_number: str
    shipped_at: datetime
    promised_delivery_date: date
    delivered_at: datetime | None
    last_event: TrackingView | None


@dataclass(frozen=True)
class PaymentView:
    method: str
    status: str
    amount: Decimal
    failure_reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class RefundView:
    amount: Decimal
    method: str
    status: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class ReturnView:
    code: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class InvoiceView:
    number: str
    kind: str
    issued_at: datetime


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    currency: str
    items_total: Decimal
    shipping_cost: Decimal
    shipping_method: str
    placed_at: datetime
    customer_id: int | None  # Koliber's own customer (the demo shop); None for a platform's order
    customer_email: str
    customer_name: str
    delivery_city: str
    delivery_postcode: str
    delivery_country: str
    items: list[ItemView] = field(default_factory=list)
    payments: list[PaymentView] = field(default_factory=list)
    shipment: ShipmentView | None = None
    refunds: list[RefundView] = field(default_factory=list)
    returns: list[ReturnView] = field(default_factory=list)
    invoices: list[InvoiceView] = field(default_factory=list)
    customer_phone: str | None = None
    customer_language: str | None = None  # the language of the customer's account, where the shop keeps one
    delivery_street: str | None = None

    @property
    def total(self) -> Decimal:
        return self.items_total + self.shipping_cost

    @property
    def language(self) -> str:
        """The customer's language: their account's where the shop keeps one, else Polish for a delivery
        in Poland and English anywhere else."""
        return self.customer_language or ("pl" if self.delivery_country == "PL" else "en")

    @property
    def paid_at(self) -> datetime | None:
        paid = [p.created_at for p in self.payments if p.status in ("paid", "refunded")]
        return min(paid) if paid else None


@dataclass(frozen=True)
class ReturnOutcome:
    """What happened to a return request: `result` is one of the RETURN_* codes in rules.py."""

    result: str
    code: str | None = None
    included: list[ItemView] = field(default_factory=list)
    excluded: list[ItemView] = field(default_factory=list)
    last_day: date | None = None
    delivered_on: date | None = None


@dataclass(frozen=True)
class NewAddress:
    street: str
    postcode: str
    city: str


@dataclass(frozen=True)
class RefundOutcome:
    """What happened to a refund or goodwill credit: `result` is one of the outcomes in service.py."""

    result: str
    amount: Decimal | None = None
    currency: str | None = None
    method: str | None = None
    repeated: bool = False  # this reference had already been refunded: nothing new was paid out


@dataclass(frozen=True)
class InvoiceOutcome:
    """An invoice sent to the customer again, and where to."""

    result: str
    number: str | None = None
    email: str | None = None
