"""The Twilio REST client the gateway sends with: async, with a timeout, and its base URL
configurable so a proxy or a local fake speaking Twilio's wire format can stand in for the cloud."""

from typing import Any
from urllib.parse import urlsplit

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.settings import Settings

TWILIO_CLOUD = "https://api.twilio.com"


class RedirectingHttpClient(AsyncTwilioHttpClient):
    """Sends every Twilio API call to `base_url`, keeping its path and query."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any):
        if self._base_url != TWILIO_CLOUD:
            parts = urlsplit(url)
            url = f"{self._base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return await super().request(method, url, *args, **kwargs)


def twilio_client(settings: Settings) -> Client:
    """Must be called inside the running event loop (the HTTP session belongs to it)."""
    http_client = RedirectingHttpClient(settings.twilio_api_base_url, settings.twilio_timeout_seconds)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)
