"""The retention period: conversations idle for longer than it are anonymised (texts, addresses,
contact links, ticket summaries and notes; contacts left without conversations) while the counts
analytics needs stay; then the engine forgets them. Run daily by the gateway and by
`koliber privacy retention`."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models.conversation import Conversation
from bot.models.privacy import AnonymisationReason, AnonymisedConversation
from bot.privacy import audit
from bot.privacy.anonymise import Forget, anonymise_conversations, forget_in_engine
from db.sessions import unit_of_work

BATCH = 500  # conversations per transaction: a first run on years of history holds no long lock


@dataclass(frozen=True)
class RetentionPass:
    cutoff: datetime
    anonymised: int
    engine_pending: list[str]


def apply_retention(sessions: sessionmaker[Session], retention_days: int, forget: Forget,
                    clock: Callable[[], datetime], actor: audit.Actor = audit.RETENTION) -> RetentionPass:
    now = clock()
    cutoff = now - timedelta(days=retention_days)
    anonymised = 0
    while True:
        with unit_of_work(sessions) as session:
            expired = list(session.scalars(
                select(Conversation.id)
                .where(Conversation.last_activity_at < cutoff,
                       ~exists().where(AnonymisedConversation.conversation_id == Conversation.id))
                .order_by(Conversation.last_activity_at).limit(BATCH)))
            if not expired:
                break
            anonymised += anonymise_conversations(session, expired, AnonymisationReason.RETENTION, now)
    if anonymised:
        with unit_of_work(sessions) as session:
            audit.record(session, actor, "retention", {"anonymised_conversations": anonymised,
                                                       "retention_days": retention_days,
                                                       "cutoff": cutoff.isoformat()}, now)
    return RetentionPass(cutoff, anonymised, forget_in_engine(sessions, actor, forget, clock))
