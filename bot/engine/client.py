"""Sends a customer's turn to Rasa's REST channel and reads back what the engine understood.

Nothing here imports Rasa: the engine is another process (Python 3.10) reached over HTTP.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx


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
    def __init__(self, base_url: str, timeout: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> EngineTurn:
        """One customer turn: the bot's replies, then the intent and slots the engine settled on."""
        try:
            response = await self._client.post(
                f"{self._base_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
            messages = [_bot_message(item) for item in response.json()]
        except (httpx.HTTPError, ValueError) as error:
            raise EngineUnavailable(f"{type(error).__name__}: {error}") from error
        state = await self.state(conversation_id)
        intent = (state.get("latest_message") or {}).get("intent") or {}
        return EngineTurn(
            messages=messages,
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            slots=state.get("slots") or {},
        )


    async def state(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker without its events: latest message, slots, active form."""
        try:
            tracker = await self._client.get(
                f"{self._base_url}/conversations/{quote(conversation_id, safe='')}/tracker",
                params={"include_events": "NONE"},
            )
            tracker.raise_for_status()
            return tracker.json()
        except (httpx.HTTPError, ValueError) as error:
            raise EngineUnavailable(f"{type(error).__name__}: {error}") from error


def _bot_message(item: dict[str, Any]) -> BotMessage:
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in item.get("buttons") or []]
    return BotMessage(text=item.get("text"), buttons=buttons, custom=item.get("custom"))
