"""The shop owner's settings in the database: read a section, save it with one audit entry per
changed field. Functions take the caller's session and never commit."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.owner_settings import SettingChange, ShopSetting, stored

__all__ = ["Actor", "audit", "recent_changes", "save", "stored"]


@dataclass(frozen=True)
class Actor:
    """Who changes a setting: the console agent, named as they were at the time."""

    agent_id: int | None
    name: str


def save(session: Session, section: str, value: dict[str, Any], shown: dict[str, str],
         shown_before: dict[str, str], actor: Actor, now: datetime) -> list[SettingChange]:
    """Stores the section and audits every field whose shown value changed (`shown` and
    `shown_before`: the fields as the console words them, e.g. {"mon": "08:00–20:00"})."""
    row = session.get(ShopSetting, section)
    if row is None:
        session.add(ShopSetting(section=section, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    changes = audit(session, section, shown, shown_before, actor, now)
    session.flush()
    return changes


def audit(session: Session, section: str, shown: dict[str, str], shown_before: dict[str, str], actor: Actor,
          now: datetime) -> list[SettingChange]:
    changes = [SettingChange(section=section, field=field, old_value=shown_before.get(field, ""), new_value=new,
                             agent_id=actor.agent_id, actor=actor.name, changed_at=now)
               for field, new in shown.items() if shown_before.get(field, "") != new]
    session.add_all(changes)
    return changes


def recent_changes(session: Session, sections: tuple[str, ...] | None = None, limit: int = 50) -> list[SettingChange]:
    query = select(SettingChange)
    if sections is not None:
        query = query.where(SettingChange.section.in_(sections))
    return list(session.scalars(query.order_by(SettingChange.changed_at.desc(), SettingChange.id.desc()).limit(limit)))
