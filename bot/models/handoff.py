"""Agents, their log-in sessions and failed log-ins, handoff tickets and the agents' internal notes on them."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.conversation import Channel, Conversation
from db.base import Base, string_enum, utcnow


class AgentStatus(str, enum.Enum):
    AVAILABLE = "available"
    AWAY = "away"


class AgentRole(str, enum.Enum):
    AGENT = "agent"
    ADMIN = "admin"
    TRAINER = "trainer"  # teaches the assistant from real conversations (the review inbox)
    SUPERVISOR = "supervisor"  # watches how service is going (the analytics dashboard)


class TicketKind(str, enum.Enum):
    LIVE = "live"  # the customer waits in the chat for a person
    MESSAGE = "message"  # the customer left a message; a person replies later
    CALLBACK = "callback"  # the customer asked to be phoned back


class TicketStatus(str, enum.Enum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned"  # handed back to the assistant


PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
OPEN_STATUSES = (TicketStatus.QUEUED, TicketStatus.CLAIMED)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Comma-separated language codes the agent can answer in, e.g. "pl,en".
    languages: Mapped[str] = mapped_column(String(32))
    role: Mapped[AgentRole] = mapped_column(string_enum(AgentRole, 16), default=AgentRole.AGENT)
    status: Mapped[AgentStatus] = mapped_column(string_enum(AgentStatus, 16), default=AgentStatus.AWAY)
    # A deactivated agent cannot log in; the account stays because tickets and notes name it.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    agent: Mapped[Agent] = relationship()


class PasswordLink(Base):
    """A one-time link to set an invited agent's first password or a new one after a reset; only the
    token's SHA-256 is stored."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    agent: Mapped[Agent] = relationship()


class LoginFailure(Base):
    """A failed console log-in; enough of them lock the username or the address for a while."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_username_failed_at", "username", "failed_at"),
                      Index("ix_login_failures_address_failed_at", "address", "failed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # As typed, unknown usernames included, so a lock does not reveal which accounts exist.
    username: Mapped[str] = mapped_column(String(64))
    # The client's IP address (an IPv6 client's /64 network, which one machine usually holds whole).
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(index=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_priority", "status", "priority_rank", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[TicketKind] = mapped_column(string_enum(TicketKind, 16))
    status: Mapped[TicketStatus] = mapped_column(string_enum(TicketStatus, 16), default=TicketStatus.QUEUED)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))
    priority_rank: Mapped[int]
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 16))
    summary: Mapped[str] = mapped_column(Text, default="")
    order_number: Mapped[str | None] = mapped_column(String(16))
    order_verified: Mapped[bool] = mapped_column(default=False)
    shop_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    # How to reach the customer for a message or call-back: e-mail or phone number.
    contact_details: Mapped[str | None] = mapped_column(String(254))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    # A returning customer's ticket waits for the agent who last served them until offered_until.
    offered_to_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    offered_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship()
    agent: Mapped[Agent | None] = relationship(foreign_keys=[agent_id])
    notes: Mapped[list["TicketNote"]] = relationship(back_populates="ticket", order_by="TicketNote.id")


class TicketNote(Base):
    """An agent's internal note: never shown to the customer."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="notes")
    agent: Mapped[Agent] = relationship()
