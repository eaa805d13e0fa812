"""Reads the handoff queue's state for the metrics' queue gauges (bot/observability/metrics.py)."""

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models.handoff import Agent, AgentStatus, Ticket, TicketKind, TicketStatus
from bot.observability.metrics import QUEUE, QueueState


def read_queue_state(sessions: sessionmaker[Session], wait_limit_minutes: Callable[[], float],
                     clock: Callable[[], datetime]) -> QueueState:
    """`wait_limit_minutes`: the limit in force (the console may change it while the gateway runs)."""
    now = clock()
    with sessions() as session:
        waiting = session.execute(select(Ticket.language, Ticket.kind, func.count())
                                  .where(Ticket.status == TicketStatus.QUEUED).group_by(Ticket.language, Ticket.kind))
        oldest = session.execute(select(Ticket.language, func.min(Ticket.created_at))
                                 .where(Ticket.status == TicketStatus.QUEUED, Ticket.kind == TicketKind.LIVE)
                                 .group_by(Ticket.language))
        available = session.scalars(select(Agent).where(Agent.status == AgentStatus.AVAILABLE))
        return QueueState(
            waiting={(language, kind.value): count for language, kind, count in waiting},
            oldest_wait_seconds={language: max(0.0, (now - _aware(since, now)).total_seconds())
                                 for language, since in oldest},
            agents_available=dict(Counter(language for agent in available for language in agent.language_list)),
            wait_limit_seconds=wait_limit_minutes() * 60.0,
        )


def _aware(moment: datetime, now: datetime) -> datetime:
    """min() over a column comes back without the column type's time zone on some databases."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)


def watch_queue(sessions: sessionmaker[Session], wait_limit_minutes: Callable[[], float],
                clock: Callable[[], datetime]) -> Callable[[], None]:
    """Serves this gateway's queue in /metrics; returns what stops it (when the gateway stops)."""
    read = partial(read_queue_state, sessions, wait_limit_minutes, clock)
    QUEUE.watch(read)
    return lambda: QUEUE.watch(None) if QUEUE.watching(read) else None
