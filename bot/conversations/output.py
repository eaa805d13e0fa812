"""How stored messages reach a customer: one output channel per channel, as Rasa's OutputChannel.

One method is required: send a text. A message with buttons falls back to its text with the
choices as numbered lines (the core maps a number typed back to its button); channels that show
buttons themselves override `send_message`.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.conversations.texts import GatewayTexts
from bot.models.conversation import Channel

# A stored message as the channels and the live views see it (bot.conversations.views.message_view).
MessageView = dict[str, Any]
# Client errors that sending again can cure: our credentials (once the shop fixes them), the
# provider's rate limits and time-outs. Any other 4xx is about the message or its recipient.
RETRYABLE_CLIENT_ERRORS = frozenset({401, 403, 408, 409, 425, 429})


@dataclass(frozen=True)
class Recipient:
    conversation_id: str
    address: str | None  # the channel's own: a phone number, "whatsapp:+48…", an API sender
    language: str


class SendFailed(Exception):
    """The provider did not take the message; `permanent` when sending it again cannot help."""

    def __init__(self, reason: str, code: str | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.permanent = permanent

    @classmethod
    def from_http(cls, status: int | None, reason: str, code: str | int | None = None) -> "SendFailed":
        """A provider's HTTP error: a 4xx refuses the message for good (an invalid or unsubscribed
        number), a 5xx or no answer at all is worth another try."""
        permanent = status is not None and 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
        return cls(reason, None if code is None else str(code), permanent)


class OutputChannel(ABC):
    channel: ClassVar[Channel]
    # Sending can fail and must be retried (a provider's API): the outbox carries these messages,
    # stored with them and sent until the provider takes them.
    through_outbox: ClassVar[bool] = False

    def __init__(self, texts: GatewayTexts) -> None:
        self.texts = texts

    @abstractmethod
    async def send_text(self, recipient: Recipient, text: str) -> str | None:
        """Sends one text; returns the provider's id for it, if any. SendFailed when refused."""

    async def send_message(self, recipient: Recipient, message: MessageView) -> str | None:
        return await self.send_text(recipient, plain_text(message, self.texts))


def plain_text(message: MessageView, texts: GatewayTexts) -> str:
    """The message with its buttons as numbered choices (SMS, WhatsApp, the phone)."""
    buttons = message.get("buttons") or []
    if not buttons:
        return message["text"]
    lines = [message["text"], texts.say("options_intro", message.get("language"), channel=message["channel"])]
    lines += [f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1)]
    return "\n".join(lines)
