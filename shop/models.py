"""Typed SQLAlchemy models of the shop: customers, orders and everything that happens to an order."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, string_enum, utcnow

Money = Numeric(12, 2)


class OrderStatus(str, enum.Enum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURN_REQUESTED = "return_requested"
    REFUNDED = "refunded"

    @property
    def before_shipping(self) -> bool:
        return self in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKED)


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    FAILED = "failed"
    PAID = "paid"
    REFUNDED = "refunded"


class ReturnStatus(str, enum.Enum):
    REQUESTED = "requested"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"


class InvoiceKind(str, enum.Enum):
    RECEIPT = "receipt"
    INVOICE = "invoice"
    CORRECTION = "correction"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2), default="pl")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(string_enum(OrderStatus))
    currency: Mapped[str] = mapped_column(String(3))
    items_total: Mapped[Decimal] = mapped_column(Money)
    shipping_cost: Mapped[Decimal] = mapped_column(Money)
    shipping_method: Mapped[str] = mapped_column(String(32))
    delivery_name: Mapped[str] = mapped_column(String(200))
    delivery_street: Mapped[str] = mapped_column(String(200))
    delivery_postcode: Mapped[str] = mapped_column(String(16))
    delivery_city: Mapped[str] = mapped_column(String(100))
    delivery_country: Mapped[str] = mapped_column(String(2))
    placed_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list["OrderItem"]] = relationship(back_populates="order", order_by="OrderItem.id")
    payments: Mapped[list["Payment"]] = relationship(back_populates="order", order_by="Payment.id")
    shipment: Mapped["Shipment | None"] = relationship(back_populates="order")
    returns: Mapped[list["ReturnRequest"]] = relationship(back_populates="order", order_by="ReturnRequest.id")
    refunds: Mapped[list["Refund"]] = relationship(back_populates="order", order_by="Refund.id")
    invoices: Mapped[list["Invoice"]] = relationship(back_populates="order", order_by="Invoice.id")
    complaints: Mapped[list["ComplaintCase"]] = relationship(back_populates="order")

    @property
    def total(self) -> Decimal:
        return self.items_total + self.shipping_cost


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="items")


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[PaymentStatus] = mapped_column(string_enum(PaymentStatus))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    provider_reference: Mapped[str] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    carrier: Mapped[str] = mapped_column(String(32))
    tracking_number: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[datetime]
    promised_delivery_date: Mapped[date]
    delivered_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="shipment")
    events: Mapped[list["TrackingEvent"]] = relationship(
        back_populates="shipment", order_by="TrackingEvent.occurred_at"
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    occurred_at: Mapped[datetime]
    # A code from the policy file's tracking_events table, which holds the PL/EN wording.
    code: Mapped[str] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(100))

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class ReturnRequest(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[ReturnStatus] = mapped_column(string_enum(ReturnStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="returns")
    items: Mapped[list["ReturnItem"]] = relationship(back_populates="return_request")


class ReturnItem(Base):
    __tablename__ = "return_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"))
    quantity: Mapped[int]

    return_request: Mapped[ReturnRequest] = relationship(back_populates="items")
    order_item: Mapped[OrderItem] = relationship()


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[RefundStatus] = mapped_column(string_enum(RefundStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # Set by whoever asked for it (an agent's click): the same reference never refunds twice.
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)

    order: Mapped[Order] = relationship(back_populates="refunds")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[InvoiceKind] = mapped_column(string_enum(InvoiceKind))
    tax_id: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[datetime]
    total: Mapped[Decimal] = mapped_column(Money)
    # When the customer was last sent it again (on an agent's request).
    resent_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="invoices")


class ComplaintCase(Base):
    __tablename__ = "complaint_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order | None] = relationship(back_populates="complaints")


class CachedPlatformOrder(Base):
    """An order as a shop platform last returned it (shop/platforms/cache.py): shared by every process
    that reads the shop, refreshed when it is older than the time-to-live or a webhook says it changed."""

    __tablename__ = "platform_order_cache"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[str] = mapped_column(Text)  # the platform's JSON, as the adapter assembled it
    fetched_at: Mapped[datetime] = mapped_column(index=True)


class PlatformJournalPosition(Base):
    """How far the shop's event journal has been read (BaseLinker's getJournalList), so a restart goes on
    from there."""

    __tablename__ = "platform_journal_positions"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime]
