"""Delivered orders written straight into a fresh database, for the survey tests, benchmark and demo."""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from shop.models import Customer, Order, OrderItem, OrderStatus, Shipment

_numbers = itertools.count(70001)


def delivered_order(session: Session, delivered_at: datetime, phone: str | None = "+48600100200",
                    language: str = "pl", country: str = "PL", category: str = "shoes",
                    status: OrderStatus = OrderStatus.DELIVERED, number: str | None = None,
                    full_name: str = "Jan Kowalski") -> Order:
    number = number or str(next(_numbers))
    customer = Customer(email=f"c{number}@example.pl", full_name=full_name, phone=phone, language=language,
                        created_at=delivered_at - timedelta(days=30))
    order = Order(number=number, customer=customer, status=status, currency="PLN", items_total=Decimal("199.00"),
                  shipping_cost=Decimal("0"), shipping_method="courier", delivery_name=full_name,
                  delivery_street="ul. Polna 5", delivery_postcode="00-001", delivery_city="Warszawa",
                  delivery_country=country, placed_at=delivered_at - timedelta(days=3), cancelled_at=None)
    order.items.append(OrderItem(sku=f"SKU-{number}", name="Buty", category=category, quantity=1,
                                 unit_price=Decimal("199.00")))
    order.shipment = Shipment(carrier="InPost", tracking_number=f"TRK{number}", shipped_at=delivered_at - timedelta(days=1),
                              promised_delivery_date=date(delivered_at.year, delivered_at.month, delivered_at.day),
                              delivered_at=delivered_at)
    session.add(order)
    session.flush()
    return order
