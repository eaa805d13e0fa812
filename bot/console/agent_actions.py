"""What an agent does for the customer from the ticket page, beyond a reply: a late return, a refund
or goodwill credit up to a limit, an invoice sent again, a new delivery address after dispatch
(bot/conversations/agent_actions.py does it)."""

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, status
from pydantic import BaseModel, Field, StringConstraints, model_validator

from bot.console.origin import console_router
from bot.console.permissions import AgentOrAdmin
from bot.console.routes import TicketId, refusing
from bot.conversations.agent_actions import (
    ActionKind,
    ActionRefused,
    ActionRequest,
    NotThisCustomersOrder,
    OverTheLimit,
)
from bot.deps import AgentActionsDep, require_json
from shop.order_views import NewAddress

router = console_router("/console/api/tickets", ["agent console"])

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class AddressIn(BaseModel):
    street: Line
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=16)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ActionIn(BaseModel):
    kind: Literal["late_return", "refund", "goodwill", "resend_invoice", "new_address"]
    order_number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z-]{1,16}$")]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)] = Field(
        description="Why: kept in the audit log with the action")
    key: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{8,40}$")] = Field(
        description="One per click: a second request with the same key does nothing again")
    amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2,
                                   description="Refunds and goodwill credits: how much, in the order's currency")
    address: AddressIn | None = Field(None, description="New addresses: where the parcel goes now")

    @model_validator(mode="after")
    def _what_the_kind_needs(self) -> "ActionIn":
        if self.kind in ("refund", "goodwill") and self.amount is None:
            raise ValueError("a refund or credit needs an amount")
        if self.kind == "new_address" and self.address is None:
            raise ValueError("a new address needs the street, postcode and city")
        return self

    def request(self) -> ActionRequest:
        address = NewAddress(self.address.street, self.address.postcode, self.address.city) if self.address else None
        return ActionRequest(ActionKind(self.kind), self.order_number, self.reason, self.key, self.amount, address)


@router.get("/{ticket_id}/actions")
async def limits(ticket_id: TicketId, actions: AgentActionsDep, agent: AgentOrAdmin) -> dict[str, Any]:
    """What the ticket page offers: the largest refund or credit an agent may give, by currency."""
    return {"kinds": [kind.value for kind in ActionKind],
            "credit_limits": {currency: str(limit) for currency, limit in actions.credit_limits.items()}}


@router.post("/{ticket_id}/actions", dependencies=[Depends(require_json)])
async def act(ticket_id: TicketId, body: ActionIn, actions: AgentActionsDep, agent: AgentOrAdmin) -> dict[str, Any]:
    """Does it for the customer of the ticket this agent holds, and tells them on their channel."""
    try:
        return await refusing(actions.act(ticket_id, agent.id, body.request()))
    except (OverTheLimit, NotThisCustomersOrder) as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(error)) from error
    except ActionRefused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
