"""Builds the gateway's long-lived parts once (database, engine client, queue, live hub, Twilio)
and hands them to the routes through `app.state`."""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.socket_limits import SocketCounter
from bot.channels.speech_engines import SpeechEngines, build_speech_engines
from bot.channels.twilio_rest import twilio_client
from bot.conversations.core import ConversationCore
from bot.conversations.delivery import Delivery
from bot.conversations.models import Channel
from bot.conversations.outbox_worker import RetryPolicy, SendFailed
from bot.conversations.texts import GatewayTexts, load_texts
from bot.engine.address import EngineAddress
from bot.engine.client import EngineClient
from bot.handoff.agents import demo_agents_with_password
from bot.handoff.announcer import QueueAnnouncer
from bot.handoff.desk import AgentDesk
from bot.handoff.hours import load_handoff_config
from bot.handoff.queue import HandoffQueue
from bot.persistence.base import utcnow
from bot.persistence.database import make_engine, session_factory
from bot.realtime import Hub
from bot.settings import Settings
from bot.surveys.result import SURVEY_RESULT_TYPE
from bot.surveys.wiring import Surveys, build_surveys
from bot.text.language import detector_for


@dataclass
class Gateway:
    settings: Settings
    database: Engine
    sessions: sessionmaker[Session]
    hub: Hub
    texts: GatewayTexts
    queue: HandoffQueue
    core: ConversationCore
    desk: AgentDesk
    delivery: Delivery
    twilio: Client
    clock: Callable[[], datetime]
    surveys: Surveys
    speech: SpeechEngines | None = None
    chat_sockets: SocketCounter = field(default_factory=lambda: SocketCounter(0))
    _closers: list = field(default_factory=list)
    _background: set[asyncio.Task] = field(default_factory=set)
    _speech_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Per-turn timings of recent calls (endpointing + recognition, dialogue, synthesis).
    recent_call_timings: deque = field(default_factory=lambda: deque(maxlen=200))

    async def speech_engines(self) -> SpeechEngines:
        """The recogniser and synthesizer for calls, built on first use (models load slowly)."""
        async with self._speech_lock:
            if self.speech is None:
                self.speech = await asyncio.to_thread(build_speech_engines, self.settings)
            return self.speech

    def run_in_background(self, coroutine) -> None:
        """Work that must outlive the request that started it (answering an SMS, say)."""
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=10)
        for closer in self._closers:
            await closer()
        self.database.dispose()


def engine_address(settings: Settings) -> EngineAddress:
    return EngineAddress(settings.rasa_url, settings.engine_token)


class UnsafeDeployment(RuntimeError):
    """The gateway would start in production with something anyone could guess."""


def _refuse_demo_accounts(sessions: sessionmaker[Session], settings: Settings) -> None:
    with sessions() as session:
        exposed = demo_agents_with_password(session, settings.demo_agent_password)
    if exposed:
        raise UnsafeDeployment(f"demo console accounts {', '.join(exposed)} still have the published demo password: "
                               "change their passwords or remove them before running in production")


async def build_gateway(settings: Settings, clock: Callable[[], datetime] = utcnow,
                        speech: SpeechEngines | None = None) -> Gateway:
    database = make_engine(settings.database_url)
    sessions = session_factory(database)
    if not settings.development:
        await asyncio.to_thread(_refuse_demo_accounts, sessions, settings)
    hub = Hub()
    texts = load_texts(settings.gateway_texts_path, settings.default_language)
    queue = HandoffQueue(load_handoff_config(settings.handoff_config_path))
    engine = EngineClient(engine_address(settings), settings.engine_timeout_seconds)
    delivery = Delivery(hub, texts, sessions, RetryPolicy.from_settings(settings), clock)
    twilio = twilio_client(settings)

    async def send_twilio_message(channel: Channel, address: str, text: str) -> str:
        sender = settings.twilio_whatsapp_from if channel == Channel.WHATSAPP else settings.twilio_sms_from
        try:
            message = await twilio.messages.create_async(to=address, from_=sender, body=text)
        except TwilioRestException as error:
            raise SendFailed.from_http(error.status, error.msg.removeprefix("Unable to create record: "),
                                       error.code) from error
        return message.sid

    delivery.register(Channel.SMS, send_twilio_message)
    delivery.register(Channel.WHATSAPP, send_twilio_message)
    announcer = QueueAnnouncer(sessions, queue, hub)
    core = ConversationCore(sessions, engine, queue, texts, delivery, announcer,
                            detector_for(settings.nlu_data_dir), clock, settings.max_message_chars)
    desk = AgentDesk(sessions, queue, texts, delivery, announcer, clock)
    surveys = build_surveys(settings, sessions, queue, texts, delivery, announcer, twilio, engine, clock)
    core.handle_custom(SURVEY_RESULT_TYPE, surveys.results.from_assistant)
    return Gateway(settings, database, sessions, hub, texts, queue, core, desk, delivery, twilio, clock, surveys, speech,
                   chat_sockets=SocketCounter(settings.chat_sockets_per_ip),
                   _closers=[engine.close, twilio.http_client.session.close])
