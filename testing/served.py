"""Serves an ASGI app with uvicorn on a free port in a background thread, for the length of a test."""

import threading

import uvicorn

from bot.processes import free_port
from bot.serve import uvicorn_options
from bot.settings import Settings
from testing.waiting import wait_until


class ServedApp:
    def __init__(self, app) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # The same server limits as the real gateway (bot/serve.py).
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     **uvicorn_options(Settings())))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> "ServedApp":
        self._thread.start()
        wait_until(lambda: self._server.started or not self._thread.is_alive(), timeout=60, what="the app to start")
        if not self._server.started:
            raise RuntimeError("the app did not start")
        return self

    def __exit__(self, *_) -> None:
        self._server.should_exit = True
        self._thread.join(15)
