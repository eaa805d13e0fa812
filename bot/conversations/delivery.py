"""Hands stored outbound messages to the customer's channel and to everyone watching live.

Every message is published on its conversation's topic (the web chat widget and the agent's
ticket page listen there); SMS and WhatsApp messages also go out through their sender.
Channels without buttons get the choices as numbered lines, which the core maps back.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.conversations.models import Channel
from bot.conversations.texts import GatewayTexts
from bot.realtime import Hub, conversation_topic

log = logging.getLogger(__name__)

# Sends one text to an address on a channel (e.g. Twilio's REST API for an SMS).
Sender = Callable[[Channel, str, str], Awaitable[None]]
BUTTONLESS_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.VOICE)


class Delivery:
    def __init__(self, hub: Hub, texts: GatewayTexts) -> None:
        self.hub = hub
        self._texts = texts
        self._senders: dict[Channel, Sender] = {}

    def register(self, channel: Channel, sender: Sender) -> None:
        self._senders[channel] = sender

    async def deliver(self, conversation_id: str, channel: Channel, address: str | None,
                      messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self.hub.publish(conversation_topic(conversation_id), {"type": "message", "message": message})
            sender = self._senders.get(channel)
            if sender is None or not address or message["author"] == "customer":
                continue
            try:
                await sender(channel, address, self.as_plain_text(message))
            except Exception:  # noqa: BLE001 - the message is stored; the agent sees it even if the send failed
                log.exception("could not send message %s on %s", message["id"], channel.value)

    def as_plain_text(self, message: dict[str, Any]) -> str:
        """The message with its buttons as numbered choices (SMS, WhatsApp, the phone)."""
        buttons = message.get("buttons") or []
        if not buttons:
            return message["text"]
        lines = [message["text"], self._texts.say("options_intro", message.get("language"), channel=message["channel"])]
        lines += [f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1)]
        return "\n".join(lines)
