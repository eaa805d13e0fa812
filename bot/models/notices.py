"""Proactive notices: the shop writes first when a delivery is late, once per shipment and cause."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.conversation import Channel
from db.base import Base, string_enum, utcnow


class DelayCause(str, enum.Enum):
    PAST_EXPECTED_DATE = "past_expected_date"  # the promised date passed without delivery
    NO_TRACKING = "no_tracking"  # no carrier event for N business days
    CARRIER_EXCEPTION = "carrier_exception"  # the carrier reported a problem
    WAITING_FOR_STOCK = "waiting_for_stock"  # not dispatched by the promised dispatch date


class NoticeState(str, enum.Enum):
    PLANNED = "planned"  # found; waits for the quiet hours to end
    SENT = "sent"
    SKIPPED = "skipped"  # opted out, or nowhere to send it


class DelayNotice(Base):
    __tablename__ = "delay_notices"
    # One notice per order's shipment and cause, however often the job runs and however many gateways run it.
    __table_args__ = (UniqueConstraint("order_number", "cause", name="uq_delay_notices_order_number_cause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The number customers see: the order may live in the demo tables or on the shop's platform.
    order_number: Mapped[str] = mapped_column(String(64), index=True)
    cause: Mapped[DelayCause] = mapped_column(string_enum(DelayCause, 24))
    state: Mapped[NoticeState] = mapped_column(string_enum(NoticeState, 16), default=NoticeState.PLANNED, index=True)
    channel: Mapped[Channel | None] = mapped_column(string_enum(Channel, 16))
    address: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    new_expected_date: Mapped[date | None]
    text: Mapped[str | None] = mapped_column(Text)
    skipped_reason: Mapped[str | None] = mapped_column(String(32))
    # The conversation the notice opened, so the customer's reply knows the order.
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"))
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
