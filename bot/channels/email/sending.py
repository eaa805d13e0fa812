"""Replies by e-mail: one message per reply, in the customer's thread (In-Reply-To and References
name the e-mails before it), from the shop's address, as text and simple HTML, sent over SMTP
with STARTTLS or implicit TLS. The outbox retries until the server takes it; a 5xx refusal (an
address that does not exist) is final."""

import asyncio
import html
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.output import MessageView, OutputChannel, Recipient, SendFailed, plain_text
from bot.conversations.texts import GatewayTexts
from bot.models.conversation import Author, Channel, Conversation, Message
from bot.settings import Settings
from db.base import utcnow

# Enough of a long thread's ids for any mail client to place a reply (RFC 5322 allows trimming).
REFERENCES_KEPT = 10
SMTP_TIMEOUT_SECONDS = 30


def outbound_message_id(message_id: int, conversation_id: str, domain: str) -> str:
    """The same id on every attempt to send a reply, so a retried e-mail is one e-mail to the
    customer's server; it names the conversation, so an answer to it finds its thread."""
    return f"<koliber.{message_id}.{conversation_id}@{domain}>"


class EmailOutput(OutputChannel):
    channel = Channel.EMAIL
    through_outbox = True

    def __init__(self, texts: GatewayTexts, sessions: sessionmaker[Session], settings: Settings) -> None:
        super().__init__(texts)
        self._sessions = sessions
        self._settings = settings
        self._domain = settings.email_from_address.rpartition("@")[2] or "localhost"

    async def send_text(self, recipient: Recipient, text: str) -> str | None:
        message = {"id": None, "text": text, "buttons": [], "language": recipient.language,
                   "channel": Channel.EMAIL.value, "author": Author.SYSTEM.value}
        return await self.send_message(recipient, message)

    async def send_message(self, recipient: Recipient, message: MessageView) -> str | None:
        subject, replied, references = await asyncio.to_thread(self._thread, recipient.conversation_id, message["id"])
        language = message.get("language") or recipient.language
        email = EmailMessage()
        email["From"] = formataddr((self._settings.email_from_name, self._settings.email_from_address))
        email["To"] = recipient.address
        subject = subject or self.texts.say("email_subject", language)
        email["Subject"] = _reply_subject(subject) if replied else subject  # "Re:" only answering the customer
        email["Date"] = format_datetime(utcnow())
        email["Message-ID"] = (make_msgid(domain=self._domain) if message["id"] is None
                               else outbound_message_id(message["id"], recipient.conversation_id, self._domain))
        if replied:
            email["In-Reply-To"] = replied
        if references:
            email["References"] = " ".join(references)
        email["Content-Language"] = language
        if message["author"] != Author.AGENT.value:
            email["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots do not answer the bot
        text = plain_text(message, self.texts)
        signature = self.texts.say("email_signature", language)
        email.set_content(f"{text}\n\n-- \n{signature}\n")
        email.add_alternative(_html(text, signature, language), subtype="html")
        await self._send(email)
        return None  # the Message-ID is longer than a provider id; it is derived again when needed

    async def _send(self, email: EmailMessage) -> None:
        settings = self._settings
        try:
            await aiosmtplib.send(email, hostname=settings.email_smtp_host, port=settings.email_smtp_port,
                                  username=settings.email_smtp_user or None,
                                  password=settings.email_smtp_password or None,
                                  use_tls=settings.email_smtp_security == "tls",
                                  start_tls=settings.email_smtp_security == "starttls", timeout=SMTP_TIMEOUT_SECONDS)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            first = refused.recipients[0]
            raise SendFailed(f"the mail server refused the address: {first.message}", str(first.code),
                             permanent=500 <= first.code < 600) from refused
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailed(f"the mail server refused the e-mail: {error.message}", str(error.code),
                             permanent=500 <= error.code < 600 and error.code not in (530, 535)) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SendFailed(f"the mail server could not be reached: {error}") from error

    def _thread(self, conversation_id: str, message_id: int | None) -> tuple[str | None, str | None, list[str]]:
        """The thread's subject, the customer's e-mail this answers, and the ids of the e-mails before it."""
        with self._sessions() as session:
            subject = session.scalar(select(Conversation.subject).where(Conversation.id == conversation_id))
            earlier = select(Message.id, Message.author, Message.external_id).where(
                Message.conversation_id == conversation_id, Message.channel == Channel.EMAIL)
            if message_id is not None:
                earlier = earlier.where(Message.id < message_id)
            ids = [external_id if author == Author.CUSTOMER else
                   outbound_message_id(row_id, conversation_id, self._domain)
                   for row_id, author, external_id in session.execute(earlier.order_by(Message.id))
                   if author != Author.CUSTOMER or external_id]
            replied = session.scalar(earlier.with_only_columns(Message.external_id)
                                     .where(Message.author == Author.CUSTOMER, Message.external_id.is_not(None))
                                     .order_by(Message.id.desc()).limit(1))
        references = ids if len(ids) <= REFERENCES_KEPT else ids[:1] + ids[-(REFERENCES_KEPT - 1):]
        return subject, replied, references


def _reply_subject(subject: str) -> str:
    return subject if subject.lower().startswith(("re:", "odp:")) else f"Re: {subject}"


def _html(text: str, signature: str, language: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"
                         for block in text.split("\n\n") if block.strip())
    closing = html.escape(signature).replace("\n", "<br>")
    return (f'<!DOCTYPE html><html lang="{language}"><body style="font-family:sans-serif;line-height:1.5">'
            f'{paragraphs}<p style="color:#555">{closing}</p></body></html>')
