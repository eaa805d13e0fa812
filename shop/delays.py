"""Late deliveries, as pure functions of an order snapshot, the shop calendar and a moment: the
promised date passed without delivery, no carrier event for some business days, a carrier
exception, or a paid order still in the warehouse after its promised dispatch date.

The shop keeps no stock levels, so an order "waiting for stock" is any paid order not yet handed to
the carrier after the day it should have left: the day the dispatch cut-off gives for the moment it
was paid (BusinessCalendar.dispatch_date), the same day the assistant promises customers.
"""

from dataclasses import dataclass
from datetime import date, datetime

from shop.calendar import BusinessCalendar
from shop.order_views import OrderView

# The causes (bot.models.notices.DelayCause has the same values), most telling first: an order
# late for several reasons at once is told the first one.
CARRIER_EXCEPTION = "carrier_exception"
PAST_EXPECTED_DATE = "past_expected_date"
NO_TRACKING = "no_tracking"
WAITING_FOR_STOCK = "waiting_for_stock"
CAUSES = (CARRIER_EXCEPTION, PAST_EXPECTED_DATE, NO_TRACKING, WAITING_FOR_STOCK)

# Tracking event codes (the policy file's tracking_events) that mean the carrier has a problem
# with the parcel, as opposed to moving it along.
CARRIER_EXCEPTION_CODES = frozenset({"delayed", "address_problem", "damaged", "returning_to_sender"})

# Orders that can be late: paid and not yet in the customer's hands.
WATCHED_STATUSES = ("paid", "packed", "shipped", "delayed")


@dataclass(frozen=True)
class Delay:
    cause: str
    # When the parcel should now arrive, when that is known: the carrier's promise while it still
    # lies ahead. None when nobody can say (a promise already broken, stock not yet in).
    new_expected_date: date | None
    event_code: str | None = None  # the carrier's exception event, for its wording


def promised_dispatch_date(order: OrderView, calendar: BusinessCalendar) -> date | None:
    """The day a paid order should leave the warehouse: the dispatch cut-off applied to its payment."""
    paid_at = order.paid_at
    return calendar.dispatch_date(paid_at) if paid_at is not None else None


def find_delays(order: OrderView, calendar: BusinessCalendar, now: datetime,
                quiet_business_days: int) -> list[Delay]:
    """Every way the order is late at `now`, most telling first; empty when it is on time.

    `quiet_business_days`: business days without a carrier event after which a parcel counts as stuck.
    """
    if order.status not in WATCHED_STATUSES:
        return []
    today = calendar.local_date(now)
    shipment = order.shipment
    if shipment is None:
        dispatch = promised_dispatch_date(order, calendar)
        late = order.status in ("paid", "packed") and dispatch is not None and dispatch < today
        return [Delay(WAITING_FOR_STOCK, None)] if late else []
    if shipment.delivered_at is not None:
        return []
    promise = shipment.promised_delivery_date
    still_promised = promise if promise >= today else None
    delays = []
    event = shipment.last_event
    if event is not None and event.code in CARRIER_EXCEPTION_CODES:
        delays.append(Delay(CARRIER_EXCEPTION, still_promised, event.code))
    if promise < today:
        delays.append(Delay(PAST_EXPECTED_DATE, None))
    last_heard = event.occurred_at if event is not None else shipment.shipped_at
    if calendar.business_days_between(calendar.local_date(last_heard), today) >= quiet_business_days:
        delays.append(Delay(NO_TRACKING, still_promised))
    return delays
