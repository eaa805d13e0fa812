"""Hands stored outbound messages to the customer's channel and to everyone watching live.

Every message is published on its conversation's topic (the web chat widget and the agent's
ticket page listen there). A message for a channel that sends through a provider (SMS and
WhatsApp through Twilio) is queued in the outbox in the same transaction that stores it, sent
at once, and retried by the outbox worker until the provider accepts or refuses it for good.
Channels without buttons get the choices as numbered lines, which the core maps back.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import outbox
from bot.conversations.models import Author, Channel, Message
from bot.conversations.outbox_worker import OutboxWorker, RetryPolicy, Sender
from bot.conversations.texts import GatewayTexts
from bot.realtime import Hub, conversation_topic


class Delivery:
    def __init__(self, hub: Hub, texts: GatewayTexts, sessions: sessionmaker[Session], policy: RetryPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.hub = hub
        self._texts = texts
        self._clock = clock
        self._senders: dict[Channel, Sender] = {}
        self.outbox = OutboxWorker(sessions, self._senders, self.as_plain_text, hub, policy, clock)
        # Queued with the message itself: a crash between storing and sending loses nothing.
        event.listen(sessions, "before_flush", self._queue_new_outbound)

    def register(self, channel: Channel, sender: Sender) -> None:
        self._senders[channel] = sender

    async def deliver(self, conversation_id: str, channel: Channel, address: str | None,
                      messages: list[dict[str, Any]]) -> None:
        """Publishes stored messages and sends those the outbox holds at once. The outbox reads the
        address from the conversation when it sends, so `address` is not needed any more."""
        for message in messages:
            self.hub.publish(conversation_topic(conversation_id), {"type": "message", "message": message})
        outbound = [message["id"] for message in messages if message["author"] != "customer"]
        if outbound and channel in self._senders:
            await self.outbox.send_now(outbound)

    def as_plain_text(self, message: dict[str, Any]) -> str:
        """The message with its buttons as numbered choices (SMS, WhatsApp, the phone)."""
        buttons = message.get("buttons") or []
        if not buttons:
            return message["text"]
        lines = [message["text"], self._texts.say("options_intro", message.get("language"), channel=message["channel"])]
        lines += [f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1)]
        return "\n".join(lines)

    def _queue_new_outbound(self, session: Session, _context, _instances) -> None:
        for message in [new for new in session.new if isinstance(new, Message)]:
            if message.author != Author.CUSTOMER and message.channel in self._senders:
                outbox.enqueue(session, message, self._clock())
