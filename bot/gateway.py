"""Builds the gateway's long-lived parts once (database, engine client, queue, live hub, the output
channel of every channel, Twilio) for the app's lifespan; routes ask for the parts they use
through bot/deps.py."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.rest import Client

from bot.api.conversations import ApiOutput
from bot.background import BackgroundWork
from bot.channels.email.mailbox import MailboxReader
from bot.channels.email.receiving import EmailReceiver
from bot.channels.email.sending import EmailOutput
from bot.channels.messenger import MessengerOutput
from bot.channels.speech_engines import SpeechEngines
from bot.channels.twilio_messaging import TwilioMessagingOutput
from bot.channels.twilio_rest import twilio_client
from bot.channels.twilio_voice import VoiceOutput
from bot.channels.webchat import WebChatOutput
from bot.conversations.agent_actions import AgentActions
from bot.conversations.core import ConversationCore
from bot.conversations.delivery import Delivery
from bot.conversations.desk import AgentDesk
from bot.conversations.outbox_worker import RetryPolicy
from bot.conversations.replies import SystemReplies
from bot.conversations.satisfaction import Satisfaction, SatisfactionConfig
from bot.conversations.texts import GatewayTexts, load_texts
from bot.engine.address import EngineAddress
from bot.engine.client import EngineClient
from bot.handoff.agents import demo_agents_with_password
from bot.handoff.announcer import QueueAnnouncer
from bot.handoff.hours import load_handoff_config
from bot.handoff.live_config import LiveHandoffConfig
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Channel
from bot.persistence.schema import require_current_schema
from bot.realtime import Hub, hub_for
from bot.settings import Settings
from bot.socket_limits import SocketCounter
from bot.surveys.wiring import Surveys, build_surveys
from bot.widget_look import LiveWidgetLook, load_defaults
from contracts.survey_result import SURVEY_RESULT_TYPE
from db.base import utcnow
from db.sessions import make_engine, session_factory
from shop.access import live_policy, shop_service
from shop.policy_settings import LivePolicy
from shop.service import ShopService
from text.language import detector_for


@dataclass
class Gateway:
    settings: Settings
    database: Engine
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    hub: Hub
    texts: GatewayTexts
    queue: HandoffQueue
    engine: EngineClient
    delivery: Delivery
    core: ConversationCore
    desk: AgentDesk
    surveys: Surveys
    twilio: Client
    voice: VoiceOutput
    chat_sockets: SocketCounter
    background: BackgroundWork
    mailbox: MailboxReader | None  # reads the shop's support mailbox, when one is configured
    satisfaction: Satisfaction  # the rating question when a conversation ends, and its e-mailed link's page
    agent_actions: AgentActions  # refunds, late returns and the like, from the ticket page
    shop: ShopService  # the demo shop's tables or the shop's own platform (shop/platforms)
    handoff_hours: LiveHandoffConfig  # opening hours and the wait limit in force (the console changes them)
    shop_policy: LivePolicy  # shipping, returns and contact details in force (the console changes them)
    widget_look: LiveWidgetLook  # the chat widget's branded texts and colours in force (the console changes them)

    async def close(self) -> None:
        await self.background.finish(timeout=10)
        await self.hub.close()
        await self.engine.close()
        await self.twilio.http_client.session.close()
        self.database.dispose()


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
    await asyncio.to_thread(require_current_schema, database)  # code newer than the schema: `koliber migrate` first
    sessions = session_factory(database)
    if not settings.development:
        await asyncio.to_thread(_refuse_demo_accounts, sessions, settings)
    hub = hub_for(settings.redis_url)
    texts = load_texts(settings.gateway_texts_path, settings.default_language)
    handoff_hours = LiveHandoffConfig(sessions, load_handoff_config(settings.handoff_config_path),
                                      settings.settings_cache_seconds)
    queue = HandoffQueue(handoff_hours, same_agent_wait=timedelta(seconds=settings.same_agent_wait_seconds))
    engine = EngineClient(EngineAddress.all_of(settings), settings.engine_timeout_seconds)
    twilio = twilio_client(settings)
    delivery = Delivery(hub, sessions, RetryPolicy.from_settings(settings), clock)
    voice = VoiceOutput(texts, twilio, settings, speech)
    for output in (WebChatOutput(texts), ApiOutput(texts), voice,
                   TwilioMessagingOutput(Channel.SMS, twilio, settings.twilio_sms_from, texts),
                   TwilioMessagingOutput(Channel.WHATSAPP, twilio, settings.twilio_whatsapp_from, texts),
                   EmailOutput(texts, sessions, settings), MessengerOutput(texts, settings)):
        delivery.register(output)
    announcer = QueueAnnouncer(sessions, queue, hub)
    satisfaction = Satisfaction(SatisfactionConfig.from_settings(settings), sessions, queue,
                                SystemReplies(texts, queue), settings.outside_url, clock)
    # A message is held by the gateway answering it for longer than its slowest turn: an e-mail's
    # three questions, each waiting the engine's whole time-out, and a margin.
    answer_hold = timedelta(seconds=4 * settings.engine_timeout_seconds + 30)
    core = ConversationCore(sessions, engine, queue, texts, delivery, announcer,
                            detector_for(settings.nlu_data_dir), clock, settings.max_message_chars,
                            settings.max_attachment_bytes, satisfaction, answer_hold)
    shop_policy = live_policy(settings, sessions)
    shop = shop_service(settings, sessions, clock, shop_policy)
    desk = AgentDesk(sessions, queue, texts, delivery, announcer, clock, satisfaction, shop)
    surveys = build_surveys(settings, sessions, queue, texts, delivery, announcer, twilio, shop, clock)
    core.handle_custom(SURVEY_RESULT_TYPE, surveys.results.from_assistant)
    agent_actions = AgentActions(sessions, queue, SystemReplies(texts, queue), delivery, shop,
                                 settings.credit_limits(), clock)
    background = BackgroundWork()
    mailbox = (MailboxReader(settings, EmailReceiver(core, sessions, settings, background))
               if settings.email_imap_host else None)
    return Gateway(settings, database, sessions, clock, hub, texts, queue, engine, delivery, core, desk, surveys,
                   twilio, voice, SocketCounter(settings.chat_sockets_per_ip), background, mailbox,
                   satisfaction=satisfaction, agent_actions=agent_actions, shop=shop, handoff_hours=handoff_hours,
                   shop_policy=shop_policy, widget_look=LiveWidgetLook(
                       sessions, load_defaults(settings.widget_texts_path), settings.settings_cache_seconds))
