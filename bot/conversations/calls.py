"""A phone call's side of the conversation: what the voice pipeline's turns mean to the
conversation core, and what the caller is told.

Every utterance both ways is stored (the caller's with the recogniser's confidence), spoken
forms are normalised before the engine sees them, buttons become spoken numbered choices, and
a handoff during working hours transfers the live call to the agents.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from bot.conversations.call_streams import CallStreamTokens
from bot.conversations.core import ConversationCore, InboundMessage, TurnResult
from bot.conversations.output import plain_text
from bot.conversations.satisfaction import is_rating_question
from bot.conversations.texts import GatewayTexts
from bot.engine.client import EngineUnavailable
from bot.models.conversation import Channel, ConversationState
from text.cleaning import UnusableText
from text.identifiers import DEMO_ORDER_NUMBERS
from text.number_words import words_to_digits
from voice.call import BotReply, CallerTurn, CallInfo, CallRefused, Utterance
from voice.normalizer import normalize_spoken

log = logging.getLogger(__name__)

# Keys at the greeting that choose the call's language.
LANGUAGE_KEYS = {"1": "pl", "2": "en"}
# Said on its own, these switch the call's language ("English, please", "po polsku").
LANGUAGE_WORDS = {"en": ("english", "angielsku", "angielski"), "pl": ("polish", "polsku", "polski")}

# The engine's slot for the order number: while it asks for it, the recogniser is primed with
# digits (Whisper reads a hint as the text before the answer, and writes "7 4" for "seven, four"
# instead of "Ammon, Por."), and a number said in pieces is joined (BotReply.digits).
ORDER_NUMBER_SLOT = "order_id"
DIGITS_HINT = "1 2 3 4 5"

# Hands a live call over to the agents (the voice channel's output: Twilio REST with new TwiML);
# gets the call, the ticket and the language.
Transfer = Callable[[str, int, str], Awaitable[None]]


class OutboundDialogue(Protocol):
    """A call the shop placed (a survey): the assistant speaks first, and its dialogue says when
    the call is over."""

    async def begin(self, parameters: dict[str, str], conversation_id: str) -> str | None:
        """The intent that starts the call's dialogue, or None when this call is not one of ours."""

    async def is_over(self, conversation_id: str) -> bool: ...

    def speech_hint(self, slots: Mapping[str, Any], language: str) -> str | None:
        """What the caller is likely to say next in this dialogue (from the engine's slots after the
        turn), to prime the recogniser."""


class GatewayCallHandler:
    """One call's handler (voice.call.CallHandler) on top of the conversation core. A call is a
    request/response channel: each caller turn is answered with the turn's replies (TurnResult)."""

    def __init__(self, core: ConversationCore, texts: GatewayTexts, streams: CallStreamTokens, transfer: Transfer,
                 outbound: OutboundDialogue | None = None, order_numbers: range = DEMO_ORDER_NUMBERS) -> None:
        self._core = core
        # Keypad digits that complete an order number; a shop whose numbers vary in length ends them with #.
        self._order_number_keys = order_numbers.start if len(order_numbers) == 1 else 0
        self._texts = texts
        self._streams = streams
        self._transfer = transfer
        self._outbound = outbound
        self._outbound_call = False
        self._caller: str | None = None
        self._proven_caller: str | None = None
        self.conversation_id: str | None = None
        self._call_sid = ""
        self._language = "pl"
        self._caller_spoke = False
        self._choices = 0
        self._transfer_ticket: int | None = None
        # What the caller's answer to the last question is likely to be (BotReply.speech_hint, .digits).
        self._hint: str | None = None
        self._digits = 0

    async def start(self, call: CallInfo) -> BotReply:
        binding = await asyncio.to_thread(self._streams.redeem, call.parameters.get("token", ""), call.call_sid)
        if binding is None:
            raise CallRefused("no valid stream token for this call")
        self._call_sid = call.call_sid
        self._language = binding.language
        self._caller = binding.caller
        self._proven_caller = binding.caller if binding.caller_attested else None
        self.conversation_id = await self._core.open_call(call.call_sid, self._caller, self._language,
                                                          self._proven_caller is not None)
        intent = await self._outbound.begin(binding.parameters(), self.conversation_id) if self._outbound else None
        if intent is None:
            return self._reply([await self._core.say(self.conversation_id, "call_greeting", self._language)])
        self._outbound_call = self._caller_spoke = True  # no language keys: the shop chose the language
        try:
            result = await self._core.start_dialogue(self.conversation_id, intent)
        except EngineUnavailable:
            return self._reply([await self._core.say(self.conversation_id, "call_goodbye")], hang_up=True)
        self._expect_answer(result)
        return self._reply(result.replies, asks=True)

    async def answer(self, turn: CallerTurn) -> BotReply:
        assert self.conversation_id is not None, "start() comes first"
        switch = self._language_choice(turn)
        self._caller_spoke = True
        if switch is not None:
            self._language = switch
            return self._reply([await self._core.say(self.conversation_id, "call_language_switched", switch)])
        text = turn.text
        engine_text = normalize_spoken(text, self._language) if not turn.keypad else text
        if self._choices and not turn.keypad:
            engine_text = words_to_digits(engine_text, self._language)  # "dwa" answers choice 2
        try:
            receipt = await self._core.accept(InboundMessage(
                channel=Channel.VOICE, text=text, conversation_id=self.conversation_id, language=self._language,
                client=self._client(), proven_sender=self._proven_caller,
                metadata={"engine_text": engine_text, "speech_confidence": turn.confidence}))
        except UnusableText:  # nothing usable was heard: the caller is asked again
            return self._reply([await self._core.say(self.conversation_id, "call_reprompt")], asks=True)
        result = await self._core.process(receipt, self._client())
        self._language = result.language
        if result.state == ConversationState.QUEUED and result.ticket_id is not None:
            # A person can take it now: say so, then move the call to them.
            replies = [*result.replies, await self._core.say(self.conversation_id, "call_transfer")]
            self._transfer_ticket = result.ticket_id
            return self._reply(replies, hang_up=True, transferred=True)
        if result.ended or (self._outbound_call and await self._outbound.is_over(self.conversation_id)):
            return self._reply(result.replies, hang_up=True)  # rated (CSAT), or the shop's dialogue is over
        self._expect_answer(result)
        return self._reply(result.replies, asks=True)

    async def silence(self, reprompts: int, final: bool) -> BotReply:
        key = "call_goodbye" if final else "call_reprompt"
        return self._reply([await self._core.say(self.conversation_id, key)], asks=not final)

    async def heard(self, utterance: Utterance, heard_text: str, interrupted: bool) -> None:
        if interrupted and utterance.id.isdigit():
            await self._core.record_heard(int(utterance.id), heard_text)

    async def ended(self, reason: str, last_words: CallerTurn | None) -> None:
        if last_words is not None and self.conversation_id is not None:
            # Words cut off by the end of the call are kept in the transcript, not answered.
            with contextlib.suppress(UnusableText):
                await self._core.set_aside(await self._core.accept(InboundMessage(
                    channel=Channel.VOICE, text=last_words.text, conversation_id=self.conversation_id,
                    metadata={"speech_confidence": last_words.confidence})))
        if reason == "goodbye" and self._transfer_ticket is not None:
            try:
                await self._transfer(self._call_sid, self._transfer_ticket, self._language)
            except Exception:  # noqa: BLE001 - the ticket with the transcript is in the queue either way
                log.exception("could not transfer call %s", self._call_sid)

    def _client(self) -> str | None:
        return f"phone:{self._caller}" if self._caller else None

    def _language_choice(self, turn: CallerTurn) -> str | None:
        if turn.keypad:
            return LANGUAGE_KEYS.get(turn.text) if not self._caller_spoke else None
        words = turn.text.lower().replace(",", " ").replace(".", " ").split()
        if 0 < len(words) <= 3:
            for language, names in LANGUAGE_WORDS.items():
                if language != self._language and any(word in names for word in words):
                    return language
        return None

    def _expect_answer(self, result: TurnResult) -> None:
        """What the caller will answer, from the engine's slots after the turn: what an outbound
        dialogue expects, or an order number."""
        if self._outbound_call and self._outbound:
            self._hint, self._digits = self._outbound.speech_hint(result.slots, self._language), 0
        elif result.slots.get("requested_slot") == ORDER_NUMBER_SLOT:
            self._hint, self._digits = DIGITS_HINT, self._order_number_keys
        else:
            self._hint, self._digits = None, 0

    def _reply(self, messages: list[dict[str, Any]], hang_up: bool = False, transferred: bool = False,
               asks: bool = False) -> BotReply:
        """`asks`: the reply repeats or asks the last question, whose answer is expected."""
        self._choices = max((len(m.get("buttons") or []) for m in messages), default=0)
        # The rating question names its keys itself: its 1-5 "stars" are not read out as choices.
        utterances = [Utterance(str(m["id"]), m["text"] if is_rating_question(m) else plain_text(m, self._texts))
                      for m in messages]
        return BotReply(utterances, self._language, choices=self._choices, hang_up=hang_up, transferred=transferred,
                        speech_hint=self._hint if asks else None, digits=self._digits if asks else 0)
