"""Sends a customer's turn to the engine (Koliber's own input channel) and reads back what it understood.

Nothing here imports Rasa: the engine is another process (Python 3.10) reached over HTTP.
"""

import asyncio
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.engine.address import EngineAddress
from bot.observability import metrics
from contracts.tracing import turn_metadata


class EngineUnavailable(RuntimeError):
    """The engine did not answer in time or answered with an error."""


# The engine is not there: another engine can take the turn. A time-out is not among them: the turn
# may still be running there.
NOT_LISTENING = (httpx.ConnectError,)
DIED_MID_TURN = (httpx.RemoteProtocolError, httpx.ReadError)
# How long an engine that died mid-turn keeps its conversation locked (Rasa's TICKET_LOCK_LIFETIME,
# which bot/processes.py gives every engine): longer than any turn, short enough for a customer to wait.
TURN_LOCK_SECONDS = 10


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
    """Talks to one engine, or spreads conversations over several that share their conversations
    (tracker store) and lock each one's turns (lock store): a conversation always goes to the same
    engine while it is up, and to the next one when it cannot be reached."""

    def __init__(self, addresses: list[EngineAddress], timeout: float, lock_seconds: float = TURN_LOCK_SECONDS) -> None:
        self._clients = [address.async_client(timeout) for address in addresses]
        self._lock_seconds = lock_seconds

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()

    @metrics.timed(metrics.ENGINE_TURN)
    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any],
                   message_id: str | None = None) -> EngineTurn:
        """One customer turn, in one request to Koliber's engine channel: the bot's replies and
        the intent and slots the engine settled on."""
        metadata = {**metadata, **turn_metadata()}  # the engine and the action server log the turn's id
        first = zlib.crc32(conversation_id.encode()) % len(self._clients)
        failure: Exception | None = None
        for offset in range(len(self._clients)):
            client = self._clients[(first + offset) % len(self._clients)]
            try:
                response = await client.post(
                    "/webhooks/koliber/turn",
                    json={"sender": conversation_id, "message": text, "metadata": metadata, "message_id": message_id,
                          "resent": offset > 0})
                response.raise_for_status()
                turn = response.json()
                messages = [_bot_message(item) for item in turn["messages"]]
                return EngineTurn(messages=messages, intent=turn.get("intent"), confidence=turn.get("confidence"),
                                  slots=turn.get("slots") or {})
            except NOT_LISTENING as error:  # that engine is down: the next one takes the turn
                metrics.engine_failed(error)
                failure = error
            except DIED_MID_TURN as error:
                metrics.engine_failed(error)
                # The dead engine's ticket in Rasa's lock store keeps the conversation locked until it
                # expires, and a turn that starts waiting before then can miss its turn for good (its
                # own ticket expires too); one that starts after it goes straight in.
                failure = error
                if offset + 1 < len(self._clients):
                    await asyncio.sleep(self._lock_seconds)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                metrics.engine_failed(error)
                raise EngineUnavailable(f"{type(error).__name__}: {error}") from error
        raise EngineUnavailable(f"no engine answered: {type(failure).__name__}: {failure}") from failure


def _bot_message(item: dict[str, Any]) -> BotMessage:
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in item.get("buttons") or []]
    return BotMessage(text=item.get("text"), buttons=buttons, custom=item.get("custom"))
