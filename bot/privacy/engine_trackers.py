"""The engine's copy of a conversation (its tracker): read for an export, deleted for an erasure.

Both go through the engine's HTTP API today. When the tracker store moves into the app database
(issue 13), this module is the one place that changes.
"""

from typing import Any
from urllib.parse import quote

import httpx

from bot.engine.address import EngineAddress
from bot.engine.client import EngineUnavailable


class EngineTrackers:
    def __init__(self, address: EngineAddress, timeout: float) -> None:
        self._address = address
        self._timeout = timeout

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        """Everything the engine keeps about the conversation: every event, slots included."""
        with self._address.client(self._timeout) as client:
            try:
                response = client.get(f"/conversations/{quote(conversation_id, safe='')}/tracker",
                                      params={"include_events": "ALL"})
                response.raise_for_status()
                return response.json()
            except (httpx.HTTPError, ValueError) as error:
                raise EngineUnavailable(f"{type(error).__name__}: {error}") from error

    def forget(self, conversation_id: str) -> None:
        with self._address.client(self._timeout) as client:
            try:
                client.delete(f"/webhooks/koliber/conversations/{quote(conversation_id, safe='')}").raise_for_status()
            except httpx.HTTPError as error:
                raise EngineUnavailable(f"{type(error).__name__}: {error}") from error
