"""Shop rules as pure functions of an order snapshot: return eligibility, lateness, payment trouble."""

import secrets
from datetime import date, timedelta

from shop.calendar import BusinessCalendar
from shop.order_views import ItemView, OrderView, ReturnOutcome
from shop.policy import ShopPolicy

# Outcomes of a return request.
RETURN_CREATED = "created"
RETURN_ALREADY_REQUESTED = "already_requested"
RETURN_NOT_DELIVERED = "not_delivered"
RETURN_CANCELLED = "cancelled"
RETURN_ALREADY_REFUNDED = "already_refunded"
RETURN_WINDOW_EXPIRED = "window_expired"
RETURN_NOTHING_RETURNABLE = "nothing_returnable"

# Payment diagnoses.
PAYMENT_OK = "ok"
PAYMENT_AWAITING = "awaiting"
PAYMENT_FAILED = "failed"
PAYMENT_DOUBLE_CHARGE = "double_charge"
PAYMENT_PAID_BUT_UNPAID = "paid_but_unpaid"
PAYMENT_REFUNDED = "refunded"


def delivered_on(order: OrderView, calendar: BusinessCalendar) -> date | None:
    if order.shipment and order.shipment.delivered_at:
        return calendar.local_date(order.shipment.delivered_at)
    return None


def return_window_last_day(order: OrderView, policy: ShopPolicy, calendar: BusinessCalendar) -> date | None:
    delivered = delivered_on(order, calendar)
    return delivered + timedelta(days=policy.returns.window_days) if delivered else None


def split_returnable(order: OrderView, policy: ShopPolicy) -> tuple[list[ItemView], list[ItemView]]:
    blocked = set(policy.returns.non_returnable_categories)
    included = [item for item in order.items if item.category not in blocked]
    excluded = [item for item in order.items if item.category in blocked]
    return included, excluded


def return_blocker(order: OrderView, policy: ShopPolicy, calendar: BusinessCalendar, today: date) -> str | None:
    """Why this order cannot be returned today, or None when it can."""
    if order.returns:
        return RETURN_ALREADY_REQUESTED
    if order.status == "cancelled":
        return RETURN_CANCELLED
    if order.status == "refunded":
        return RETURN_ALREADY_REFUNDED
    last_day = return_window_last_day(order, policy, calendar)
    if last_day is None:
        return RETURN_NOT_DELIVERED
    if today > last_day:
        return RETURN_WINDOW_EXPIRED
    included, _ = split_returnable(order, policy)
    if not included:
        return RETURN_NOTHING_RETURNABLE
    return None


def plan_return(order: OrderView, policy: ShopPolicy, calendar: BusinessCalendar, today: date,
                late_allowed: bool = False) -> ReturnOutcome:
    """What a return request comes to today: a refusal with its RETURN_* reason, or RETURN_CREATED with a
    new return code and the items in and out of it, for the shop service to record. `late_allowed`: an
    agent accepts it after the window closed; every other rule still holds."""
    last_day = return_window_last_day(order, policy, calendar)
    delivered = delivered_on(order, calendar)
    if late_allowed and last_day:
        today = min(today, last_day)  # judged as if today were the window's last day
    blocker = return_blocker(order, policy, calendar, today)
    if blocker == RETURN_ALREADY_REQUESTED:
        return ReturnOutcome(result=blocker, code=order.returns[0].code, last_day=last_day)
    if blocker:
        return ReturnOutcome(result=blocker, last_day=last_day, delivered_on=delivered)
    included, excluded = split_returnable(order, policy)
    return ReturnOutcome(result=RETURN_CREATED, code=f"ZW-{order.number}-{secrets.token_hex(2).upper()}",
                         included=included, excluded=excluded, last_day=last_day, delivered_on=delivered)


def is_late(order: OrderView, today: date) -> bool:
    shipment = order.shipment
    if order.status == "delayed":
        return True
    return bool(shipment and not shipment.delivered_at and shipment.promised_delivery_date < today)


def expected_delivery(order: OrderView, policy: ShopPolicy, calendar: BusinessCalendar, today: date) -> date | None:
    """When the parcel should arrive: the carrier's promise, or an estimate for unshipped paid orders."""
    if order.shipment:
        return order.shipment.promised_delivery_date
    paid_at = order.paid_at
    if paid_at is None or order.status in ("cancelled", "awaiting_payment"):
        return None
    method = policy.shipping.method(order.shipping_method)
    if method is None:  # a platform's method the policy does not list: no estimate rather than a wrong one
        return None
    transit = method.transit_days
    estimate = calendar.estimated_delivery(paid_at, transit)
    # An order still waiting in the warehouse after its planned dispatch leaves at the next business day.
    if estimate <= today:
        estimate = calendar.add_business_days(today, transit)
    return estimate


def diagnose_payment(order: OrderView) -> str:
    paid = [p for p in order.payments if p.status == "paid"]
    if any(p.status == "refunded" for p in order.payments) and not paid:
        return PAYMENT_REFUNDED
    if len(paid) > 1:
        return PAYMENT_DOUBLE_CHARGE
    if paid and order.status == "awaiting_payment":
        return PAYMENT_PAID_BUT_UNPAID
    if paid:
        return PAYMENT_OK
    if order.payments and order.payments[-1].status == "failed":
        return PAYMENT_FAILED
    return PAYMENT_AWAITING
