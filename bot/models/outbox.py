"""The outbox: each message for a channel that sends through a provider (SMS, WhatsApp) waits here
until the provider accepts it, with its attempts, the provider's id and the last refusal."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from bot.models.conversation import Message
from db.base import Base, string_enum


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its first attempt or a retry
    SENDING = "sending"  # claimed by one gateway until its lease expires
    SENT = "sent"  # the provider accepted it
    FAILED = "failed"  # refused for good, or out of attempts


OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),
                      Index("ix_outbox_conversation_message", "conversation_id", "message_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # Erasing a message erases its delivery record with it.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(string_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # A claim by a gateway that died runs out here, and the message is sent again.
    lease_expires_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(255))  # Twilio's message SID, Meta's message id
    error: Mapped[str | None] = mapped_column(String(500))  # the provider's words for the last refusal
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    # Message.delivery: loaded with the messages (one query for a whole transcript).
    message: Mapped[Message] = relationship(
        backref=backref("delivery", uselist=False, lazy="selectin", passive_deletes=True))

    @property
    def problem(self) -> str | None:
        """What an agent needs to know: "failed", "retrying" (an attempt failed, more will follow), or nothing."""
        if self.status == DeliveryStatus.FAILED:
            return "failed"
        if self.status in OPEN and self.error is not None:
            return "retrying"
        return None
