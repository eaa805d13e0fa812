"""The web chat channel: the widget's WebSocket, the widget's files and texts, and whether a
person can be offered right now.

Every customer message is stored and acknowledged (`ack`) before the assistant sees it; all
replies reach the socket through the conversation's live topic, so agent replies, queue
updates and the bot's answers share one path. Garbage frames get an `error` frame, never a
closed socket. Protocol: see README ("Web chat widget").
"""

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect, status
from fastapi.responses import FileResponse
from sqlalchemy import select

from bot.api.deps import GatewayDep
from bot.channels.socket_limits import MessagePace
from bot.conversations.core import ConversationNotFound, InboundMessage, token_hash
from bot.conversations.models import Channel, Conversation, Message
from bot.conversations.views import message_view
from bot.gateway import Gateway
from bot.realtime import AVAILABILITY_TOPIC, conversation_topic
from bot.settings import PROJECT_ROOT
from bot.text import formatting
from bot.text.cleaning import UnusableText
from bot.web.texts import widget_texts

log = logging.getLogger(__name__)
router = APIRouter(prefix="/chat", tags=["web chat"])
STATIC = PROJECT_ROOT / "bot" / "web" / "static"
HISTORY_LIMIT = 200
MAX_FRAME_CHARS = 16 * 1024
IDLE_CLOSE_CODE = 4408  # the socket sent nothing, not even the widget's ping, for too long


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/widget.css", include_in_schema=False)
def widget_style() -> FileResponse:
    return FileResponse(STATIC / "widget.css", media_type="text/css", headers={"Cache-Control": "no-cache"})


@router.get("/texts")
def texts(gateway: GatewayDep, lang: str = Query("pl", pattern="^[a-z]{2}$")) -> dict[str, str]:
    """The widget's interface text in the page's language (Polish or English)."""
    return widget_texts(gateway.settings.widget_texts_path, lang)


@router.get("/availability")
def availability(gateway: GatewayDep, lang: str = Query("pl", pattern="^(pl|en)$")) -> dict[str, Any]:
    """Whether "talk to a person" may be offered now: an agent is available and the wait is short."""
    return _availability(gateway, lang)


def _availability(gateway: Gateway, language: str) -> dict[str, Any]:
    with gateway.sessions() as session:
        result = gateway.queue.availability(session, language, gateway.clock())
    next_open = (formatting.moment(result.next_open, language, gateway.queue.hours.zone)
                 if result.next_open is not None else None)
    return {"type": "availability", "live": result.live, "wait_minutes": result.wait_minutes, "next_open": next_open}


class _ChatSession:
    """One open widget: which conversation it shows and the events waiting to be sent to it."""

    def __init__(self, socket: WebSocket, gateway: Gateway, client_ip: str) -> None:
        self.socket = socket
        self.gateway = gateway
        self.client_ip = client_ip
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        self.conversation_id: str | None = None
        self.token: str | None = None
        self.language = gateway.settings.default_language
        self.pace = MessagePace(gateway.settings.chat_messages_per_minute)

    def follow(self, conversation_id: str) -> None:
        if self.conversation_id != conversation_id:
            self.unfollow()
            self.conversation_id = conversation_id
            self.gateway.hub.subscribe(conversation_topic(conversation_id), self.events)

    def unfollow(self) -> None:
        if self.conversation_id:
            self.gateway.hub.unsubscribe(conversation_topic(self.conversation_id), self.events)

    async def send(self, event: dict[str, Any]) -> None:
        await self.socket.send_text(json.dumps(event, ensure_ascii=False))

    async def error(self, code: str, detail: str, client_id: Any = None) -> None:
        await self.send({"type": "error", "error": code, "detail": detail, "client_id": client_id})


@router.websocket("/ws")
async def chat_socket(socket: WebSocket) -> None:
    gateway: Gateway = socket.app.state.gateway
    client_ip = socket.client.host if socket.client else "unknown"
    with gateway.chat_sockets.opened(client_ip) as admitted:
        if not admitted:
            await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="too many open chats from this address")
            return
        await socket.accept()
        chat = _ChatSession(socket, gateway, client_ip)
        gateway.hub.subscribe(AVAILABILITY_TOPIC, chat.events)
        forwarder = asyncio.create_task(_forward_events(chat))
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(socket.receive_text(), gateway.settings.chat_idle_seconds)
                except TimeoutError:
                    await socket.close(code=IDLE_CLOSE_CODE, reason="idle")
                    break
                frame = _parse_frame(raw)
                if frame is None:
                    await chat.error("bad_frame", "send JSON objects with a 'type' field")
                    continue
                await _handle_frame(chat, frame)
        except WebSocketDisconnect:
            pass
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forwarder
            chat.unfollow()
            gateway.hub.unsubscribe(AVAILABILITY_TOPIC, chat.events)


def _parse_frame(raw: str) -> dict[str, Any] | None:
    if len(raw) > MAX_FRAME_CHARS:
        return None
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) and isinstance(frame.get("type"), str) else None


async def _forward_events(chat: _ChatSession) -> None:
    while True:
        event = await chat.events.get()
        if event.get("type") == "availability_changed":
            event = await asyncio.to_thread(_availability, chat.gateway, chat.language)
        await chat.send(event)


async def _handle_frame(chat: _ChatSession, frame: dict[str, Any]) -> None:
    kind = frame["type"]
    if kind == "ping":
        await chat.send({"type": "pong"})
    elif kind == "hello":
        await _hello(chat, frame)
    elif kind == "message":
        await _message(chat, frame)
    else:
        await chat.error("unknown_type", f"unknown frame type {kind!r}")


async def _hello(chat: _ChatSession, frame: dict[str, Any]) -> None:
    if frame.get("language") in ("pl", "en"):
        chat.language = frame["language"]
    conversation_id, token = frame.get("conversation_id"), frame.get("token")
    last_seen = frame.get("last_seen") if isinstance(frame.get("last_seen"), int) else 0
    welcome = await asyncio.to_thread(_resume, chat.gateway, conversation_id, token, last_seen)
    if welcome["conversation_id"]:
        chat.token = token
        chat.follow(welcome["conversation_id"])
    welcome["availability"] = await asyncio.to_thread(_availability, chat.gateway, chat.language)
    await chat.send(welcome)


def _resume(gateway: Gateway, conversation_id: Any, token: Any, last_seen: int) -> dict[str, Any]:
    """The conversation a returning widget asks for, if its token matches; else a fresh start."""
    welcome: dict[str, Any] = {"type": "welcome", "conversation_id": None, "token": None, "state": "bot",
                               "history": [], "queue": None, "agent_name": None}
    if not isinstance(conversation_id, str) or not isinstance(token, str):
        return welcome
    with gateway.sessions() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or conversation.resume_token_hash != token_hash(token):
            return welcome
        history = session.scalars(
            select(Message).where(Message.conversation_id == conversation.id, Message.id > last_seen)
            .order_by(Message.id.desc()).limit(HISTORY_LIMIT))
        ticket = gateway.queue.open_ticket_of(session, conversation.id)
        place = gateway.queue.place_of(session, ticket) if ticket else None
        welcome.update(
            conversation_id=conversation.id, token=token, state=conversation.state.value,
            history=[message_view(m) for m in reversed(list(history))],
            queue={"position": place.position, "wait_minutes": place.wait_minutes} if place else None,
            agent_name=ticket.agent.display_name if ticket and ticket.agent else None,
        )
    return welcome


async def _message(chat: _ChatSession, frame: dict[str, Any]) -> None:
    text, client_id, payload = frame.get("text"), frame.get("client_id"), frame.get("payload")
    if not isinstance(text, str) or not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
        await chat.error("bad_message", "a message needs 'text' and a 'client_id' of up to 64 characters",
                         client_id if isinstance(client_id, str) else None)
        return
    if payload is not None and (not isinstance(payload, str) or len(payload) > 200):
        await chat.error("bad_message", "'payload' must be a short string", client_id)
        return
    if not chat.pace.allow(time.monotonic()):
        await chat.error("rate_limited", "too many messages: wait a moment, then send it again", client_id)
        return
    inbound = InboundMessage(channel=Channel.WEB, text=text, conversation_id=chat.conversation_id,
                             resume_token=chat.token, payload=payload, client_message_id=client_id,
                             language=chat.language, client=f"ip:{chat.client_ip}")
    try:
        receipt = await chat.gateway.core.accept(inbound)
    except UnusableText as problem:
        await chat.error("bad_message", str(problem), client_id)
        return
    except ConversationNotFound:
        # The conversation vanished (e.g. a wiped database): start a new one rather than lose the text.
        chat.unfollow()
        chat.conversation_id = chat.token = None
        receipt = await chat.gateway.core.accept(replace(inbound, conversation_id=None, resume_token=None))
    if receipt.resume_token:
        chat.token = receipt.resume_token
    chat.follow(receipt.conversation_id)
    await chat.send({"type": "ack", "client_id": client_id, "message_id": receipt.message_id,
                     "conversation_id": receipt.conversation_id, "token": chat.token})
    if not receipt.duplicate:
        chat.gateway.run_in_background(chat.gateway.core.process(receipt.message_id, inbound.client))
