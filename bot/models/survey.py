"""Typed models of survey calls: one survey per delivered order, its call attempts, the Twilio
status callbacks already applied (so a retried callback changes nothing), and opt-outs."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contracts.survey_result import SurveyOutcome
from db.base import Base, string_enum, utcnow


class SurveyState(str, enum.Enum):
    SCHEDULED = "scheduled"  # waiting for its next attempt
    CALLING = "calling"  # an attempt is under way
    FINISHED = "finished"  # `outcome` says how


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Once per order: the unique constraint is what makes a second pick of the order fail. The number
    # customers see: the order may live in the demo tables or on the shop's platform.
    order_number: Mapped[str] = mapped_column(String(64), unique=True)
    # The demo shop's customer; None for a platform's order (its customer lives there).
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # The order's product categories when it was picked, for the NPS report's breakdown.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    time_zone: Mapped[str] = mapped_column(String(64))
    state: Mapped[SurveyState] = mapped_column(string_enum(SurveyState, 16), index=True)
    outcome: Mapped[SurveyOutcome | None] = mapped_column(string_enum(SurveyOutcome, 16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    score: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # How the score came: "voice", "keypad" or "web" (the SMS link).
    answered_via: Mapped[str | None] = mapped_column(String(8))
    callback_requested: Mapped[bool] = mapped_column(default=False)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # The SMS survey link's secret, sent when every call reached voicemail.
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_sent_at: Mapped[datetime | None]
    # The SMS conversation the link went out in; the page's answers are stored there too.
    link_conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    demo: Mapped[bool] = mapped_column(default=False)  # written by `koliber seed --history`
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    calls: Mapped[list["SurveyCall"]] = relationship(back_populates="survey", order_by="SurveyCall.id")


class SurveyCall(Base):
    """One attempt: an outbound call Twilio placed."""

    __tablename__ = "survey_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    attempt: Mapped[int]
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Twilio's last reported CallStatus (queued, ringing, in-progress, completed, busy, no-answer, failed, canceled).
    status: Mapped[str] = mapped_column(String(16), default="queued")
    answered_by: Mapped[str | None] = mapped_column(String(32))  # answering-machine detection
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    placed_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[int | None]

    survey: Mapped[Survey] = relationship(back_populates="calls")


class CallStatusEvent(Base):
    """A status callback already applied; Twilio retries callbacks, so each counts once."""

    __tablename__ = "survey_call_events"
    __table_args__ = (UniqueConstraint("call_sid", "status", name="uq_survey_call_events_call_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyOptOut(Base):
    """A phone number never to call with surveys again ("don't call me again")."""

    __tablename__ = "survey_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    source: Mapped[str] = mapped_column(String(16))  # "call", "chat", "sms", "agent"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
