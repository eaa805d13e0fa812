"""A realistic demo shop: named orders in every state (documented in docs/demo-shop.md) plus filler orders.

Dates are relative to `now`, so a shop seeded today still has a parcel out for delivery, a
late one and a return still inside its window.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.calendar import BusinessCalendar
from shop.models import (
    Customer,
    Invoice,
    InvoiceKind,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    ReturnItem,
    ReturnRequest,
    ReturnStatus,
    Shipment,
    TrackingEvent,
)
from shop.policy import ShopPolicy
from text.folding import fold

CATALOGUE = [
    ("SH-RUN-42", "Buty do biegania Sprint 42", "shoes", "349.00"),
    ("SH-BOOT-39", "Botki skórzane Tatra 39", "shoes", "429.00"),
    ("CL-JKT-M", "Kurtka przeciwdeszczowa Mgła M", "clothing", "259.00"),
    ("CL-TEE-L", "Koszulka lniana Len L", "clothing", "79.00"),
    ("CL-DRS-S", "Sukienka Wiosna S", "clothing", "189.00"),
    ("UW-SOCK-3", "Skarpety bawełniane 3-pak", "underwear", "39.00"),
    ("UW-BRA-75B", "Biustonosz Lekki 75B", "underwear", "119.00"),
    ("CO-CRM-50", "Krem nawilżający Rosa 50 ml", "cosmetics", "59.00"),
    ("EL-HP-BT", "Słuchawki bezprzewodowe Echo", "electronics", "299.00"),
    ("EL-PWR-10", "Powerbank 10 000 mAh", "electronics", "119.00"),
    ("HM-MUG-2", "Kubki ceramiczne Dwa", "home", "69.00"),
    ("HM-LAMP", "Lampka biurkowa Świetlik", "home", "149.00"),
    ("PS-MUG-NAME", "Kubek z imieniem (personalizowany)", "personalised", "49.00"),
    ("GC-100", "Karta podarunkowa 100 zł", "gift_card", "100.00"),
]
_PRODUCTS = {sku: (name, category, Decimal(price)) for sku, name, category, price in CATALOGUE}
EUR_RATE = Decimal("4.30")


@dataclass
class DemoCustomer:
    email: str
    name: str
    phone: str | None
    language: str
    street: str
    postcode: str
    city: str
    country: str


CUSTOMERS = {
    "anna": DemoCustomer("anna.nowak@example.pl", "Anna Nowak", "+48601234567", "pl", "ul. Lipowa 4/2", "00-950", "Warszawa", "PL"),
    "piotr": DemoCustomer("piotr.wisniewski@example.pl", "Piotr Wiśniewski", "+48512345678", "pl", "ul. Długa 17", "31-042", "Kraków", "PL"),
    "kasia": DemoCustomer("k.zielinska@example.pl", "Katarzyna Zielińska", "+48698765432", "pl", "ul. Morska 3", "81-301", "Gdynia", "PL"),
    "marek": DemoCustomer("marek.kaminski@example.pl", "Marek Kamiński", None, "pl", "os. Słoneczne 8/14", "60-101", "Poznań", "PL"),
    "john": DemoCustomer("john.miller@example.com", "John Miller", "+4915112345678", "en", "Invalidenstraße 44", "10115", "Berlin", "DE"),
    "emma": DemoCustomer("emma.clarke@example.co.uk", "Emma Clarke", "+447700900123", "en", "12 Baker Street", "NW1 6XE", "London", "GB"),
    "jan": DemoCustomer("jan.dvorak@example.cz", "Jan Dvořák", None, "en", "Národní 10", "110 00", "Praha", "CZ"),
}


@dataclass
class DemoOrder:
    number: str
    customer: str
    status: OrderStatus
    skus: list[str]
    method: str
    placed_days_ago: int
    note: str


# The orders docs/demo-shop.md lists, one for each situation the assistant must handle.
DEMO_ORDERS = [
    DemoOrder("48213", "anna", OrderStatus.SHIPPED, ["SH-RUN-42", "UW-SOCK-3"], "inpost_locker", 2, "in transit, arrives on time"),
    DemoOrder("51734", "piotr", OrderStatus.DELAYED, ["EL-HP-BT"], "dpd_courier", 9, "late: promised date has passed"),
    DemoOrder("36620", "anna", OrderStatus.DELIVERED, ["SH-BOOT-39", "UW-BRA-75B"], "dpd_courier", 7, "delivered 3 days ago; boots returnable, bra not"),
    DemoOrder("27145", "kasia", OrderStatus.DELIVERED, ["CL-JKT-M"], "inpost_locker", 40, "delivered over a month ago: return window closed"),
    DemoOrder("60418", "marek", OrderStatus.AWAITING_PAYMENT, ["HM-LAMP"], "inpost_locker", 1, "BLIK payment failed"),
    DemoOrder("72951", "kasia", OrderStatus.PAID, ["CL-DRS-S", "CL-TEE-L"], "dpd_courier", 0, "paid, not shipped: can cancel or change address"),
    DemoOrder("83307", "piotr", OrderStatus.PACKED, ["HM-MUG-2"], "poczta_polska", 1, "packed, not shipped"),
    DemoOrder("19582", "marek", OrderStatus.CANCELLED, ["EL-PWR-10"], "inpost_locker", 12, "cancelled, refund sent"),
    DemoOrder("44096", "kasia", OrderStatus.RETURN_REQUESTED, ["CL-TEE-L", "HM-MUG-2"], "inpost_locker", 10, "return requested, refund pending"),
    DemoOrder("55870", "anna", OrderStatus.REFUNDED, ["CL-DRS-S"], "dpd_courier", 25, "returned and refunded"),
    DemoOrder("90215", "piotr", OrderStatus.PAID, ["EL-HP-BT", "EL-PWR-10"], "dpd_courier", 0, "charged twice"),
    DemoOrder("38461", "marek", OrderStatus.AWAITING_PAYMENT, ["CO-CRM-50", "HM-MUG-2"], "inpost_locker", 1, "paid but shown as unpaid"),
    DemoOrder("12874", "john", OrderStatus.SHIPPED, ["SH-RUN-42"], "dhl_international", 3, "EUR order to Germany, in transit"),
    DemoOrder("67342", "emma", OrderStatus.DELIVERED, ["CL-JKT-M", "PS-MUG-NAME"], "dhl_uk", 12, "EUR order to the UK, delivered 4 days ago"),
    DemoOrder("25519", "jan", OrderStatus.DELIVERED, ["GC-100", "UW-SOCK-3"], "dhl_international", 8, "nothing returnable"),
]


class DemoShopBuilder:
    def __init__(self, session: Session, policy: ShopPolicy, now: datetime, rng: random.Random) -> None:
        self.session = session
        self.policy = policy
        self.calendar = BusinessCalendar(policy.calendar, policy.shop.timezone)
        self.now = now
        self.rng = rng
        self.customers: dict[str, Customer] = {}
        self._invoice_seq = 0

    def customer(self, key: str, demo: DemoCustomer) -> Customer:
        if key not in self.customers:
            customer = Customer(email=demo.email, full_name=demo.name, phone=demo.phone,
                                language=demo.language, created_at=self.now - timedelta(days=400))
            self.session.add(customer)
            self.customers[key] = customer
        return self.customers[key]

    def local_moment(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour, self.rng.randint(0, 59)), self.calendar.zone)

    def order(self, spec: DemoOrder, demo: DemoCustomer) -> Order:
        currency = "PLN" if demo.country == "PL" else "EUR"
        prices = [self._price(sku, currency) for sku in spec.skus]
        items_total = sum(prices, Decimal("0"))
        method = self.policy.shipping.method(spec.method)
        threshold = self.policy.shipping.free_shipping_threshold.get(currency)
        free = method.free_over_threshold and threshold is not None and items_total >= threshold
        shipping_cost = Decimal("0") if free else method.price.get(currency, method.price["PLN"])
        placed_day = self.calendar.local_date(self.now) - timedelta(days=spec.placed_days_ago)
        placed_at = self.local_moment(placed_day, 10)
        if placed_at > self.now:
            placed_at = self.now - timedelta(minutes=30)
        order = Order(
            number=spec.number, customer=self.customer(spec.customer, demo), status=spec.status,
            currency=currency, items_total=items_total, shipping_cost=shipping_cost,
            shipping_method=spec.method, delivery_name=demo.name, delivery_street=demo.street,
            delivery_postcode=demo.postcode, delivery_city=demo.city, delivery_country=demo.country,
            placed_at=placed_at,
            items=[OrderItem(sku=sku, name=_PRODUCTS[sku][0], category=_PRODUCTS[sku][1], quantity=1, unit_price=price)
                   for sku, price in zip(spec.skus, prices)],
        )
        self.session.add(order)
        self._payments(order, spec)
        self._shipment(order, spec, method.carrier, method.transit_days)
        self._after_sale(order, spec)
        return order

    def _price(self, sku: str, currency: str) -> Decimal:
        price = _PRODUCTS[sku][2]
        return price if currency == "PLN" else (price / EUR_RATE).quantize(Decimal("0.01"))

    def _payments(self, order: Order, spec: DemoOrder) -> None:
        method = "blik" if order.currency == "PLN" else "card"
        paid_at = order.placed_at + timedelta(minutes=3)
        ref = f"PAY-{order.number}"
        if spec.number == "60418":
            order.payments.append(Payment(method="blik", status=PaymentStatus.FAILED, amount=order.total,
                                          currency=order.currency, provider_reference=ref + "-1",
                                          failure_reason="blik_code_expired", created_at=paid_at))
            return
        if spec.status == OrderStatus.AWAITING_PAYMENT and spec.number != "38461":
            return
        status = PaymentStatus.REFUNDED if spec.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) else PaymentStatus.PAID
        order.payments.append(Payment(method=method, status=status, amount=order.total, currency=order.currency,
                                      provider_reference=ref + "-1", created_at=paid_at))
        if spec.number == "90215":
            order.payments.append(Payment(method="card", status=PaymentStatus.PAID, amount=order.total,
                                          currency=order.currency, provider_reference=ref + "-2",
                                          created_at=paid_at + timedelta(minutes=1)))

    def _shipment(self, order: Order, spec: DemoOrder, carrier: str, transit_days: int) -> None:
        shipped_states = {OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.DELIVERED,
                          OrderStatus.RETURN_REQUESTED, OrderStatus.REFUNDED}
        if spec.status not in shipped_states:
            return
        dispatch = self.calendar.dispatch_date(order.placed_at + timedelta(minutes=3))
        promised = self.calendar.add_business_days(dispatch, transit_days)
        today = self.calendar.local_date(self.now)
        # A parcel that is on its way left before now, even when its planned dispatch is today.
        shipped_at = min(self.local_moment(dispatch, 16), self.now - timedelta(hours=2))
        delivered_at = None
        if spec.number == "36620":
            promised, delivered_at = today - timedelta(days=3), self.local_moment(today - timedelta(days=3), 12)
        elif spec.number == "67342":
            promised, delivered_at = today - timedelta(days=4), self.local_moment(today - timedelta(days=4), 13)
        elif spec.status == OrderStatus.DELAYED:
            promised = min(promised, today - timedelta(days=2))
        elif spec.status == OrderStatus.SHIPPED:
            promised = max(promised, self.calendar.next_business_day(today))
        else:
            delivered_at = self.local_moment(min(promised, today - timedelta(days=1)), 12)
        tracking = f"{carrier[:3].upper()}{self.rng.randint(10**9, 10**10 - 1)}PL"
        shipment = Shipment(carrier=carrier, tracking_number=tracking, shipped_at=shipped_at,
                            promised_delivery_date=promised, delivered_at=delivered_at)
        order.shipment = shipment
        events = [("label_created", "Warszawa", shipped_at - timedelta(hours=3)),
                  ("picked_up", "Warszawa", shipped_at)]
        if spec.status == OrderStatus.DELAYED:
            events.append(("delayed", "Sortownia Stryków", shipped_at + timedelta(days=1)))
        elif delivered_at:
            events += [("in_transit", "Sortownia Stryków", shipped_at + timedelta(hours=8)),
                       ("out_for_delivery", order.delivery_city, delivered_at - timedelta(hours=4)),
                       ("delivered", order.delivery_city, delivered_at)]
        else:
            events.append(("in_transit", "Sortownia Stryków", min(shipped_at + timedelta(hours=8), self.now)))
        shipment.events = [TrackingEvent(code=c, location=loc, occurred_at=at) for c, loc, at in events]

    def _after_sale(self, order: Order, spec: DemoOrder) -> None:
        if order.shipment is not None:
            self._invoice_seq += 1
            issued = order.shipment.shipped_at
            order.invoices.append(Invoice(number=f"FV/{issued:%Y/%m}/{self._invoice_seq:04d}", kind=InvoiceKind.INVOICE,
                                          issued_at=issued, total=order.total))
        if spec.status == OrderStatus.CANCELLED:
            order.cancelled_at = order.placed_at + timedelta(hours=2)
            order.refunds.append(Refund(amount=order.total, currency=order.currency, method="blik",
                                        status=RefundStatus.SENT, created_at=order.cancelled_at,
                                        sent_at=order.cancelled_at + timedelta(days=1)))
        if spec.status in (OrderStatus.RETURN_REQUESTED, OrderStatus.REFUNDED):
            received = spec.status == OrderStatus.REFUNDED
            created = (order.shipment.delivered_at or self.now) + timedelta(days=2)
            request = ReturnRequest(code=f"ZW-{order.number}-{self.rng.randint(4096, 65535):04X}",
                                    status=ReturnStatus.REFUNDED if received else ReturnStatus.RECEIVED,
                                    created_at=created,
                                    items=[ReturnItem(order_item=item, quantity=item.quantity) for item in order.items])
            order.returns.append(request)
            order.refunds.append(Refund(amount=order.items_total, currency=order.currency, method="blik",
                                        status=RefundStatus.SENT if received else RefundStatus.PENDING,
                                        created_at=created + timedelta(days=3),
                                        sent_at=created + timedelta(days=4) if received else None))


def seed_demo_shop(session: Session, policy: ShopPolicy, now: datetime, filler_orders: int = 60) -> int:
    """Adds the demo shop unless it is there already; returns the number of orders added."""
    if session.scalar(select(Order.id).limit(1)) is not None:
        return 0
    rng = random.Random(2026)
    builder = DemoShopBuilder(session, policy, now, rng)
    for spec in DEMO_ORDERS:
        builder.order(spec, CUSTOMERS[spec.customer])
    used = {spec.number for spec in DEMO_ORDERS}
    first_names = ["Ewa", "Tomasz", "Magda", "Paweł", "Zofia", "Michał", "Ola", "Krzysztof", "Natalia", "Adam"]
    last_names = ["Lewandowska", "Wójcik", "Kowalczyk", "Szymański", "Dąbrowska", "Mazur", "Krawczyk", "Pietrzak"]
    cities = [("Wrocław", "50-001"), ("Łódź", "90-002"), ("Lublin", "20-003"), ("Katowice", "40-004"), ("Szczecin", "70-005")]
    statuses = [OrderStatus.DELIVERED] * 5 + [OrderStatus.SHIPPED] * 2 + [OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.CANCELLED]
    for index in range(filler_orders):
        number = str(rng.randint(10000, 99999))
        while number in used:
            number = str(rng.randint(10000, 99999))
        used.add(number)
        first, last = rng.choice(first_names), rng.choice(last_names)
        city, postcode = rng.choice(cities)
        demo = DemoCustomer(fold(f"{first}.{last}{index}@example.pl"), f"{first} {last}", None, "pl",
                            f"ul. Polna {index + 1}", postcode, city, "PL")
        status = rng.choice(statuses)
        spec = DemoOrder(number, f"filler{index}", status, rng.sample(list(_PRODUCTS), rng.randint(1, 3)),
                         rng.choice(["inpost_locker", "dpd_courier", "poczta_polska"]),
                         rng.randint(15, 60) if status == OrderStatus.DELIVERED else rng.randint(0, 3), "filler")
        builder.order(spec, demo)
    session.flush()
    return len(DEMO_ORDERS) + filler_orders
