"""Sends a customer's turn to the engine (Koliber's own input channel) and reads back what it understood.

Nothing here imports Rasa: the engine is another process (Python 3.10) reached over HTTP.
"""

from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.engine.address import EngineAddress


class EngineUnavailable(RuntimeError):
    """The engine did not answer in time or answered with an error."""


@dataclass(frozen=True)
class BotMessage:
    text: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] | None = None


@dataclass(frozen=True)
class EngineTurn:
    messages: list[BotMessage]
    intent: str | None = None
    confidence: float | None = None
    slots: dict[str, Any] = field(default_factory=dict)


class EngineClient:
    def __init__(self, address: EngineAddress, timeout: float) -> None:
        self._client = address.async_client(timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> EngineTurn:
        """One customer turn, in one request to Koliber's engine channel: the bot's replies and
        the intent and slots the engine settled on."""
        try:
            response = await self._client.post(
                "/webhooks/koliber/turn", json={"sender": conversation_id, "message": text, "metadata": metadata})
            response.raise_for_status()
            turn = response.json()
            messages = [_bot_message(item) for item in turn["messages"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise EngineUnavailable(f"{type(error).__name__}: {error}") from error
        return EngineTurn(messages=messages, intent=turn.get("intent"), confidence=turn.get("confidence"),
                          slots=turn.get("slots") or {})


def _bot_message(item: dict[str, Any]) -> BotMessage:
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in item.get("buttons") or []]
    return BotMessage(text=item.get("text"), buttons=buttons, custom=item.get("custom"))
