"""Answers about one verified order: status, return, refund, cancellation, address, payment, invoice.

The verification form runs first for every such request; this action then answers the
request the customer made (slot `pending_request`, set from the intent).
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import answers_when_shop_is_down, hand_off, platform_cannot
from actions.shop_access import language, shop
from actions.verification import HANDOFF_REASONS, current_refusal, verified_order
from shop import rules
from shop.order_views import OrderView
from shop.service import NEEDS_PERSON
from text import formatting as fmt
from text.plurals import Case, counted


class ActionAnswerOrderRequest(Action):
    def name(self) -> str:
        return "action_answer_order_request"

    @answers_when_shop_is_down
    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        order_number = verified_order(tracker)
        if order_number is None:
            # Closed verification stays closed: nothing is reset, so a handoff never buys more guesses.
            refusal = current_refusal(tracker)
            if refusal is not None:
                hand_off(dispatcher, tracker, HANDOFF_REASONS[refusal], response="utter_verification_handoff")
            return []
        order = shop().get_order(order_number)
        if order is None:
            return []
        handler = HANDLERS.get(tracker.get_slot("pending_request") or "order_status", order_status)
        return handler(OrderContext(dispatcher, tracker, order))


class OrderContext:
    """What every handler needs: where to speak, in which language, about which order."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: OrderView) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.order = order
        self.lang = language(tracker)
        self.shop = shop()
        self.today = self.shop.calendar.local_date(self.shop.now())

    def say(self, response: str, **values: Any) -> None:
        self.dispatcher.utter_message(response=response, order_id=self.order.number, **values)

    def money(self, amount) -> str:
        return fmt.money(amount, self.order.currency, self.lang)

    def day(self, value) -> str:
        """A date standing alone (after a colon, in brackets): "wtorek, 8 grudnia"."""
        return fmt.day(value, self.lang)

    def on_day(self, value) -> str:
        """"w poniedziałek, 7 grudnia" / "on Monday 7 December"."""
        return fmt.on_day(value, self.lang)

    def by_day(self, value) -> str:
        """"do piątku, 18 grudnia" / "by Friday 18 December"."""
        return fmt.by_day(value, self.lang)

    def counted(self, count: int, noun: str, case: Case = "nominative") -> str:
        return counted(count, noun, self.lang, case)

    def moment(self, value) -> str:
        return fmt.moment(value, self.lang, self.shop.calendar.zone)

    def text(self, table: dict, key: str) -> str:
        entry = table.get(key)
        return entry.in_(self.lang) if entry else key

    def items(self, items) -> str:
        return fmt.listing([item.name for item in items], self.lang)


def order_status(ctx: OrderContext) -> list[dict[str, Any]]:
    order, policy = ctx.order, ctx.shop.policy
    shipment = order.shipment
    if order.status == "awaiting_payment":
        ctx.say("utter_order_status_awaiting_payment", total=ctx.money(order.total))
        return []
    if order.status == "cancelled":
        ctx.say("utter_order_status_cancelled")
        return []
    if order.status in ("return_requested", "refunded") and order.returns:
        ctx.say(f"utter_order_status_{order.status}", return_code=order.returns[-1].code)
        return []
    if shipment is None:
        expected = rules.expected_delivery(order, policy, ctx.shop.calendar, ctx.today)
        method = policy.shipping.method(order.shipping_method)
        stage = "packed" if order.status == "packed" else "paid"
        ctx.say(f"utter_order_status_{stage}", delivery_date=ctx.day(expected) if expected else "",
                method=method.name.in_(ctx.lang) if method else order.shipping_method)
        return []
    event = shipment.last_event
    values = dict(
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        last_event=ctx.text(policy.tracking_events, event.code) if event else "",
        event_time=ctx.moment(event.occurred_at) if event else "",
        event_location=event.location if event else "",
    )
    if shipment.delivered_at:
        ctx.say("utter_order_status_delivered", delivered_date=ctx.moment(shipment.delivered_at), **values)
        return []
    # A platform may know the parcel but no carrier event of it yet: then there is no latest update to tell.
    untracked = "" if event else "_untracked"
    if rules.is_late(order, ctx.today):
        ctx.say(f"utter_order_status_late{untracked}", promised_date=ctx.on_day(shipment.promised_delivery_date),
                **values)
        return [SlotSet("pending_confirmation", "handoff"), SlotSet("handoff_reason", "late_delivery")]
    ctx.say(f"utter_order_status_shipped{untracked}", delivery_date=ctx.day(shipment.promised_delivery_date),
            **values)
    return []


def start_return(ctx: OrderContext) -> list[dict[str, Any]]:
    outcome = ctx.shop.start_return(ctx.order.number)
    policy = ctx.shop.policy
    if outcome.result == rules.RETURN_CREATED:
        ctx.say("utter_return_created", return_code=outcome.code, items=ctx.items(outcome.included),
                last_day=ctx.by_day(outcome.last_day), return_shipping=policy.returns.return_shipping.in_(ctx.lang))
        if outcome.excluded:
            ctx.say("utter_return_items_excluded", items=ctx.items(outcome.excluded))
        return []
    if outcome.result == NEEDS_PERSON:
        platform_cannot(ctx.dispatcher, ctx.tracker, ctx.order.number, "start_return")
        return []
    blocked = [ctx.text(policy.categories, c) for c in policy.returns.non_returnable_categories]
    ctx.say(f"utter_return_{outcome.result}",
            return_code=outcome.code or "",
            window_days=ctx.counted(policy.returns.window_days, "day", "genitive"),
            delivered_date=ctx.day(outcome.delivered_on) if outcome.delivered_on else "",
            last_day=ctx.by_day(outcome.last_day) if outcome.last_day else "",
            items=ctx.items(ctx.order.items),
            categories=fmt.listing(blocked, ctx.lang))
    return []


def refund_status(ctx: OrderContext) -> list[dict[str, Any]]:
    order, policy = ctx.order, ctx.shop.policy
    refund = order.refunds[-1] if order.refunds else None
    method = ctx.text(policy.payment_methods, refund.method) if refund else ""
    if refund and refund.sent_at:
        ctx.say("utter_refund_sent", amount=ctx.money(refund.amount), sent_date=ctx.on_day(ctx.shop.calendar.local_date(refund.sent_at)), method=method)
    elif refund:
        due = ctx.shop.calendar.add_business_days(ctx.shop.calendar.local_date(refund.created_at), policy.returns.refund_processing_days)
        ctx.say("utter_refund_pending", amount=ctx.money(refund.amount), due_date=ctx.on_day(max(due, ctx.today)), method=method)
    elif order.returns:
        ctx.say("utter_refund_awaiting_return", return_code=order.returns[-1].code, refund_days=ctx.counted(policy.returns.refund_processing_days, "business_day", "genitive"))
    else:
        ctx.say("utter_refund_none")
    return []


def cancel_order(ctx: OrderContext) -> list[dict[str, Any]]:
    order = ctx.order
    if order.status == "cancelled":
        ctx.say("utter_cancel_already_cancelled")
        return []
    if order.status not in ("awaiting_payment", "paid", "packed"):
        ctx.say("utter_cancel_too_late", window_days=ctx.counted(ctx.shop.policy.returns.window_days, "day", "genitive"))
        return []
    ctx.say("utter_confirm_cancel", items=ctx.items(order.items), total=ctx.money(order.total))
    return [SlotSet("pending_confirmation", "cancel_order")]


def change_address(ctx: OrderContext) -> list[dict[str, Any]]:
    order = ctx.order
    if order.status in ("awaiting_payment", "paid", "packed"):
        return [SlotSet("next_step", "ask_new_address")]
    if order.status == "cancelled":
        ctx.say("utter_cancel_already_cancelled")
        return []
    shipment = order.shipment
    ctx.say("utter_address_too_late", carrier=shipment.carrier if shipment else "",
            tracking_number=shipment.tracking_number if shipment else "")
    return []


def payment_problem(ctx: OrderContext) -> list[dict[str, Any]]:
    order, policy = ctx.order, ctx.shop.policy
    diagnosis = rules.diagnose_payment(order)
    last = order.payments[-1] if order.payments else None
    values = dict(amount=ctx.money(order.total),
                  method=ctx.text(policy.payment_methods, last.method) if last else "",
                  reason=ctx.text(policy.payment_failures, last.failure_reason or "unknown") if last else "",
                  paid_date=ctx.moment(last.created_at) if last else "",
                  pay_by=ctx.by_day(ctx.shop.calendar.add_business_days(ctx.shop.calendar.local_date(order.placed_at), 3)),
                  pay_url=f"{policy.shop.website}/zamowienie/{order.number}/platnosc")
    if diagnosis in (rules.PAYMENT_DOUBLE_CHARGE, rules.PAYMENT_PAID_BUT_UNPAID):
        ctx.say(f"utter_payment_{diagnosis}", **values)
        hand_off(ctx.dispatcher, ctx.tracker, "payment_problem", diagnosis=diagnosis,
                 payments=len(order.payments), amount=order.total, currency=order.currency)
        return []
    ctx.say(f"utter_payment_{diagnosis}", **values)
    return []


def get_invoice(ctx: OrderContext) -> list[dict[str, Any]]:
    order, policy = ctx.order, ctx.shop.policy
    if order.invoices:
        invoice = order.invoices[-1]
        ctx.say("utter_invoice_available", invoice_number=invoice.number,
                issued_date=ctx.on_day(ctx.shop.calendar.local_date(invoice.issued_at)),
                url=policy.invoices.download_url.format(number=invoice.number.replace("/", "-")))
    elif order.status == "cancelled":
        ctx.say("utter_invoice_cancelled")
    else:
        ctx.say("utter_invoice_pending")
    return []


HANDLERS = {
    "order_status": order_status,
    "start_return": start_return,
    "refund_status": refund_status,
    "cancel_order": cancel_order,
    "change_address": change_address,
    "payment_problem": payment_problem,
    "get_invoice": get_invoice,
}
