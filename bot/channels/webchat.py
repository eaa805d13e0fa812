"""The web chat channel: the widget's WebSocket, the widget's files and texts, and whether a
person can be offered right now.

Every customer message is stored and acknowledged (`ack`) before the assistant sees it; all
replies reach the socket through the conversation's live topic, so agent replies, queue
updates and the bot's answers share one path. Garbage frames get an `error` frame, never a
closed socket. Protocol: docs/web-chat.md.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect, status
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.background import BackgroundWork
from bot.conversations.core import ConversationCore, ConversationNotFound, InboundMessage, token_hash
from bot.conversations.output import OutputChannel, Recipient
from bot.conversations.texts import GatewayTexts
from bot.conversations.views import message_view
from bot.deps import (
    BackgroundDep,
    ChatSocketsDep,
    ClockDep,
    CoreDep,
    HubDep,
    QueueDep,
    SessionsDep,
    SettingsDep,
    TextsDep,
    gateway_part,
)
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Channel, Conversation, Message
from bot.observability import metrics
from bot.page_texts import WidgetText
from bot.realtime import AVAILABILITY_TOPIC, Hub, conversation_topic
from bot.settings import PROJECT_ROOT, Settings
from bot.socket_limits import MessagePace
from bot.widget_look import LiveWidgetLook, palette, texts_in_force
from db.sessions import read
from text.cleaning import UnusableText

log = logging.getLogger(__name__)
router = APIRouter(prefix="/chat", tags=["web chat"])
STATIC = PROJECT_ROOT / "bot" / "web" / "static"
HISTORY_LIMIT = 200
MAX_FRAME_CHARS = 16 * 1024
IDLE_CLOSE_CODE = 4408  # the socket sent nothing, not even the widget's ping, for too long
WidgetLookDep = Annotated[LiveWidgetLook, gateway_part("widget_look")]


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/widget.css", include_in_schema=False)
def widget_style() -> FileResponse:
    return FileResponse(STATIC / "widget.css", media_type="text/css", headers={"Cache-Control": "no-cache"})


class WebChatOutput(OutputChannel):
    channel = Channel.WEB

    async def send_text(self, recipient: Recipient, text: str) -> None:
        """Nothing to send: the widget follows the conversation's live topic, where every stored
        message is published (buttons included) the moment it is delivered."""


@router.get("/texts")
def texts(settings: SettingsDep, look: WidgetLookDep,
          lang: str = Query("pl", pattern="^[a-z]{2}$")) -> dict[str, WidgetText]:
    """The widget's interface text in the page's language (Polish or English), with the shop owner's
    own title, greeting and the like from the console; a text that goes with a number comes as its
    forms by CLDR plural category."""
    return texts_in_force(look(), settings.widget_texts_path, lang)


@router.get("/colours")
def colours(look: WidgetLookDep) -> dict[str, str]:
    """The widget's colours as the shop owner set them: the values of its --koliber-<name> CSS properties."""
    return palette(look())


@router.get("/availability")
async def availability(sessions: SessionsDep, queue: QueueDep, texts: TextsDep, clock: ClockDep,
                       lang: str = Query("pl", pattern="^(pl|en)$")) -> dict[str, Any]:
    """Whether "talk to a person" may be offered now: an agent is available and the wait is short."""
    return await read(sessions, lambda session: _availability(session, queue, texts, clock, lang))


def _availability(session: Session, queue: HandoffQueue, texts: GatewayTexts, clock: Callable[[], datetime],
                  language: str) -> dict[str, Any]:
    """The wait stays a number (the widget words it with the count's plural form); when the team is
    back is in words: "w poniedziałek, 8 grudnia, o 8:00"."""
    result = queue.availability(session, language, clock())
    next_open = (texts.moment("back_at", result.next_open, queue.hours.zone, language)
                 if result.next_open is not None else None)
    return {"type": "availability", "live": result.live, "wait_minutes": result.wait_minutes, "next_open": next_open}


@dataclass(frozen=True)
class _Parts:
    """The gateway's parts a chat socket uses."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    queue: HandoffQueue
    texts: GatewayTexts
    hub: Hub
    core: ConversationCore
    background: BackgroundWork

    async def availability(self, language: str) -> dict[str, Any]:
        return await read(self.sessions,
                          lambda session: _availability(session, self.queue, self.texts, self.clock, language))


class _ChatSession:
    """One open widget: which conversation it shows and the events waiting to be sent to it."""

    def __init__(self, socket: WebSocket, parts: _Parts, client_ip: str) -> None:
        self.socket = socket
        self.parts = parts
        self.client_ip = client_ip
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        self.conversation_id: str | None = None
        self.token: str | None = None
        self.language = parts.settings.default_language
        self.pace = MessagePace(parts.settings.chat_messages_per_minute)

    def follow(self, conversation_id: str) -> None:
        if self.conversation_id != conversation_id:
            self.unfollow()
            self.conversation_id = conversation_id
            self.parts.hub.subscribe(conversation_topic(conversation_id), self.events)

    def unfollow(self) -> None:
        if self.conversation_id:
            self.parts.hub.unsubscribe(conversation_topic(self.conversation_id), self.events)

    async def send(self, event: dict[str, Any]) -> None:
        await self.socket.send_text(json.dumps(event, ensure_ascii=False))

    async def error(self, code: str, detail: str, client_id: Any = None) -> None:
        await self.send({"type": "error", "error": code, "detail": detail, "client_id": client_id})


@router.websocket("/ws")
@metrics.counted_open(metrics.OPEN_WEBSOCKETS.labels(kind="chat"))
async def chat_socket(socket: WebSocket, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                      queue: QueueDep, texts: TextsDep, hub: HubDep, core: CoreDep, background: BackgroundDep,
                      chat_sockets: ChatSocketsDep) -> None:
    client_ip = socket.client.host if socket.client else "unknown"
    with chat_sockets.opened(client_ip) as admitted:
        if not admitted:
            await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="too many open chats from this address")
            return
        await socket.accept()
        chat = _ChatSession(socket, _Parts(settings, sessions, clock, queue, texts, hub, core, background), client_ip)
        hub.subscribe(AVAILABILITY_TOPIC, chat.events)
        forwarder = asyncio.create_task(_forward_events(chat))
        try:
            while True:
                try:
                    raw = await asyncio.wait_for(socket.receive_text(), settings.chat_idle_seconds)
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
            hub.unsubscribe(AVAILABILITY_TOPIC, chat.events)


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
            event = await chat.parts.availability(chat.language)
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
    welcome = await read(chat.parts.sessions,
                         lambda session: _resume(session, chat.parts.queue, conversation_id, token, last_seen))
    if welcome["conversation_id"]:
        chat.token = token
        chat.follow(welcome["conversation_id"])
    welcome["availability"] = await chat.parts.availability(chat.language)
    await chat.send(welcome)


def _resume(session: Session, queue: HandoffQueue, conversation_id: Any, token: Any, last_seen: int) -> dict[str, Any]:
    """The conversation a returning widget asks for, if its token matches; else a fresh start."""
    welcome: dict[str, Any] = {"type": "welcome", "conversation_id": None, "token": None, "state": "bot",
                               "history": [], "queue": None, "agent_name": None}
    if not isinstance(conversation_id, str) or not isinstance(token, str):
        return welcome
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.resume_token_hash != token_hash(token):
        return welcome
    history = session.scalars(
        select(Message).where(Message.conversation_id == conversation.id, Message.id > last_seen)
        .order_by(Message.id.desc()).limit(HISTORY_LIMIT))
    ticket = queue.open_ticket_of(session, conversation.id)
    place = queue.place_of(session, ticket) if ticket else None
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
        receipt = await chat.parts.core.accept(inbound)
    except UnusableText as problem:
        await chat.error("bad_message", str(problem), client_id)
        return
    except ConversationNotFound:
        # The conversation vanished (e.g. a wiped database): start a new one rather than lose the text.
        chat.unfollow()
        chat.conversation_id = chat.token = None
        receipt = await chat.parts.core.accept(replace(inbound, conversation_id=None, resume_token=None))
    if receipt.resume_token:
        chat.token = receipt.resume_token
    chat.follow(receipt.conversation_id)
    await chat.send({"type": "ack", "client_id": client_id, "message_id": receipt.message_id,
                     "conversation_id": receipt.conversation_id, "token": chat.token})
    chat.parts.background.run(chat.parts.core.process(receipt, inbound.client))  # once, even if sent twice
