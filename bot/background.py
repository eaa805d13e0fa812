"""Work that must outlive the request that started it (answering an SMS after Twilio got its 200),
kept so the gateway can wait for it when it stops."""

import asyncio
from collections.abc import Coroutine
from typing import Any


class BackgroundWork:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def finish(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)
