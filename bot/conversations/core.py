"""The conversation core: every customer message is stored first, then routed to the assistant
(Rasa) while the bot has the conversation, or left for the agent while a person has it.

Database work runs in worker threads (one unit of work each); the engine call is async. Turns
of one conversation are processed one at a time, in order.
"""

import asyncio
import contextlib
import hashlib
import logging
import secrets
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import answer_claims
from bot.conversations.attachments import ReceivedFile, store_attachments
from bot.conversations.delivery import Delivery
from bot.conversations.identity import (
    contact_for_email,
    contact_for_phone,
    contact_for_proven_phone,
    link_verified_order,
)
from bot.conversations.leave_message import LeaveMessageDialogue, is_for_gateway
from bot.conversations.replies import LEAVE_MESSAGE, SystemReplies, known_contact
from bot.conversations.satisfaction import Satisfaction, is_rating_answer
from bot.conversations.texts import GatewayTexts
from bot.conversations.views import message_view
from bot.engine.client import EngineClient, EngineTurn, EngineUnavailable
from bot.handoff.announcer import QueueAnnouncer
from bot.handoff.queue import HandoffQueue
from bot.models.conversation import Author, Channel, Conversation, ConversationState, Message
from bot.models.handoff import TicketKind
from bot.observability import metrics
from bot.observability.turns import customer_turn
from bot.realtime import conversation_topic
from contracts.handoff import HandoffSignal
from db.sessions import read, write
from text.cleaning import clean_text
from text.language import LanguageDetector
from text.questions import questions
from text.redaction import redact

# An SMS conversation older than this starts afresh (the engine's session has expired anyway).
CONVERSATION_IDLE = timedelta(hours=24)
# Messages this recent that were never answered (their gateway stopped mid-turn) still get an answer.
UNANSWERED_RECOVERY = timedelta(hours=1)
# A button stays a valid answer while it is among this many of the conversation's latest bot messages.
OFFERS_REMEMBERED = 20
# The widget's own buttons, always on screen: talk to a person, leave a message.
STANDING_OFFERS = frozenset({"/request_human", LEAVE_MESSAGE})
# Channels where one message finds its conversation by the number or id it came from (an e-mail
# names its thread itself, a web chat and a call have their own).
CONVERSATION_BY_ADDRESS = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.API, Channel.MESSENGER})
# Channels where a turn's answers go out as one message: an e-mail answers every question it can at once.
ONE_REPLY_PER_TURN = frozenset({Channel.EMAIL})
# What the assistant cannot answer: not understood, or outside what it knows. By e-mail a person does.
UNANSWERABLE = frozenset({"nlu_fallback", "out_of_scope"})
# Said alongside real questions ("Hello," "Thanks in advance"): answered only when alone.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge"})

# Handles a custom message from the assistant that is not a handoff (a survey's result, say)
# inside the turn's transaction; returns whether it changed the handoff queue.
CustomMessageHandler = Callable[[Session, Conversation, dict[str, Any], datetime], bool]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundMessage:
    """One customer message, whatever channel it came from."""

    channel: Channel
    text: str
    conversation_id: str | None = None
    resume_token: str | None = None
    address: str | None = None  # phone number or API sender: finds the conversation when no id is given
    # The payload of the button the customer chose; accepted only if the conversation offered it.
    payload: str | None = None
    external_id: str | None = None  # the provider's message id (Twilio MessageSid, an API client's id)
    client_message_id: str | None = None  # the widget's id for a message it may send twice
    language: str | None = None  # the channel's hint: page language, dialled number
    # Who sent it as the channel knows them ("ip:…", "phone:…", "api:…"): told to the engine for
    # its abuse limits (verification guesses), never stored.
    client: str | None = None
    # What only some channels know, e.g. a call's "speech_confidence" (the recogniser's),
    # "engine_text" (the words rewritten for the engine: spoken numbers as digits, an e-mail's
    # subject with its text) and an e-mail's "subject".
    metadata: Mapping[str, Any] = field(default_factory=dict)
    # Who the channel proved sent it (an e-mail address that passed DMARC, a caller's number with
    # STIR/SHAKEN attestation A); None when unproven.
    proven_sender: str | None = None
    attachments: tuple[ReceivedFile, ...] = ()


@dataclass(frozen=True)
class Receipt:
    message_id: int
    conversation_id: str
    resume_token: str | None  # set only when this message created the conversation
    duplicate: bool


@dataclass(frozen=True)
class TurnResult:
    """What one turn came to, for every channel: the messages sent back (also delivered), and the
    conversation as the turn left it."""

    replies: list[dict[str, Any]]
    state: ConversationState
    language: str
    ticket_id: int | None = None  # the open ticket, if a person is to take over
    slots: Mapping[str, Any] = field(default_factory=dict)  # the engine's, after the turn
    ended: bool = False  # the customer answered the closing rating question: a call may hang up


@dataclass(frozen=True)
class LeftMessage:
    ticket_id: int
    reply_by: str  # when a person will have answered, in words


class ConversationNotFound(LookupError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class _Turn:
    """What processing one stored customer message needs, read in one transaction."""

    conversation_id: str
    channel: Channel
    language: str
    state: ConversationState
    pending_prompt: str | None
    text: str
    payload: str | None
    handoff_mode: str
    contact_id: int | None
    speech_confidence: float | None
    proven_sender: str | None
    known_order: str | None  # the order this proven customer verified last, on any channel
    # The order this conversation is entitled to: verified in it, or the order a proactive notice
    # opened it about (the shop wrote to the order's own number or address).
    vouched_order: str | None = None


class ConversationCore:
    def __init__(self, sessions: sessionmaker[Session], engine: EngineClient, queue: HandoffQueue,
                 texts: GatewayTexts, delivery: Delivery, announcer: QueueAnnouncer,
                 detector: LanguageDetector, clock: Callable[[], datetime], max_chars: int,
                 max_attachment_bytes: int = 10 * 1024 * 1024, satisfaction: Satisfaction | None = None,
                 answer_hold: timedelta = timedelta(minutes=2)) -> None:
        self._sessions = sessions
        self._engine = engine
        self._queue = queue
        self._texts = texts
        self._delivery = delivery
        self._announcer = announcer
        self._detector = detector
        self._clock = clock
        self._max_chars = max_chars
        self._max_attachment_bytes = max_attachment_bytes
        self._replies = SystemReplies(texts, queue)
        self._leave_message = LeaveMessageDialogue(queue, self._replies)
        self._locks: dict[str, asyncio.Lock] = {}
        self._lock_users: dict[str, int] = defaultdict(int)
        self._custom_handlers: dict[str, CustomMessageHandler] = {}
        self._satisfaction = satisfaction  # asks how it went when a conversation ends (CSAT)
        # This process holds the messages it answers for `answer_hold`, at least as long as a turn can take.
        self._holder, self._answer_hold = str(uuid.uuid4()), answer_hold

    def handle_custom(self, message_type: str, handler: CustomMessageHandler) -> None:
        """Lets a feature act on the assistant's custom messages of one `type`."""
        self._custom_handlers[message_type] = handler

    # --- 1. store ---------------------------------------------------------------------------
    async def accept(self, inbound: InboundMessage) -> Receipt:
        """Stores the message (before anything else happens) and shows it to live watchers.
        UnusableText when the text is empty or too long once cleaned. Card numbers, IBANs and PESEL
        numbers are masked first: they are never stored, nor shown to the engine."""
        inbound = replace(inbound, text=redact(clean_text(inbound.text, self._max_chars)))
        try:
            receipt, view = await write(self._sessions, lambda session: self._store_inbound(session, inbound))
        except IntegrityError:
            # The same provider message arrived twice at the same moment: the other copy won.
            receipt, view = await write(self._sessions, lambda session: self._store_inbound(session, inbound))
        if view is not None:
            self._delivery.hub.publish(conversation_topic(receipt.conversation_id), {"type": "message", "message": view})
        return receipt

    def _store_inbound(self, session: Session, inbound: InboundMessage) -> tuple[Receipt, dict[str, Any] | None]:
        if inbound.external_id:  # a provider's ids are unique across conversations
            existing = session.scalar(select(Message).where(
                Message.channel == inbound.channel, Message.external_id == inbound.external_id))
            if existing is not None:
                return Receipt(existing.id, existing.conversation_id, None, True), None
        conversation, token = self._conversation_for(session, inbound)
        if inbound.client_message_id and token is None:  # a widget's ids only within its conversation
            existing = session.scalar(select(Message).where(
                Message.conversation_id == conversation.id, Message.client_message_id == inbound.client_message_id))
            if existing is not None:
                return Receipt(existing.id, conversation.id, None, True), None
        now = self._clock()
        message = Message(
            conversation=conversation, author=Author.CUSTOMER, channel=inbound.channel,
            language=conversation.language, text=inbound.text,
            payload=self._engine_payload(session, conversation, inbound), external_id=inbound.external_id,
            client_message_id=inbound.client_message_id, proven_sender=inbound.proven_sender,
            speech_confidence=inbound.metadata.get("speech_confidence"), created_at=now,
        )
        answer_claims.hold(message, self._holder, now, self._answer_hold)
        conversation.last_activity_at = now
        session.add(message)
        store_attachments(session, message, inbound.attachments, self._max_attachment_bytes)
        session.flush()
        return Receipt(message.id, conversation.id, token, False), message_view(message)

    def _conversation_for(self, session: Session, inbound: InboundMessage) -> tuple[Conversation, str | None]:
        if inbound.conversation_id:
            conversation = session.get(Conversation, inbound.conversation_id)
            if conversation is None or (conversation.resume_token_hash and (
                    not inbound.resume_token or token_hash(inbound.resume_token) != conversation.resume_token_hash)):
                raise ConversationNotFound(inbound.conversation_id)
            return conversation, None
        if inbound.address and inbound.channel in CONVERSATION_BY_ADDRESS:
            recent = session.scalar(
                select(Conversation).where(Conversation.channel == inbound.channel, Conversation.address == inbound.address,
                                           Conversation.last_activity_at > self._clock() - CONVERSATION_IDLE)
                .order_by(Conversation.last_activity_at.desc()).limit(1))
            if recent is not None:
                return recent, None
        token = secrets.token_urlsafe(24) if inbound.channel == Channel.WEB else None
        conversation = Conversation(
            id=str(uuid.uuid4()), channel=inbound.channel, address=inbound.address,
            subject=(inbound.metadata.get("subject") or "")[:255] or None,
            resume_token_hash=token_hash(token) if token else None,
            language=self._texts.language(inbound.language or self._detector.detect(inbound.text)),
            state=ConversationState.BOT, pending_data={}, created_at=self._clock(), last_activity_at=self._clock(),
        )
        if inbound.channel in (Channel.SMS, Channel.WHATSAPP, Channel.VOICE) and inbound.address:
            # SMS and WhatsApp from one number are one person: strip the channel prefix.
            conversation.contact = contact_for_phone(session, inbound.address.removeprefix("whatsapp:"))
        elif inbound.channel == Channel.EMAIL and inbound.proven_sender:
            conversation.contact = contact_for_email(session, inbound.proven_sender)
        session.add(conversation)
        return conversation, token

    def _engine_payload(self, session: Session, conversation: Conversation, inbound: InboundMessage) -> str | None:
        """What the engine is sent instead of the text, if anything: a button this conversation
        offered (by its payload, or on channels without buttons by its number), or the channel's
        rewrite of the text. Rasa reads a text starting with "/" as an intent and entities to set,
        so a customer's own words never start with one when they reach the engine."""
        if inbound.payload is not None and (inbound.payload in STANDING_OFFERS
                                            or inbound.payload in self._offered_payloads(session, conversation)):
            return inbound.payload
        chosen = self._chosen_option(session, conversation, inbound.text)
        if chosen is not None:
            return chosen
        rewritten = inbound.metadata.get("engine_text")
        words = redact(rewritten) if rewritten is not None else inbound.text
        if words.startswith("/"):
            words = words.lstrip("/ ") or "?"
        return words if words != inbound.text else None

    @staticmethod
    def _offered_payloads(session: Session, conversation: Conversation) -> set[str]:
        if conversation.id is None:
            return set()
        recent = session.scalars(select(Message.buttons).where(
            Message.conversation_id == conversation.id, Message.author.in_((Author.BOT, Author.SYSTEM)))
            .order_by(Message.id.desc()).limit(OFFERS_REMEMBERED))
        return {button.get("payload") for buttons in recent for button in buttons or []}

    @staticmethod
    def _chosen_option(session: Session, conversation: Conversation, text: str) -> str | None:
        """On channels without buttons the customer answers a numbered choice with its number."""
        if conversation.id is None or not text.strip().isdigit():
            return None
        last = session.scalar(select(Message).where(Message.conversation_id == conversation.id,
                                                    Message.author != Author.CUSTOMER).order_by(Message.id.desc()).limit(1))
        number = int(text.strip())
        if last is not None and last.buttons and 1 <= number <= len(last.buttons):
            return last.buttons[number - 1]["payload"]
        return None

    # --- phone calls -------------------------------------------------------------------------
    async def open_call(self, call_sid: str, caller: str | None, language: str, attested: bool = False) -> str:
        """The conversation of a phone call (one per call), recognising the caller by number; a
        number the phone network vouched for finds the shop customer it belongs to."""
        def open_call(session: Session) -> str:
            existing = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
            if existing is not None:
                return existing.id
            now = self._clock()
            recognise = contact_for_proven_phone if attested else contact_for_phone
            conversation = Conversation(
                id=str(uuid.uuid4()), channel=Channel.VOICE, address=caller, call_sid=call_sid,
                language=self._texts.language(language), state=ConversationState.BOT, pending_data={},
                created_at=now, last_activity_at=now, contact=recognise(session, caller) if caller else None)
            session.add(conversation)
            return conversation.id
        return await write(self._sessions, open_call)

    async def say(self, conversation_id: str, key: str, language: str | None = None,
                  **values: Any) -> dict[str, Any]:
        """Stores one of the gateway's own lines (a call's greeting, a reprompt) and returns it."""
        def store(session: Session) -> dict[str, Any]:
            conversation = session.get(Conversation, conversation_id)
            if language is not None:
                conversation.language = self._texts.language(language)
            message = self._replies.system(session, conversation, key, self._clock(), **values)
            session.flush()
            return message_view(message)
        view = await write(self._sessions, store)
        self._delivery.hub.publish(conversation_topic(conversation_id), {"type": "message", "message": view})
        return view

    async def record_heard(self, message_id: int, heard_text: str) -> None:
        """The caller interrupted this spoken message: keep what they actually heard."""
        def store(session: Session) -> None:
            message = session.get(Message, message_id)
            if message is not None:
                message.heard_text = heard_text
        await write(self._sessions, store)

    # --- 2. route ---------------------------------------------------------------------------
    @metrics.timed(metrics.GATEWAY_TURN)
    async def process(self, receipt: Receipt, client: str | None = None) -> TurnResult:
        """Answers a stored customer message: the replies are stored in the same unit of work as the
        turn, delivered on the conversation's channel, and returned. A message already answered (a
        copy sent again) gets no new answer. `client` is the sender as the channel knows them
        (InboundMessage.client)."""
        async with customer_turn(receipt.conversation_id), self._turn_lock(receipt.conversation_id):
            if receipt.duplicate and not await write(self._sessions, lambda session: answer_claims.claim(
                    session, receipt.message_id, self._holder, self._clock(), self._answer_hold)):
                turn = None  # answered already, or another gateway is answering it now
            else:
                turn = await read(self._sessions, lambda session: self._load_turn(session, receipt.message_id))
            if turn is None:  # already answered (a retry) or the conversation is gone
                return await read(self._sessions, lambda session: self._result(session, receipt.conversation_id, []))
            if turn.state == ConversationState.AGENT:  # the agent already sees it live
                return await write(self._sessions, lambda session: self._handled_by_agent(session, receipt.message_id))
            topic = conversation_topic(turn.conversation_id)
            self._delivery.hub.publish(topic, {"type": "typing", "on": True})
            try:
                result = await self._rating_step(receipt.message_id, turn)
                if result is None and is_for_gateway(turn.payload, turn.pending_prompt):
                    result = await write(self._sessions,
                                         lambda session: self._leave_message_step(session, receipt.message_id))
                elif result is None:
                    result = await self._ask_engine(receipt.message_id, turn, client)
                await self._delivery.deliver(turn.conversation_id, turn.channel, result.replies)
                if result.state != turn.state:  # joined the queue, or stopped waiting for a person
                    self._delivery.hub.publish(topic, {"type": "state", "state": result.state.value, "agent_name": None})
            finally:
                self._delivery.hub.publish(topic, {"type": "typing", "on": False})
        return result

    async def messages_last_hour(self, channel: Channel, address: str) -> int:
        """How many messages this sender sent on this channel in the last hour (floods, mail loops)."""
        def count(session: Session) -> int:
            return session.scalar(
                select(func.count(Message.id)).join(Conversation)
                .where(Conversation.channel == channel, Conversation.address == address,
                       Message.author == Author.CUSTOMER, Message.created_at > self._clock() - timedelta(hours=1))) or 0
        return await read(self._sessions, count)

    async def leave_for_a_person(self, inbound: InboundMessage, hourly_limit: int) -> LeftMessage | None:
        """Stores a message meant for the team, not the assistant (a contact form), with a ticket for
        a person; None, storing nothing, when its sender already sent `hourly_limit` in the last hour."""
        if inbound.address and await self.messages_last_hour(inbound.channel, inbound.address) >= hourly_limit:
            return None
        return await self.for_a_person(await self.accept(inbound))

    async def for_a_person(self, receipt: Receipt) -> LeftMessage:
        """A stored message the assistant will not answer (now or after a restart) waits for a person
        as a ticket (the conversation's open one, if it has one)."""
        def open_ticket(session: Session) -> LeftMessage:
            message = session.get(Message, receipt.message_id)
            now = self._clock()
            message.handled_at = message.handled_at or now
            conversation = message.conversation
            ticket = self._queue.open_ticket_of(session, conversation.id) or self._queue.open_ticket(
                session, conversation, kind=TicketKind.MESSAGE, reason="left_message", priority="normal", now=now,
                summary=message.text, contact_details=conversation.address)
            return LeftMessage(ticket.id, self._replies.reply_by(conversation.language, now))
        left = await write(self._sessions, open_ticket)
        await self._announcer.announce()
        return left

    async def set_aside(self, receipt: Receipt) -> None:
        """Leaves a stored message for a person: the bot will not answer it, now or after a restart."""
        def mark(session: Session) -> None:
            message = session.get(Message, receipt.message_id)
            message.handled_at = message.handled_at or self._clock()
        await write(self._sessions, mark)

    async def answer_unanswered(self) -> int:
        """Answers messages stored but never answered whose gateway stopped mid-turn (this one before a
        restart, or another that died), each once it is free and claimed; returns how many."""
        def find(session: Session) -> list[tuple[int, str]]:
            now = self._clock()
            return answer_claims.unanswered(session, now, now - UNANSWERED_RECOVERY)
        answered = 0
        for message_id, conversation_id in await read(self._sessions, find):
            if await write(self._sessions, lambda session, claimed=message_id: answer_claims.claim(
                    session, claimed, self._holder, self._clock(), self._answer_hold)):
                await self.process(Receipt(message_id, conversation_id, None, False))
                answered += 1
        return answered

    async def keep_answering_unanswered(self) -> None:
        """`answer_unanswered` at start-up and then every hold period, for as long as the gateway runs."""
        while True:
            try:
                await self.answer_unanswered()
            except Exception as error:  # noqa: BLE001 - the database is away: the next round tries again
                logger.warning("could not look for unanswered messages: %s", error)
            await asyncio.sleep(self._answer_hold.total_seconds())

    @contextlib.asynccontextmanager
    async def _turn_lock(self, conversation_id: str) -> AsyncIterator[None]:
        """One turn at a time per conversation; the lock is dropped when nobody holds or awaits it."""
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._lock_users[conversation_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[conversation_id] -= 1
            if not self._lock_users[conversation_id]:
                del self._lock_users[conversation_id], self._locks[conversation_id]

    def _load_turn(self, session: Session, message_id: int) -> _Turn | None:
        message = session.get(Message, message_id)
        if message is None or message.handled_at is not None:
            return None
        conversation = message.conversation
        mode = "live" if self._queue.availability(session, conversation.language, self._clock()).live else "offline"
        return _Turn(conversation.id, conversation.channel, conversation.language, conversation.state,
                     conversation.pending_prompt, message.text, message.payload, mode, conversation.contact_id,
                     message.speech_confidence, message.proven_sender, self._known_order(session, message),
                     conversation.verified_order)

    @staticmethod
    def _known_order(session: Session, message: Message) -> str | None:
        """The order the customer verified most recently on any channel, when the channel proved this
        message comes from them: they need not give its number again."""
        contact_id = message.conversation.contact_id
        if message.proven_sender is None or contact_id is None:
            return None
        return session.scalar(select(Conversation.verified_order).where(
            Conversation.contact_id == contact_id, Conversation.verified_order.is_not(None))
            .order_by(Conversation.last_activity_at.desc()).limit(1))

    def _result(self, session: Session, conversation_id: str, replies: list[Message],
                slots: Mapping[str, Any] | None = None) -> TurnResult:
        """The turn's replies and the conversation as they are in this session (flushed first)."""
        session.flush()
        conversation = session.get(Conversation, conversation_id)
        ticket = self._queue.open_ticket_of(session, conversation_id)
        return TurnResult([message_view(reply) for reply in replies], conversation.state, conversation.language,
                          ticket.id if ticket else None, dict(slots or {}))

    def _handled_by_agent(self, session: Session, message_id: int) -> TurnResult:
        message = session.get(Message, message_id)
        message.handled_at = self._clock()
        return self._result(session, message.conversation_id, [])

    async def _ask_engine(self, message_id: int, turn: _Turn, client: str | None) -> TurnResult:
        metadata = {"channel": turn.channel.value, "language": turn.language, "handoff": turn.handoff_mode,
                    "contact_id": turn.contact_id, "client": client}
        if turn.speech_confidence is not None:
            metadata["speech_confidence"] = turn.speech_confidence
        if turn.proven_sender is not None:  # a second factor of verification the channel proved
            metadata["proven_phone" if turn.channel == Channel.VOICE else "proven_email"] = turn.proven_sender
        if turn.known_order is not None:
            metadata["known_order"] = turn.known_order
        if turn.vouched_order is not None:  # no verification again for this conversation's own order
            metadata["vouched_order"] = turn.vouched_order
        try:
            # The stored message's id: an engine that gets it again (another engine died after taking
            # it) answers with what it answered then.
            engine_turn, unanswered = await self._send_in_parts(turn, metadata, message_id)
            result, queue_changed = await write(self._sessions, lambda session: self._record_engine_turn(
                session, turn.conversation_id, message_id, engine_turn, unanswered))
        except EngineUnavailable as error:
            logger.warning("no engine answered conversation %s: %s", turn.conversation_id, error)
            result, queue_changed = await write(self._sessions,
                                                lambda session: self._record_engine_down(session, message_id))
        metrics.TURNS.labels(channel=turn.channel.value, language=result.language).inc()
        if queue_changed:
            await self._announcer.announce()
        return result

    async def start_dialogue(self, conversation_id: str, intent: str) -> TurnResult:
        """Starts one of the assistant's dialogues (`/intent`) without a customer message: the
        assistant speaks first, as in a call the shop places. The replies are also delivered."""
        def channel_and_language(session: Session) -> tuple[Channel, str]:
            conversation = session.get(Conversation, conversation_id)
            return conversation.channel, conversation.language
        channel, language = await read(self._sessions, channel_and_language)
        async with customer_turn(conversation_id, f"assistant starts /{intent}"), self._turn_lock(conversation_id):
            engine_turn = await self._engine.send(conversation_id, f"/{intent}", {"channel": channel.value,
                                                                                 "language": language})
            result, queue_changed = await write(self._sessions, lambda session: self._record_engine_turn(
                session, conversation_id, None, engine_turn))
        if queue_changed:
            await self._announcer.announce()
        await self._delivery.deliver(conversation_id, channel, result.replies)
        return result

    # --- 3. record the answer ---------------------------------------------------------------
    async def _send_in_parts(self, turn: _Turn, metadata: dict[str, Any],
                             message_id: int) -> tuple[EngineTurn, list[str]]:
        """The engine's answer to the message. An e-mail asking several things, a paragraph each, is
        answered part by part and the answers joined; small talk is not answered when there is
        more, and the parts the assistant did not understand are returned for a person."""
        text = turn.payload or turn.text
        parts = questions(text) if turn.channel in ONE_REPLY_PER_TURN and not text.startswith("/") else [text]
        if len(parts) == 1:
            return await self._engine.send(turn.conversation_id, text, metadata, message_id=str(message_id)), []
        turns = [await self._engine.send(turn.conversation_id, part, metadata, message_id=f"{message_id}.{number}")
                 for number, part in enumerate(parts, start=1)]
        unanswered = [part for part, answer in zip(parts, turns) if answer.intent in UNANSWERABLE]
        answered = [answer for answer in turns if answer.intent not in SMALL_TALK | UNANSWERABLE] or turns[:1]
        return EngineTurn([message for answer in answered for message in answer.messages], turns[0].intent,
                          turns[0].confidence, turns[-1].slots), unanswered

    def _record_engine_turn(self, session: Session, conversation_id: str, message_id: int | None,
                            engine_turn: EngineTurn, unanswered: list[str] | None = None) -> tuple[TurnResult, bool]:
        conversation = session.get(Conversation, conversation_id)
        message = session.get(Message, message_id) if message_id is not None else None
        now = self._clock()
        if message is not None:
            message.handled_at = now
            message.intent, message.confidence = engine_turn.intent, engine_turn.confidence
        language = engine_turn.slots.get("language")
        if language in ("pl", "en"):
            conversation.language = language
            if message is not None:
                message.language = language
        verified = engine_turn.slots.get("verified_order")
        if verified and verified != conversation.verified_order:
            conversation.verified_order = verified
            link_verified_order(session, conversation, verified)
        replies: list[Message] = []
        queue_changed = False
        for bot_message in engine_turn.messages:
            signal = HandoffSignal.from_message(bot_message.custom) if bot_message.custom else None
            handler = self._custom_handlers.get((bot_message.custom or {}).get("type"))
            if signal is not None:
                replies += self._hand_off(session, conversation, signal, now)
                queue_changed = True
            elif handler is not None:
                queue_changed = handler(session, conversation, bot_message.custom, now) or queue_changed
            elif bot_message.text:
                replies.append(self._replies.outbound(session, conversation, Author.BOT, bot_message.text,
                                                      bot_message.buttons, now))
        if unanswered:
            replies.append(self._rest_for_a_person(session, conversation, unanswered, now))
            queue_changed = True
        if self._satisfaction is not None and not queue_changed:
            question = self._satisfaction.after_bot_turn(session, message, now)
            replies += [question] if question is not None else []
        if conversation.channel in ONE_REPLY_PER_TURN:
            replies = _joined(session, replies)
        return self._result(session, conversation_id, replies, engine_turn.slots), queue_changed

    def _hand_off(self, session: Session, conversation: Conversation, signal: HandoffSignal,
                  now: datetime) -> list[Message]:
        ticket = self._queue.open_ticket_of(session, conversation.id)
        availability = self._queue.availability(session, conversation.language, now)
        if ticket is not None:  # asked again: say where things stand, open nothing new
            place = self._queue.place_of(session, ticket)
            if place is not None:
                return [self._replies.queue_place(session, conversation, "queue_position", place, now)]
            return [self._replies.offline_offer(session, conversation, ticket, availability.open_now, now)]
        order = {"order_number": signal.order_number, "order_verified": signal.order_verified,
                 "shop_customer_id": signal.customer_id}
        kind = TicketKind.LIVE if availability.live else TicketKind.MESSAGE
        ticket = self._queue.open_ticket(session, conversation, kind=kind, reason=signal.reason,
                                         priority=signal.priority, now=now, summary=signal.summary,
                                         contact_details=known_contact(conversation), **order)
        if kind == TicketKind.LIVE:
            place = self._queue.place_of(session, ticket)
            return [self._replies.queue_place(session, conversation, "queue_joined", place, now)]
        return [self._replies.offline_offer(session, conversation, ticket, availability.open_now, now)]

    def _rest_for_a_person(self, session: Session, conversation: Conversation, unanswered: list[str],
                           now: datetime) -> Message:
        """The questions of a message the assistant could not answer go to a person, with the thread."""
        ticket = self._queue.open_ticket_of(session, conversation.id) or self._queue.open_ticket(
            session, conversation, kind=TicketKind.MESSAGE, reason="unanswered_question", priority="normal", now=now,
            summary="\n\n".join(unanswered)[:2000], contact_details=known_contact(conversation))
        return self._replies.system(session, conversation, "rest_for_a_person", now, ticket=ticket.id,
                                    reply_by=self._replies.reply_by(conversation.language, now))

    def _record_engine_down(self, session: Session, message_id: int) -> tuple[TurnResult, bool]:
        """The engine did not answer: apologise, keep the message, and make sure a person sees it."""
        message = session.get(Message, message_id)
        conversation = message.conversation
        now = self._clock()
        message.handled_at = now
        ticket = self._queue.open_ticket_of(session, conversation.id)
        opened = ticket is None
        if opened:
            ticket = self._queue.open_ticket(session, conversation, kind=TicketKind.MESSAGE, reason="engine_unavailable",
                                             priority="normal", now=now, summary=message.text,
                                             contact_details=known_contact(conversation))
        reply = self._replies.system(session, conversation, "engine_down", now, ticket=ticket.id,
                                     reply_by=self._replies.reply_by(conversation.language, now))
        return self._result(session, conversation.id, [reply]), opened

    async def _rating_step(self, message_id: int, turn: _Turn) -> TurnResult | None:
        """The customer's answer to the closing rating question; None when there is no question
        pending or this is no answer to it (the question is dropped, the message goes on)."""
        if self._satisfaction is None or not is_rating_answer(turn.payload, turn.pending_prompt):
            return None
        turn.pending_prompt = None

        def answer(session: Session) -> tuple[TurnResult | None, bool]:
            message = session.get(Message, message_id)
            step = self._satisfaction.answer(session, message, self._clock())
            if step is None:
                return None, False
            message.handled_at = self._clock()
            result = self._result(session, message.conversation_id, step.replies)
            return replace(result, ended=step.finished), step.ticket_opened
        result, ticket_opened = await write(self._sessions, answer)
        if ticket_opened:
            await self._announcer.announce()
        return result

    def _leave_message_step(self, session: Session, message_id: int) -> TurnResult:
        message = session.get(Message, message_id)
        message.handled_at = self._clock()
        replies = self._leave_message.next_step(session, message.conversation, message, self._clock())
        return self._result(session, message.conversation_id, replies)


def _joined(session: Session, replies: list[Message]) -> list[Message]:
    """The turn's replies as one message (not yet flushed, so the others are never stored)."""
    if len(replies) < 2:
        return replies
    first, rest = replies[0], replies[1:]
    first.text = "\n\n".join(reply.text for reply in replies)
    first.buttons = [button for reply in replies for button in reply.buttons or []]
    # Loading the thread's messages must not flush: a flush would store the others, and queue them to be sent.
    with session.no_autoflush:
        for reply in rest:
            first.conversation.messages.remove(reply)
            session.expunge(reply)
    return [first]
