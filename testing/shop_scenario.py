"""The orders the shop adapter tests start from, in Koliber's own order model (OrderView), relative to
now: each backend under test (the demo database, a fake WooCommerce, Shopify or BaseLinker) is
loaded with the same orders in its own format, and the same tests then read them back through
ShopService."""

from collections.abc import Iterable
from dataclasses import replace as _with
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.models import (
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Shipment,
    TrackingEvent,
)
from shop.order_views import ItemView, OrderView, PaymentView, RefundView, ShipmentView, TrackingView

ANNA = {"customer_email": "anna.nowak@example.pl", "customer_name": "Anna Nowak", "customer_phone": "+48601202303"}
JOHN = {"customer_email": "john.smith@example.co.uk", "customer_name": "John Smith", "customer_phone": "+447700900123"}
WARSAW = {"delivery_street": "ul. Marszałkowska 10", "delivery_city": "Warszawa", "delivery_postcode": "00-950", "delivery_country": "PL"}
LONDON = {"delivery_street": "10 Downing Street", "delivery_city": "London", "delivery_postcode": "SW1A 1AA", "delivery_country": "GB"}

SHOES = ItemView(1, "Buty trekkingowe Tatra 42", "shoes", 1, Decimal("349.00"))
TEE = ItemView(2, "Koszulka lniana Len L", "clothing", 2, Decimal("79.00"))
SOCKS = ItemView(3, "Skarpety bawełniane 3-pak", "underwear", 1, Decimal("39.00"))


def _order(number: str, status: str, placed_at: datetime, items: list[ItemView], who: dict, where: dict,
           currency: str = "PLN", **rest) -> OrderView:
    items_total = sum((item.unit_price * item.quantity for item in items), Decimal("0"))
    return OrderView(number=number, status=status, currency=currency, items_total=items_total,
                     shipping_cost=Decimal("12.99") if currency == "PLN" else Decimal("20.90"),
                     shipping_method="inpost_locker" if currency == "PLN" else "dhl_international",
                     placed_at=placed_at, customer_id=None, items=items, **who, **where, **rest)


def _paid(amount: Decimal, at: datetime, method: str = "blik") -> list[PaymentView]:
    return [PaymentView(method, "paid", amount, None, at)]


def scenario_orders(now: datetime) -> dict[str, OrderView]:
    """By what a test needs of them: names are stable, numbers are the ones customers type."""
    now = now.replace(microsecond=0)
    day = timedelta(days=1)

    paid = _order("5101", "paid", now - timedelta(hours=3), [SHOES], ANNA, WARSAW)
    paid = _with(paid, payments=_paid(paid.total, now - timedelta(hours=3)))

    awaiting = _order("5102", "awaiting_payment", now - timedelta(hours=1), [TEE], JOHN, LONDON, currency="EUR")

    in_transit = _order("5103", "shipped", now - 2 * day, [TEE], ANNA, WARSAW)
    in_transit = _with(in_transit, payments=_paid(in_transit.total, now - 2 * day), shipment=ShipmentView(
        "InPost", "620000111222333444555666", now - day, (now + day).date(), None,
        TrackingView("in_transit", "Warszawa", now - timedelta(hours=5))))

    delivered = _order("5104", "delivered", now - 6 * day, [SHOES, SOCKS], JOHN, LONDON, currency="EUR")
    delivered = _with(delivered, payments=_paid(delivered.total, now - 6 * day, "card"), shipment=ShipmentView(
        "DHL", "JD014600006281234567", now - 5 * day, (now - 2 * day).date(), now - 2 * day,
        TrackingView("delivered", "London", now - 2 * day)))

    long_ago = _order("5105", "delivered", now - 60 * day, [TEE], ANNA, WARSAW)
    long_ago = _with(long_ago, payments=_paid(long_ago.total, now - 60 * day), shipment=ShipmentView(
        "InPost", "620000999888777666555444", now - 59 * day, (now - 58 * day).date(), now - 58 * day,
        TrackingView("delivered", "Warszawa", now - 58 * day)))

    cancelled = _order("5106", "cancelled", now - 10 * day, [SHOES], ANNA, WARSAW)

    refunded = _order("5107", "refunded", now - 20 * day, [TEE], ANNA, WARSAW)
    refunded = _with(refunded, payments=_paid(refunded.total, now - 20 * day), shipment=ShipmentView(
        "InPost", "620000123123123123123123", now - 19 * day, (now - 18 * day).date(), now - 18 * day,
        TrackingView("delivered", "Warszawa", now - 18 * day)),
        refunds=[RefundView(refunded.total, "blik", "sent", now - 9 * day, now - 8 * day)])

    return {"paid": paid, "awaiting_payment": awaiting, "in_transit": in_transit, "delivered": delivered,
            "delivered_long_ago": long_ago, "cancelled": cancelled, "refunded": refunded}



def load_into_database(session: Session, orders: Iterable[OrderView]) -> None:
    """The orders as rows of the demo shop's own tables (the demo adapter's backend)."""
    customers: dict[str, Customer] = {}
    for view in orders:
        customer = customers.get(view.customer_email) or session.scalar(
            select(Customer).where(Customer.email == view.customer_email))
        if customer is None:
            customer = Customer(email=view.customer_email, full_name=view.customer_name, phone=view.customer_phone,
                                language="pl" if view.delivery_country == "PL" else "en", created_at=view.placed_at)
        customers[view.customer_email] = customer
        order = Order(number=view.number, customer=customer, status=OrderStatus(view.status), currency=view.currency,
                      items_total=view.items_total, shipping_cost=view.shipping_cost,
                      shipping_method=view.shipping_method, delivery_name=view.customer_name,
                      delivery_street=view.delivery_street or "", delivery_postcode=view.delivery_postcode,
                      delivery_city=view.delivery_city, delivery_country=view.delivery_country,
                      placed_at=view.placed_at, cancelled_at=view.placed_at if view.status == "cancelled" else None)
        order.items = [OrderItem(sku=f"SKU-{item.id}", name=item.name, category=item.category, quantity=item.quantity,
                                 unit_price=item.unit_price) for item in view.items]
        order.payments = [Payment(method=p.method, status=PaymentStatus(p.status), amount=p.amount,
                                  currency=view.currency, provider_reference=f"PAY-{view.number}",
                                  failure_reason=p.failure_reason, created_at=p.created_at) for p in view.payments]
        order.refunds = [Refund(amount=r.amount, currency=view.currency, method=r.method, status=RefundStatus(r.status),
                                created_at=r.created_at, sent_at=r.sent_at) for r in view.refunds]
        if (shipment := view.shipment) is not None:
            order.shipment = Shipment(carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                                      shipped_at=shipment.shipped_at,
                                      promised_delivery_date=shipment.promised_delivery_date,
                                      delivered_at=shipment.delivered_at)
            if (event := shipment.last_event) is not None:
                order.shipment.events = [TrackingEvent(code=event.code, location=event.location,
                                                       occurred_at=event.occurred_at)]
        session.add(order)
    session.flush()
