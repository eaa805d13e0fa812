"""Contacts, conversations and messages: the transcript of everything said on every channel."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, string_enum, utcnow


class Channel(str, enum.Enum):
    WEB = "web"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    API = "api"
    VOICE = "voice"
    EMAIL = "email"
    MESSENGER = "messenger"


class ConversationState(str, enum.Enum):
    BOT = "bot"  # the assistant answers
    QUEUED = "queued"  # waiting for a person; the assistant still answers meanwhile
    AGENT = "agent"  # a person has it; the assistant stays quiet


class Author(str, enum.Enum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"  # the gateway itself: queue notices, apologies, working hours


class Contact(Base):
    """One customer as the conversations know them, recognised across channels.

    E-mail and shop customer are only set from a verified order or an e-mail sender the shop's
    mail server proved (DMARC), so an agent never sees orders linked by a claim the customer did not prove.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    shop_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversations: Mapped[list["Conversation"]] = relationship(back_populates="contact")


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_channel_address", "channel", "address"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 16))
    # Who is on the other end, in the channel's own terms: a phone number, an e-mail address, an API sender id.
    address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(255))  # an e-mail thread's
    # Hash of the secret a web chat widget presents to resume this conversation.
    resume_token_hash: Mapped[str | None] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    state: Mapped[ConversationState] = mapped_column(string_enum(ConversationState, 16), default=ConversationState.BOT)
    # A question the gateway itself asked (leave a message, a call-back number); None otherwise.
    pending_prompt: Mapped[str | None] = mapped_column(String(32))
    pending_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    verified_order: Mapped[str | None] = mapped_column(String(16))
    # The carrier's id for a phone call (Twilio CallSid), so a call finds its conversation.
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Written by `koliber seed --history`: shown on the dashboard only when asked for, never mixed with real data.
    demo: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact | None] = relationship(back_populates="conversations")
    messages: Mapped[list["Message"]] = relationship(back_populates="conversation", order_by="Message.id")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A retried webhook carries the same provider id: the second copy is recognised, not stored.
        UniqueConstraint("channel", "external_id", name="uq_messages_channel_external_id"),
        # A widget's own id for a message it may send twice; it means something only inside its
        # conversation (anyone can send any id).
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_conversation_id_client_message_id"),
        # The few messages never answered, for the sweep that answers them (bot/conversations/core.py).
        Index("ix_messages_unanswered", "created_at", postgresql_where=sql_text("handled_at IS NULL"),
              sqlite_where=sql_text("handled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    author: Mapped[Author] = mapped_column(string_enum(Author, 16))
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, 16))
    language: Mapped[str | None] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    # What the engine is sent instead of the text, e.g. a button's payload "/affirm".
    payload: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # The provider's id: Twilio's MessageSid, an e-mail's Message-ID, Messenger's mid, an API client's.
    external_id: Mapped[str | None] = mapped_column(String(255))
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)  # the engine's, for the intent
    speech_confidence: Mapped[float | None] = mapped_column(Float)  # the recogniser's, for spoken words
    # The sender as the channel proved them: an e-mail address whose domain passed DMARC (or SPF
    # and DKIM) at the shop's own mail server, or a caller's number with STIR/SHAKEN attestation A.
    # Counts as the second factor of verification.
    proven_sender: Mapped[str | None] = mapped_column(String(254))
    # For a spoken bot message the caller interrupted: what they heard before they spoke.
    heard_text: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once the message has been answered (customer) or handed to its channel (outbound).
    handled_at: Mapped[datetime | None]
    # A customer message is answered by the gateway process holding it (stored it, or claimed it)
    # until then; after that (its gateway died mid-turn) any gateway may (bot/conversations/answer_claims.py).
    answering_by: Mapped[str | None] = mapped_column(String(36))
    answering_until: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message", order_by="Attachment.id")
    agent: Mapped["Agent | None"] = relationship()  # noqa: F821 - defined in bot.models.handoff

    @property
    def direction(self) -> str:
        return "inbound" if self.author == Author.CUSTOMER else "outbound"


class Attachment(Base):
    """A file a customer sent (a photo for a complaint, an invoice): shown to agents, never to the
    engine. One refused for its size or type keeps its name and the reason, not its content."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    refused: Mapped[str | None] = mapped_column(String(64))  # why it was not kept: "too_large", "type"

    message: Mapped[Message] = relationship(back_populates="attachments")


class CallStream(Base):
    """The right to open one call's Media Stream: issued with the TwiML of a signed Twilio request,
    used once. The stream's caller, language and survey come from here, never from the stream."""

    __tablename__ = "call_streams"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    survey_call_id: Mapped[int | None]
    # Twilio's StirVerstat said "TN-Validation-Passed-A": the caller's carrier vouched for the number.
    caller_attested: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
