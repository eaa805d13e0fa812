"""The audit log: who exported or erased whose data, and what the retention pass anonymised.

Entries hold counts and record ids only, never the data itself or the address that was searched
for, so the log can be kept as long as the shop must prove what it did.
"""

import getpass
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.privacy import AuditLogEntry


@dataclass(frozen=True)
class Actor:
    name: str
    agent_id: int | None = None

    @classmethod
    def agent(cls, agent_id: int, username: str) -> "Actor":
        return cls(f"agent:{username}", agent_id)

    @classmethod
    def command_line(cls) -> "Actor":
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # a container's uid with no name
            user = f"uid {os.getuid()}"
        return cls(f"cli:{user}")


RETENTION = Actor("system:retention")


def record(session: Session, actor: Actor, action: str, details: dict[str, Any], now: datetime) -> None:
    """Adds one entry to the caller's unit of work, so the log commits with the change it describes."""
    session.add(AuditLogEntry(actor=actor.name, agent_id=actor.agent_id, action=action, details=details,
                              created_at=now))


def recent(session: Session, limit: int = 50) -> list[AuditLogEntry]:
    return list(session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id.desc()).limit(limit)))
