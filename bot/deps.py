"""What routes and channels may ask for, as FastAPI dependencies with short typed aliases (as the
FastAPI full-stack template's api/deps.py does). The gateway's long-lived parts are built once at
start-up (bot/gateway.py) and kept on `app.state`; a route names the parts it uses, never the whole."""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection
from twilio.rest import Client

from bot.background import BackgroundWork
from bot.conversations.agent_actions import AgentActions
from bot.conversations.core import ConversationCore
from bot.conversations.desk import AgentDesk
from bot.conversations.texts import GatewayTexts
from bot.handoff.queue import HandoffQueue
from bot.realtime import Hub
from bot.settings import Settings
from bot.socket_limits import SocketCounter
from bot.surveys.wiring import Surveys
from shop.service import ShopService

# Far above any real message, far below what could hurt the gateway.
MAX_JSON_BODY_BYTES = 64 * 1024
# Ids from integrators and URLs: printable text only (PostgreSQL refuses a NUL in text, and no
# provider's id has control characters).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


def gateway_part(name: str) -> Any:
    """A dependency on one of the gateway's parts, by its name."""
    def part(connection: HTTPConnection) -> Any:
        return getattr(connection.app.state.gateway, name)
    part.__name__ = name
    return Depends(part)


SettingsDep = Annotated[Settings, gateway_part("settings")]
SessionsDep = Annotated[sessionmaker[Session], gateway_part("sessions")]
ClockDep = Annotated[Callable[[], datetime], gateway_part("clock")]
HubDep = Annotated[Hub, gateway_part("hub")]
TextsDep = Annotated[GatewayTexts, gateway_part("texts")]
QueueDep = Annotated[HandoffQueue, gateway_part("queue")]
CoreDep = Annotated[ConversationCore, gateway_part("core")]
DeskDep = Annotated[AgentDesk, gateway_part("desk")]
AgentActionsDep = Annotated[AgentActions, gateway_part("agent_actions")]
SurveysDep = Annotated[Surveys, gateway_part("surveys")]
TwilioDep = Annotated[Client, gateway_part("twilio")]
BackgroundDep = Annotated[BackgroundWork, gateway_part("background")]
ChatSocketsDep = Annotated[SocketCounter, gateway_part("chat_sockets")]
ShopDep = Annotated[ShopService, gateway_part("shop")]


async def raw_body(request: Request, limit: int) -> bytes:
    """A webhook's raw body (its signature covers the bytes as sent), refused with 413 once it passes
    `limit` bytes, before it is read whole."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {limit} bytes")
    return bytes(body)


async def require_json(request: Request) -> None:
    """Refuses wrong content types and oversized bodies with a clear 415/413."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send a JSON body with Content-Type: application/json")
    if len(await request.body()) > MAX_JSON_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"request body over {MAX_JSON_BODY_BYTES} bytes")


_bearer = HTTPBearer(auto_error=False, description="The gateway's API key (KOLIBER_API_KEY)")


def require_api_key(settings: SettingsDep,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    if credentials is None or not secrets.compare_digest(credentials.credentials, settings.api_key):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong API key", headers={"WWW-Authenticate": "Bearer"})
