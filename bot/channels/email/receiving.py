"""What happens to one e-mail from the shop's mailbox: read it, skip what a machine sent, find its
thread, store it (attachments with it) before the mailbox marks it read, then let the bot answer.

A reply joins its conversation when it names one of the thread's e-mails (In-Reply-To or
References) and comes from the same address; anything else starts a new conversation, of the
same customer when their mail server proved the address.
"""

import logging
import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.background import BackgroundWork
from bot.channels.email.reading import IncomingEmail, MalformedEmail, read_email
from bot.conversations.attachments import ReceivedFile
from bot.conversations.core import ConversationCore, InboundMessage
from bot.models.conversation import Channel, Conversation, Message
from bot.settings import Settings
from db.sessions import read

OUR_MESSAGE_ID = re.compile(r"^<koliber\.\d+\.([0-9a-f-]{36})@")
NO_TEXT = "[—]"

log = logging.getLogger(__name__)

Outcome = Literal["stored", "duplicate", "set aside", "skipped", "malformed"]


@dataclass(frozen=True)
class Received:
    outcome: Outcome
    reason: str = ""


class EmailReceiver:
    def __init__(self, core: ConversationCore, sessions: sessionmaker[Session], settings: Settings,
                 background: BackgroundWork) -> None:
        self._core = core
        self._sessions = sessions
        self._settings = settings
        self._background = background

    async def receive(self, raw: bytes) -> Received:
        """Stores one raw e-mail (RFC 5322 bytes) unless it must be skipped; never raises for its content."""
        try:
            email = read_email(raw, self._settings.email_authserv_id)
        except MalformedEmail as error:
            log.warning("skipped an unreadable e-mail: %s", error)
            return Received("malformed", str(error))
        if email.automated:
            log.info("no answer to %s from %s: %s", email.message_id, email.sender, email.automated)
            return Received("skipped", email.automated)
        thread = await read(self._sessions, lambda session: self._thread_of(session, email))
        recent = await self._core.messages_last_hour(Channel.EMAIL, email.sender)
        text, files = self._stored_text(email)
        receipt = await self._core.accept(InboundMessage(
            channel=Channel.EMAIL, text=text, conversation_id=thread, address=email.sender,
            external_id=email.message_id, client=f"email:{email.sender}", attachments=files,
            proven_sender=email.sender if email.proven else None,
            metadata={"subject": email.subject, "engine_text": self._engine_text(email, text, thread)}))
        if receipt.duplicate:
            return Received("duplicate")
        if text == NO_TEXT:  # nothing for the bot to read (a photo alone): a person's ticket
            await self._core.for_a_person(receipt)
            return Received("set aside", "no text")
        if recent >= self._settings.email_messages_per_hour:  # a flood or a mail loop: stored, not answered
            await self._core.set_aside(receipt)
            log.warning("e-mail %s from %s not answered: %d e-mails in the last hour", email.message_id,
                        email.sender, recent)
            return Received("set aside", "flood")
        self._background.run(self._core.process(receipt, f"email:{email.sender}"))
        return Received("stored")

    def _stored_text(self, email: IncomingEmail) -> tuple[str, tuple[ReceivedFile, ...]]:
        """The text kept in the conversation; a longer one is cut, the whole kept as an attachment."""
        limit = self._settings.max_message_chars
        text = email.text or (NO_TEXT if not email.subject else email.subject)
        if len(text) <= limit:
            return text, email.attachments
        whole = ReceivedFile("message.txt", "text/plain", email.text.encode())
        return text[:limit - 1].rstrip() + "…", (*email.attachments, whole)

    @staticmethod
    def _engine_text(email: IncomingEmail, text: str, thread: str | None) -> str:
        """A new e-mail's subject says what it is about ("Zwrot zamówienia 12345"): the engine reads it
        with the text. A reply's subject only repeats the thread's."""
        if thread is not None or not email.subject or email.subject == text or not email.text:
            return text
        return f"{email.subject}\n{text}"

    @staticmethod
    def _thread_of(session: Session, email: IncomingEmail) -> str | None:
        for reference in email.references:
            ours = OUR_MESSAGE_ID.match(reference)
            conversation_id = ours.group(1) if ours else session.scalar(select(Message.conversation_id).where(
                Message.channel == Channel.EMAIL, Message.external_id == reference))
            if conversation_id is None:
                continue
            conversation = session.get(Conversation, conversation_id)
            if (conversation is not None and conversation.channel == Channel.EMAIL
                    and conversation.address == email.sender):
                return conversation.id
        return None
