"""What trainers decided about the review inbox's messages, and the audit log of everything they did."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.handoff import Agent
from db.base import Base, string_enum, utcnow


class ReviewAction(str, enum.Enum):
    LABELLED = "labelled"  # the example went into the training data
    DISMISSED = "dismissed"  # nothing to learn from it


class ReviewDecision(Base):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One decision per message: the unique constraint is what stops two trainers deciding it twice.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    action: Mapped[ReviewAction] = mapped_column(string_enum(ReviewAction, 16))
    intent: Mapped[str | None] = mapped_column(String(64))
    # The example as written to the training data, annotations included (placeholders for personal data).
    example: Mapped[str | None] = mapped_column(Text)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    target_file: Mapped[str | None] = mapped_column(String(255))  # relative to the NLU data folder
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    agent: Mapped[Agent] = relationship()


class AuditEntry(Base):
    """One thing a trainer did: who, what, when, and the details needed to retrace it."""

    __tablename__ = "trainer_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    agent: Mapped[Agent] = relationship()
