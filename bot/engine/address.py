"""Where the engine listens and the secret it requires, and HTTP clients that always send it."""

from dataclasses import dataclass

import httpx

from bot.settings import Settings


@dataclass(frozen=True)
class EngineAddress:
    url: str
    token: str

    @classmethod
    def of(cls, settings: Settings) -> "EngineAddress":
        """The first engine (any engine shares the conversations and the model of the others)."""
        return cls.all_of(settings)[0]

    @classmethod
    def all_of(cls, settings: Settings) -> list["EngineAddress"]:
        return [cls(url, settings.engine_token) for url in settings.engine_urls]

    def _auth(self) -> dict:
        # Rasa's HTTP API reads `?token=`; Koliber's input channel reads the Authorization header.
        return {"params": {"token": self.token}, "headers": {"Authorization": f"Bearer {self.token}"}}

    def client(self, timeout: float) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, **self._auth())

    def async_client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=timeout, **self._auth())
