"""The trainers' audit log: every change a trainer makes is written here with who, what and when."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.models.review import AuditEntry


@dataclass(frozen=True)
class AuditView:
    when: datetime
    username: str
    display_name: str
    action: str
    details: dict[str, Any]


def record(session: Session, agent_id: int, action: str, details: dict[str, Any], now: datetime) -> None:
    """Adds one entry to the caller's unit of work, so the log and the change commit together."""
    session.add(AuditEntry(agent_id=agent_id, action=action, details=details, created_at=now))


def recent_entries(session: Session, limit: int = 200, action: str | None = None) -> list[AuditView]:
    query = select(AuditEntry).options(joinedload(AuditEntry.agent)).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return [AuditView(entry.created_at, entry.agent.username, entry.agent.display_name, entry.action, entry.details)
            for entry in session.scalars(query)]
