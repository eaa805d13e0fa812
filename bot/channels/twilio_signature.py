"""Checks that a request really comes from Twilio: X-Twilio-Signature over the URL Twilio called
(and, for webhooks, the form parameters), with the twilio SDK's RequestValidator."""

from fastapi import HTTPException, Request, WebSocket, status
from twilio.request_validator import RequestValidator

from bot.settings import Settings

FORM = "application/x-www-form-urlencoded"


def signed_url(url, settings: Settings, websocket: bool = False) -> str:
    """The URL Twilio called, as Twilio saw it (behind a proxy: the configured public URL)."""
    if not settings.public_base_url:
        return str(url)
    base = settings.public_base_url.rstrip("/")
    if websocket:
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    query = f"?{url.query}" if url.query else ""
    return f"{base}{url.path}{query}"


async def verified_form(request: Request, settings: Settings) -> dict[str, str]:
    """The webhook's form parameters; 415 for another content type, 403 without a valid signature."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Twilio webhooks are {FORM}")
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.twilio_auth_token).validate(signed_url(request.url, settings), form, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid X-Twilio-Signature")
    return form


def websocket_is_signed(socket: WebSocket, settings: Settings) -> bool:
    """Twilio signs the Media Streams handshake like a webhook without parameters."""
    signature = socket.headers.get("X-Twilio-Signature", "")
    url = signed_url(socket.url, settings, websocket=True)
    return bool(signature) and RequestValidator(settings.twilio_auth_token).validate(url, {}, signature)
