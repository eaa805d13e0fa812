"""Customer satisfaction (CSAT): the one question asked when a conversation ends, its answer, and
the customers who asked not to be asked (or told) anything the shop did not need to say."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.conversation import Channel, Conversation
from db.base import Base, string_enum, utcnow


class Rating(Base):
    """One CSAT question: asked when a conversation ended, answered 1-5 (or never)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    # The ticket whose resolution ended the conversation; None when the bot finished on its own.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 16))
    language: Mapped[str] = mapped_column(String(2))
    # Who was asked, in the channel's own terms (phone, e-mail, PSID); "not twice within 24 h" looks here.
    address: Mapped[str | None] = mapped_column(String(254), index=True)
    # Hash of the secret in an e-mailed rating link.
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    # A low score opens a ticket for a person with the transcript.
    follow_up_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))

    conversation: Mapped[Conversation] = relationship()


class ContactOptOut(Base):
    """A customer who said "don't ask me / don't message me": checked before every rating question
    and every proactive notice. Survey calls keep their own list (survey_opt_outs), which counts too."""

    __tablename__ = "contact_opt_outs"
    __table_args__ = (UniqueConstraint("address", "topic", name="uq_contact_opt_outs_address_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254))  # normalised phone number, e-mail or PSID
    topic: Mapped[str] = mapped_column(String(16))  # "feedback" or "notices"
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 16))  # where they said it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
