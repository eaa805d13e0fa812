"""The audit log of work on customers' data, and the conversations already anonymised (with whether
the engine has forgotten them too)."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, string_enum, utcnow


class AuditLogEntry(Base):
    """Who did what to whose data and when; the details hold counts and ids, never personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "agent:<username>" in the console, "cli:<system user>" on the command line, "system:retention".
    actor: Mapped[str] = mapped_column(String(100))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AnonymisationReason(str, enum.Enum):
    ERASURE = "erasure"  # the customer asked
    RETENTION = "retention"  # older than the retention period


class AnonymisedConversation(Base):
    __tablename__ = "anonymised_conversations"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    reason: Mapped[AnonymisationReason] = mapped_column(string_enum(AnonymisationReason, 16))
    anonymised_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None until the engine has deleted its tracker: the next erasure or retention pass retries it.
    engine_forgotten_at: Mapped[datetime | None] = mapped_column(index=True)
