"""What an agent may do for a customer from the ticket page that the assistant may not: accept a return
after the window, refund or credit money up to a limit, send an invoice again, change the delivery
address after dispatch.

Each action is one click with a reason, by the agent holding the ticket, on an order of that ticket's
customer. It goes through the shop service, is written to the audit log with the reason, and is
confirmed to the customer in their conversation as the agent's message, so it reaches them on their
channel in their language. A click's key makes a second request with the same key a no-op.
"""

import asyncio
import contextlib
import enum
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.replies import SystemReplies
from bot.conversations.views import message_view
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Author, Conversation
from bot.models.handoff import Agent, Ticket
from bot.models.privacy import AuditLogEntry
from db.sessions import read, write
from shop import rules
from shop.order_views import NewAddress, OrderView
from shop.platforms.transport import ShopUnavailable
from shop.service import (
    ALREADY_CANCELLED,
    ALREADY_DELIVERED,
    DONE,
    MORE_THAN_PAID,
    NEEDS_PERSON,
    NO_INVOICE,
    NOTHING_PAID,
    UNKNOWN_ORDER,
    ShopService,
)
from text import formatting

# How far back a click's key is looked for among the agent's own audit entries.
KEYS_REMEMBERED = 50


class ActionKind(str, enum.Enum):
    LATE_RETURN = "late_return"  # a return accepted after the return window closed
    REFUND = "refund"  # money back the way the order was paid
    GOODWILL = "goodwill"  # a store credit, by way of apology
    RESEND_INVOICE = "resend_invoice"
    NEW_ADDRESS = "new_address"  # a new delivery address, also after dispatch

    @property
    def audit_action(self) -> str:
        return f"agent_{self.value}"


@dataclass(frozen=True)
class ActionRequest:
    kind: ActionKind
    order_number: str
    reason: str
    key: str  # one per click: the same key twice is one action
    amount: Decimal | None = None  # refunds and credits
    address: NewAddress | None = None  # new addresses


class ActionRefused(ValueError):
    """Nothing was done: the shop's rules do not allow it (the order's state), said in words for the agent."""


class OverTheLimit(PermissionError):
    """The amount is more than an agent may refund or credit on their own."""


class NotThisCustomersOrder(PermissionError):
    """The order belongs to someone other than the ticket's customer (as far as the ticket knows)."""


# What the shop's refusals mean, for the agent.
REFUSALS = {
    UNKNOWN_ORDER: "the shop has no order {order}",
    ALREADY_CANCELLED: "order {order} is cancelled",
    ALREADY_DELIVERED: "order {order} has been delivered: its address can no longer change",
    NOTHING_PAID: "nothing was paid for order {order}, so there is nothing to refund",
    MORE_THAN_PAID: "only {left} paid for order {order} is left to refund",
    NO_INVOICE: "order {order} has no invoice yet",
    NEEDS_PERSON: "the shop's platform cannot do this through its API: do it for order {order} in the shop's own "
                  "panel",
    rules.RETURN_ALREADY_REQUESTED: "a return of order {order} is already open ({code})",
    rules.RETURN_NOT_DELIVERED: "order {order} has not been delivered yet: there is nothing to return",
    rules.RETURN_CANCELLED: "order {order} is cancelled: there is nothing to return",
    rules.RETURN_ALREADY_REFUNDED: "order {order} has been refunded already",
    rules.RETURN_NOTHING_RETURNABLE: "nothing in order {order} can be returned",
}


class AgentActions:
    def __init__(self, sessions: sessionmaker[Session], queue: HandoffQueue, replies: SystemReplies,
                 delivery: Delivery, shop: ShopService, credit_limits: dict[str, Decimal],
                 clock: Callable[[], datetime]) -> None:
        """`credit_limits`: the most an agent may refund or credit in one action, by currency; nothing in
        a currency not listed."""
        self._sessions = sessions
        self._queue = queue
        self._replies = replies
        self._delivery = delivery
        self._shop = shop
        self.credit_limits = credit_limits
        self._clock = clock
        self._locks: dict[int, asyncio.Lock] = {}
        self._lock_users: dict[int, int] = defaultdict(int)

    async def act(self, ticket_id: int, agent_id: int, request: ActionRequest) -> dict[str, Any]:
        """Does what the agent asked and tells the customer; raises TicketUnavailable (not their ticket),
        NotThisCustomersOrder, OverTheLimit or ActionRefused and does nothing when it may not be done."""
        async with self._one_at_a_time(ticket_id):  # a double click waits, then finds its key done
            earlier = await read(self._sessions, lambda session: self._check(session, ticket_id, agent_id, request))
            if earlier is not None:
                return {"action": earlier, "message": None, "repeated": True}
            try:
                order = await asyncio.to_thread(self._shop.get_order, request.order_number)
                if order is None:
                    raise ActionRefused(REFUSALS[UNKNOWN_ORDER].format(order=request.order_number))
                await read(self._sessions, lambda session: self._check_order(session, ticket_id, order))
                self._check_limit(request, order)
                done = await asyncio.to_thread(self._in_shop, request, order)
            except ShopUnavailable:
                # Sending the same request again is safe: a refund's key is never paid twice.
                raise ActionRefused("the shop's platform is not answering: try again in a moment") from None
            conversation, view, summary = await write(
                self._sessions, lambda session: self._record(session, ticket_id, agent_id, request, done))
        await self._delivery.deliver(conversation.id, conversation.channel, [view])
        return {"action": summary, "message": view, "repeated": False}

    # --- before ---------------------------------------------------------------------------------
    def _check(self, session: Session, ticket_id: int, agent_id: int, request: ActionRequest) -> dict[str, Any] | None:
        """The ticket is this agent's; returns what an earlier request with the same key did, if any."""
        self._queue.held_by(session, ticket_id, session.get(Agent, agent_id))
        recent = session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.agent_id == agent_id,
                                        AuditLogEntry.action == request.kind.audit_action)
            .order_by(AuditLogEntry.id.desc()).limit(KEYS_REMEMBERED))
        return next((entry.details for entry in recent
                     if entry.details.get("key") == request.key and entry.details.get("ticket") == ticket_id), None)

    def _check_order(self, session: Session, ticket_id: int, order: OrderView) -> None:
        ticket = session.get(Ticket, ticket_id)
        contact = ticket.conversation.contact
        customers = (contact is not None and order.customer_id is not None
                     and contact.shop_customer_id == order.customer_id)
        verified = ticket.order_verified and ticket.order_number == order.number
        if not (customers or verified):
            raise NotThisCustomersOrder(f"order {order.number} is not one of this ticket's customer's orders")

    def _check_limit(self, request: ActionRequest, order: OrderView) -> None:
        if request.kind not in (ActionKind.REFUND, ActionKind.GOODWILL):
            return
        limit = self.credit_limits.get(order.currency.upper())
        if limit is None:
            raise OverTheLimit(f"agents may not refund or credit {order.currency} from the console: ask an admin "
                               "to do it in the shop")
        if request.amount > limit:
            raise OverTheLimit(f"{_amount(request.amount)} {order.currency} is over the agents' limit of "
                               f"{_amount(limit)} {order.currency}: ask an admin to do it in the shop")

    # --- in the shop ----------------------------------------------------------------------------
    def _in_shop(self, request: ActionRequest, order: OrderView) -> dict[str, Any]:
        """Does it through the shop service; returns what the customer is told (and the audit log keeps)."""
        number = order.number
        if request.kind == ActionKind.LATE_RETURN:
            outcome = self._shop.approve_late_return(number)
            if outcome.result != rules.RETURN_CREATED:
                _refuse(outcome.result, order=number, code=outcome.code)
            return {"code": outcome.code}
        if request.kind in (ActionKind.REFUND, ActionKind.GOODWILL):
            refund = self._shop.issue_refund(number, request.amount, goodwill=request.kind == ActionKind.GOODWILL,
                                             reference=f"agent:{request.key}")
            if refund.result != DONE:
                _refuse(refund.result, order=number, left=f"{_amount(refund.amount)} {refund.currency}")
            return {"amount": _amount(refund.amount), "currency": refund.currency, "method": refund.method}
        if request.kind == ActionKind.RESEND_INVOICE:
            invoice = self._shop.resend_invoice(number)
            if invoice.result != DONE:
                _refuse(invoice.result, order=number)
            return {"invoice": invoice.number, "email": invoice.email}
        result = self._shop.redirect_parcel(number, request.address)
        if result != DONE:
            _refuse(result, order=number)
        return {"address": request.address}

    # --- after ----------------------------------------------------------------------------------
    def _record(self, session: Session, ticket_id: int, agent_id: int, request: ActionRequest,
                done: dict[str, Any]) -> tuple[Conversation, dict[str, Any], dict[str, Any]]:
        agent = session.get(Agent, agent_id)
        conversation = self._queue.ticket_for(session, ticket_id, agent).conversation
        now = self._clock()
        language = conversation.language
        values: dict[str, Any] = {"order": request.order_number, **done}
        if "amount" in done:
            values["amount"] = formatting.money(Decimal(done["amount"]), done["currency"], language)
        if "address" in done:
            address = done["address"]
            values["address"] = f"{address.street}, {address.postcode} {address.city}"
        text = self._replies.texts.say(f"agent_{request.kind.value}", language, channel=conversation.channel.value,
                                       **values)
        message = self._replies.outbound(session, conversation, Author.AGENT, text, None, now, agent_id=agent_id)
        # The log keeps ids, amounts and the agent's reason; the customer's e-mail and address stay out.
        summary = {"kind": request.kind.value, "ticket": ticket_id, "conversation": conversation.id,
                   "order": request.order_number, "reason": request.reason, "key": request.key,
                   **{name: value for name, value in done.items() if name not in ("email", "address")}}
        session.add(AuditLogEntry(actor=f"agent:{agent.username}", agent_id=agent_id, action=request.kind.audit_action,
                                  details=summary, created_at=now))
        session.flush()
        session.refresh(message, ["agent"])
        return conversation, message_view(message), summary

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self, ticket_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(ticket_id, asyncio.Lock())
        self._lock_users[ticket_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[ticket_id] -= 1
            if not self._lock_users[ticket_id]:
                del self._lock_users[ticket_id], self._locks[ticket_id]


def _refuse(result: str, **values: Any) -> None:
    raise ActionRefused(REFUSALS.get(result, "the shop refused: " + result).format(**values))


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))
