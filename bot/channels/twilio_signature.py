"""Checks that a request really comes from Twilio: X-Twilio-Signature over the URL Twilio called
(and, for webhooks, the form parameters), with the twilio SDK's RequestValidator."""

from fastapi import HTTPException, Request, WebSocket, status
from twilio.request_validator import RequestValidator

from bot.settings import Settings

FORM = "application/x-www-form-urlencoded"


def public_url(request_url, settings: Settings, path_and_query: str, websocket: bool = False) -> str:
    """A URL on this gateway as the outside world (and Twilio) sees it: the configured public URL
    behind a proxy, else the request's own scheme and host."""
    base = settings.public_base_url.rstrip("/") if settings.public_base_url else f"{request_url.scheme}://{request_url.netloc}"
    if websocket:
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return f"{base}{path_and_query}"


def signed_url(url, settings: Settings, websocket: bool = False) -> str:
    """The URL Twilio called, as Twilio saw it."""
    if not settings.public_base_url:
        return str(url)
    query = f"?{url.query}" if url.query else ""
    return public_url(url, settings, f"{url.path}{query}", websocket)


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
