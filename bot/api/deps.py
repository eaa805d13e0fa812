"""Shared route dependencies with short typed aliases: the gateway, the API key, JSON-only bodies."""

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.gateway import Gateway
from bot.text.cleaning import clean_text  # noqa: F401  (routes clean texts through here)

# Far above any real message, far below what could hurt the gateway.
MAX_JSON_BODY_BYTES = 64 * 1024
# Ids from integrators and URLs: printable text only (PostgreSQL refuses a NUL in text, and no
# provider's id has control characters).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


def get_gateway(request: Request) -> Gateway:
    return request.app.state.gateway


GatewayDep = Annotated[Gateway, Depends(get_gateway)]


async def require_json(request: Request) -> None:
    """Refuses wrong content types and oversized bodies with a clear 415/413."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send a JSON body with Content-Type: application/json")
    if len(await request.body()) > MAX_JSON_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {MAX_JSON_BODY_BYTES} bytes")


_bearer = HTTPBearer(auto_error=False, description="The gateway's API key (KOLIBER_API_KEY)")


def require_api_key(gateway: GatewayDep,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    if credentials is None or not secrets.compare_digest(credentials.credentials, gateway.settings.api_key):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong API key", headers={"WWW-Authenticate": "Bearer"})


