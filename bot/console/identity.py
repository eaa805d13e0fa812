"""Unconfirmed identities on the ticket page: a conversation verified an order the verification guard
could not vouch for, so the customer's contact takes it in only when an agent confirms who they are."""

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from bot.console.origin import console_router
from bot.console.permissions import AgentOrAdmin
from bot.console.routes import TicketId, refusing
from bot.conversations.desk import IdentityCheck, NothingToConfirm
from bot.deps import DeskDep

router = console_router("/console/api/tickets", ["agent console"])


class IdentityView(BaseModel):
    verified_order: str | None = Field(description="The order the conversation proved it knows, if any")
    confirmed: bool = Field(description="False while the conversation is not linked to that order's customer")
    suggested_customer: str | None = Field(None, description="A shop customer whose e-mail or phone the "
                                                             "conversation comes from, unproven: confirm to link")

    @classmethod
    def of(cls, check: IdentityCheck) -> "IdentityView":
        return cls(verified_order=check.verified_order, confirmed=check.confirmed,
                   suggested_customer=check.suggested_customer)


@router.get("/{ticket_id}/identity")
async def identity(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> IdentityView:
    return IdentityView.of(await refusing(desk.identity(ticket_id, agent.id)))


@router.post("/{ticket_id}/identity/confirm")
async def confirm(ticket_id: TicketId, desk: DeskDep, agent: AgentOrAdmin) -> IdentityView:
    """The agent is satisfied the customer owns the order they verified, or is the suggested
    customer: their contacts become one."""
    try:
        return IdentityView.of(await refusing(desk.identity(ticket_id, agent.id, confirm=True)))
    except NothingToConfirm as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
