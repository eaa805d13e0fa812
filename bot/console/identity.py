"""Unconfirmed identities on the ticket page: a conversation verified an order the verification guard
could not vouch for, so the customer's contact takes it in only when an agent confirms who they are."""

import asyncio

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from bot.api.deps import GatewayDep
from bot.console.origin import console_router
from bot.console.permissions import AgentOrAdmin
from bot.console.routes import TicketId, _refusing
from bot.conversations.identity import confirm_identity, identity_confirmed
from bot.gateway import Gateway
from bot.handoff.models import Agent
from bot.handoff.queue import HandoffQueue
from bot.persistence.database import unit_of_work

router = console_router("/console/api/tickets", ["agent console"])


class IdentityView(BaseModel):
    verified_order: str | None = Field(description="The order the conversation proved it knows, if any")
    confirmed: bool = Field(description="False while the conversation is not linked to that order's customer")


def _identity(gateway: Gateway, ticket_id: int, agent_id: int, confirm: bool) -> IdentityView:
    with unit_of_work(gateway.sessions) as session:
        conversation = HandoffQueue.ticket_for(session, ticket_id, session.get(Agent, agent_id)).conversation
        if confirm:
            if conversation.verified_order is None:
                raise HTTPException(status.HTTP_409_CONFLICT, "this conversation has verified no order")
            confirm_identity(session, conversation)
        return IdentityView(verified_order=conversation.verified_order,
                            confirmed=identity_confirmed(session, conversation))


@router.get("/{ticket_id}/identity")
async def identity(ticket_id: TicketId, gateway: GatewayDep, agent: AgentOrAdmin) -> IdentityView:
    return await _refusing(asyncio.to_thread(_identity, gateway, ticket_id, agent.id, False))


@router.post("/{ticket_id}/identity/confirm")
async def confirm(ticket_id: TicketId, gateway: GatewayDep, agent: AgentOrAdmin) -> IdentityView:
    """The agent is satisfied the customer owns the order they verified: their contacts become one."""
    return await _refusing(asyncio.to_thread(_identity, gateway, ticket_id, agent.id, True))
