"""The human queue: opening tickets, places and waiting times, claiming and closing.

Functions take the caller's session and never commit: the caller's unit of work does.
A claim is one conditional UPDATE, so two agents can never claim the same ticket.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from bot.handoff.hours import HandoffConfig, WorkingHours
from bot.models.conversation import Conversation, ConversationState
from bot.models.handoff import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    Agent,
    AgentRole,
    AgentStatus,
    Ticket,
    TicketKind,
    TicketStatus,
)
from bot.observability import metrics

# A customer unhappy with how they were served (a low CSAT score, bot/conversations/satisfaction.py; an NPS
# detractor, bot/surveys/results.py) is not offered back to the agent who served them first.
NOT_FOR_THE_SAME_AGENT = frozenset({"low_csat", "survey_detractor"})


class TicketUnavailable(RuntimeError):
    """The ticket was claimed or closed by someone else, or is not this agent's."""


class TicketNotFound(TicketUnavailable):
    """No ticket has this id."""


class TicketForbidden(PermissionError):
    """The ticket is in a language the agent does not answer in."""


@dataclass(frozen=True)
class Availability:
    """Whether a person could answer a new live chat in `language` soon."""

    live: bool
    open_now: bool
    agents_available: int
    wait_minutes: int | None
    next_open: datetime | None


@dataclass(frozen=True)
class QueuePlace:
    position: int
    wait_minutes: int | None


class HandoffQueue:
    def __init__(self, config: HandoffConfig | Callable[[], HandoffConfig],
                 same_agent_wait: timedelta = timedelta(0)) -> None:
        """`config`: fixed, or a callable giving the settings in force now (the console may change them
        while the gateway runs). `same_agent_wait`: how long a returning customer's new ticket waits for
        the agent who last served them (nothing waits when it is zero)."""
        self._current_config = config if callable(config) else (lambda: config)
        self._hours: tuple[HandoffConfig, WorkingHours] | None = None
        self.same_agent_wait = same_agent_wait

    @property
    def config(self) -> HandoffConfig:
        return self._current_config()

    @property
    def hours(self) -> WorkingHours:
        config, known = self.config, self._hours
        if known is None or known[0] is not config:  # built once per version of the settings
            known = (config, WorkingHours(config))
            self._hours = known
        return known[1]

    # --- opening -------------------------------------------------------------------------
    def open_ticket(self, session: Session, conversation: Conversation, *, kind: TicketKind, reason: str,
                    priority: str, now: datetime, summary: str = "", order_number: str | None = None,
                    order_verified: bool = False, shop_customer_id: int | None = None,
                    contact_details: str | None = None) -> Ticket:
        ticket = Ticket(
            conversation_id=conversation.id, kind=kind, reason=reason, priority=priority,
            priority_rank=PRIORITY_RANK[priority], language=conversation.language, channel=conversation.channel,
            summary=summary, order_number=order_number, order_verified=order_verified,
            shop_customer_id=shop_customer_id, contact_details=contact_details, created_at=now,
        )
        session.add(ticket)
        metrics.HANDOFFS.labels(reason=reason, kind=kind.value).inc()
        if kind == TicketKind.LIVE:
            conversation.state = ConversationState.QUEUED
        session.flush()
        self._offer_to_last_agent(session, ticket, now)
        return ticket

    def _offer_to_last_agent(self, session: Session, ticket: Ticket, now: datetime) -> None:
        """A returning customer's ticket waits first for the agent who last served them, if that agent
        is at work now and answers in the ticket's language; everyone else sees it once the wait is over."""
        if self.same_agent_wait <= timedelta(0) or ticket.reason in NOT_FOR_THE_SAME_AGENT:
            return
        agent = self.last_agent_of(session, ticket)
        if agent is not None and agent.status == AgentStatus.AVAILABLE and self.handles(agent, ticket.language):
            ticket.offered_to_agent_id = agent.id
            ticket.offered_until = now + self.same_agent_wait

    @staticmethod
    def last_agent_of(session: Session, ticket: Ticket) -> Agent | None:
        """The agent who claimed this customer's latest earlier ticket: the same contact, or the same
        channel and address when the conversation is linked to no contact."""
        conversation = ticket.conversation
        if conversation.contact_id is not None:
            same_customer = Conversation.contact_id == conversation.contact_id
        elif conversation.address:
            same_customer = ((Conversation.channel == conversation.channel)
                             & (Conversation.address == conversation.address))
        else:
            same_customer = Conversation.id == conversation.id
        return session.scalar(
            select(Agent).join(Ticket, Ticket.agent_id == Agent.id)
            .join(Conversation, Ticket.conversation_id == Conversation.id)
            .where(same_customer, Ticket.id != ticket.id, Ticket.status != TicketStatus.QUEUED)
            .order_by(Ticket.claimed_at.desc(), Ticket.id.desc()).limit(1))

    @staticmethod
    def open_ticket_of(session: Session, conversation_id: str) -> Ticket | None:
        return session.scalar(
            select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.id.desc()).limit(1)
        )

    # --- places and waiting times --------------------------------------------------------
    @staticmethod
    def available_agents(session: Session, language: str) -> int:
        return session.scalar(
            select(func.count()).select_from(Agent)
            .where(Agent.status == AgentStatus.AVAILABLE, Agent.languages.contains(language))
        ) or 0

    @staticmethod
    def _waiting_live(session: Session, language: str | None = None) -> list[Ticket]:
        query = select(Ticket).where(Ticket.status == TicketStatus.QUEUED, Ticket.kind == TicketKind.LIVE)
        if language:
            query = query.where(Ticket.language == language)
        return list(session.scalars(query.order_by(Ticket.priority_rank.desc(), Ticket.created_at, Ticket.id)))

    def _wait_for(self, position: int, agents: int) -> int | None:
        if agents == 0:
            return None
        return max(1, math.ceil(math.ceil(position / agents) * self.config.average_handling_minutes))

    def place_of(self, session: Session, ticket: Ticket) -> QueuePlace | None:
        if ticket.status != TicketStatus.QUEUED or ticket.kind != TicketKind.LIVE:
            return None
        waiting = self._waiting_live(session, ticket.language)
        position = next((i for i, t in enumerate(waiting, start=1) if t.id == ticket.id), len(waiting))
        return QueuePlace(position, self._wait_for(position, self.available_agents(session, ticket.language)))

    def places(self, session: Session) -> dict[str, QueuePlace]:
        """Every waiting live chat's place, by conversation id (to tell the customers)."""
        result: dict[str, QueuePlace] = {}
        by_language: dict[str, list[Ticket]] = {}
        for ticket in self._waiting_live(session):
            by_language.setdefault(ticket.language, []).append(ticket)
        for language, tickets in by_language.items():
            agents = self.available_agents(session, language)
            for position, ticket in enumerate(tickets, start=1):
                result[ticket.conversation_id] = QueuePlace(position, self._wait_for(position, agents))
        return result

    def availability(self, session: Session, language: str, now: datetime) -> Availability:
        open_now = self.hours.is_open(now)
        agents = self.available_agents(session, language) if open_now else 0
        wait = self._wait_for(len(self._waiting_live(session, language)) + 1, agents)
        live = open_now and wait is not None and wait <= self.config.max_live_wait_minutes
        return Availability(live, open_now, agents, wait, None if open_now else self.hours.next_opening(now))

    # --- agents at work ------------------------------------------------------------------
    @staticmethod
    def handles(agent: Agent, language: str) -> bool:
        """Agents work only in their languages; an admin oversees every ticket."""
        return agent.role == AgentRole.ADMIN or language in agent.language_list

    @classmethod
    def ticket_for(cls, session: Session, ticket_id: int, agent: Agent) -> Ticket:
        """The ticket, if the agent may see and work on it at all."""
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(f"no ticket {ticket_id}")
        if not cls.handles(agent, ticket.language):
            raise TicketForbidden(f"ticket {ticket_id} is in a language you do not answer in")
        return ticket

    @staticmethod
    def open_to(agent: Agent, now: datetime) -> ColumnElement[bool]:
        """Tickets this agent may take now: offered to nobody, to them, or no longer waiting for the
        agent they were offered to (the wait is over, or that agent went away)."""
        return or_(Ticket.offered_to_agent_id.is_(None), Ticket.offered_to_agent_id == agent.id,
                   Ticket.offered_until <= now,
                   Ticket.offered_to_agent_id.in_(select(Agent.id).where(Agent.status != AgentStatus.AVAILABLE)))

    @classmethod
    def visible_to(cls, session: Session, agent: Agent, now: datetime) -> list[Ticket]:
        """Queued tickets in the agent's languages that are open to them, highest priority and longest
        waiting first."""
        query = select(Ticket).where(Ticket.status == TicketStatus.QUEUED, cls.open_to(agent, now))
        if agent.role != AgentRole.ADMIN:
            query = query.where(Ticket.language.in_(agent.language_list))
        return list(session.scalars(query.order_by(Ticket.priority_rank.desc(), Ticket.created_at, Ticket.id)))

    @classmethod
    def next_offer_ending(cls, session: Session, agent: Agent, now: datetime) -> datetime | None:
        """When the first ticket now waiting for another agent becomes open to this one."""
        return session.scalar(select(func.min(Ticket.offered_until))
                              .where(Ticket.status == TicketStatus.QUEUED, ~cls.open_to(agent, now)))

    @staticmethod
    def claimed_by(session: Session, agent: Agent) -> list[Ticket]:
        return list(session.scalars(
            select(Ticket).where(Ticket.status == TicketStatus.CLAIMED, Ticket.agent_id == agent.id).order_by(Ticket.claimed_at)
        ))

    @classmethod
    def claim(cls, session: Session, ticket_id: int, agent: Agent, now: datetime) -> Ticket:
        cls.ticket_for(session, ticket_id, agent)
        claimed = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == TicketStatus.QUEUED, cls.open_to(agent, now))
            .values(status=TicketStatus.CLAIMED, agent_id=agent.id, claimed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        ticket = session.get(Ticket, ticket_id, populate_existing=True)
        if claimed != 1:
            holder = ticket.agent.display_name if ticket.agent else None
            if holder is None and ticket.status == TicketStatus.QUEUED:
                offered = session.get(Agent, ticket.offered_to_agent_id)
                raise TicketUnavailable(f"ticket {ticket_id} waits for {offered.display_name}, who served this "
                                        f"customer before, until {ticket.offered_until:%H:%M} UTC")
            raise TicketUnavailable(f"ticket {ticket_id} was already taken by {holder}" if holder
                                    else f"ticket {ticket_id} is {ticket.status.value}")
        ticket.conversation.state = ConversationState.AGENT
        return ticket

    @classmethod
    def close(cls, session: Session, ticket_id: int, agent: Agent, status: TicketStatus, now: datetime) -> Ticket:
        """Resolves the ticket or hands the conversation back to the assistant."""
        ticket = cls.held_by(session, ticket_id, agent)
        ticket.status = status
        ticket.closed_at = now
        ticket.conversation.state = ConversationState.BOT
        return ticket

    @classmethod
    def held_by(cls, session: Session, ticket_id: int, agent: Agent) -> Ticket:
        """The ticket, if this agent has claimed it and not closed it yet."""
        ticket = cls.ticket_for(session, ticket_id, agent)
        if ticket.status != TicketStatus.CLAIMED or ticket.agent_id != agent.id:
            raise TicketUnavailable(f"ticket {ticket_id} is not claimed by you")
        return ticket

    @staticmethod
    def stop_waiting(session: Session, ticket: Ticket) -> None:
        """The customer would rather leave a message than wait: the ticket stays, the wait ends."""
        ticket.kind = TicketKind.MESSAGE
        ticket.conversation.state = ConversationState.BOT
