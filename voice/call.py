"""One phone call over Twilio Media Streams: the caller's audio and keys become turns for the
dialogue, the answers are spoken sentence by sentence, and the call keeps track of what the
caller actually heard.

    caller audio: serializer -> mu-law decode -> resample -> (barge-in check) -> recogniser
    keypad:       serializer -> keypad collector
    bot speech:   synthesis (sentence, mark, ...) -> resample -> mu-law encode -> 20 ms packets

The call knows nothing about the gateway: a `CallHandler` answers each turn, writes the
transcript and decides what is said on silence. Twilio echoes each mark once the audio before it
has been played; barge-in sends `clear`, which drops the audio still buffered at Twilio.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from voice.audio.framing import Packetizer
from voice.audio.mulaw import MulawDecoder, MulawEncoder
from voice.audio.resample import Resampler
from voice.barge_in import SpeechOnset
from voice.frames.audio import InputAudio, InputMulaw, OutputAudio, OutputMulaw
from voice.frames.base import Frame
from voice.frames.control import CallEnded, CallStarted, ClearAudio, KeypadDigit, Mark
from voice.frames.text import BotSpeech, Transcript
from voice.keypad import KeypadCollector
from voice.serializers.twilio import ProtocolError, TwilioMediaStreamSerializer
from voice.stage import Pipeline
from voice.stt.base import SpeechRecognizer
from voice.stt.stage import RecognitionStage
from voice.tts.base import SpeechSynthesizer
from voice.tts.sentences import speakable, split_sentences
from voice.tts.stage import SynthesisStage

log = logging.getLogger(__name__)
TWILIO_RATE = 8000


@dataclass(frozen=True)
class CallInfo:
    call_sid: str
    stream_sid: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class CallerTurn:
    text: str  # what the recogniser heard, or the keys pressed
    language: str
    confidence: float | None
    keypad: bool
    # Milliseconds from the end of the caller's speech to the final transcript (endpointing +
    # recognition); None for keys.
    recognition_ms: float | None = None


@dataclass(frozen=True)
class Utterance:
    id: str  # the handler's id for it (e.g. its stored message), echoed in `heard`
    text: str


@dataclass(frozen=True)
class BotReply:
    utterances: list[Utterance]
    language: str
    choices: int = 0  # numbered choices offered: one key press answers
    hang_up: bool = False  # end the call once this has been played
    speech_hint: str | None = None  # primes the recogniser for the caller's answer (RecognitionStage.set_hint)


class CallRefused(Exception):
    """Raised by a handler's `start` when the stream is not a call it accepts; the call ends at once."""


class CallHandler(Protocol):
    async def start(self, call: CallInfo) -> BotReply: ...
    async def answer(self, turn: CallerTurn) -> BotReply: ...
    async def silence(self, reprompts: int, final: bool) -> BotReply: ...
    async def heard(self, utterance: Utterance, heard_text: str, interrupted: bool) -> None: ...
    async def ended(self, reason: str, last_words: CallerTurn | None) -> None: ...


@dataclass(frozen=True)
class CallSettings:
    silence_reprompt_seconds: float = 8.0
    max_reprompts: int = 2  # then the handler's silence reply says goodbye and hangs up
    barge_in_ms: int = 240


@dataclass
class TurnTiming:
    """One caller turn, for the latency benchmark: where the time between the caller's last
    word and the bot's first audio went."""

    recognition_ms: float | None
    dialogue_ms: float
    synthesis_ms: float | None = None


@dataclass
class _Speaking:
    utterance: Utterance
    sentences: list[str]
    sent_marks: list[str] = field(default_factory=list)
    played: int = 0  # sentences whose mark came back


class VoiceCall:
    def __init__(self, handler: CallHandler, recognizer: SpeechRecognizer, synthesizer: SpeechSynthesizer,
                 language: str, settings: CallSettings = CallSettings()) -> None:
        self._handler = handler
        self._recognizer = recognizer
        self._settings = settings
        self.language = language
        self._serializer = TwilioMediaStreamSerializer()
        self._decode = Pipeline([MulawDecoder(), Resampler(recognizer.sample_rate, "input")])
        self._recognition = RecognitionStage(recognizer, language)
        self._keypad = KeypadCollector()
        self._synthesis = SynthesisStage(synthesizer)
        self._encode = Pipeline([Resampler(TWILIO_RATE, "output"), MulawEncoder(), Packetizer(20)])
        self._onset = SpeechOnset(recognizer.sample_rate, settings.barge_in_ms)
        self._send: Callable[[str], Awaitable[None]] | None = None
        self._speaking: list[_Speaking] = []
        self._speaker: asyncio.Task | None = None
        self._silence_timer: asyncio.Task | None = None
        self._reprompts = 0
        self._hang_up_after_playback = False
        self._started = False
        self._ended: str | None = None
        self._ended_event = asyncio.Event()
        self._speech_ended_at: float | None = None
        self._turn_started_at: float | None = None
        self.timings: list[TurnTiming] = []
        self.protocol_errors = 0

    # --- the transport drives the call -------------------------------------------------------
    async def run(self, receive: Callable[[], Awaitable[str | None]], send: Callable[[str], Awaitable[None]]) -> str:
        """Plays the call until the caller hangs up or the bot ends it; returns why it ended."""
        self._send = send
        try:
            while self._ended is None:
                message = await self._next_message(receive)
                if message is None:
                    await self._end("hangup")
                    break
                try:
                    frames = self._serializer.deserialize(message)
                except ProtocolError as error:
                    self.protocol_errors += 1
                    log.warning("ignoring a bad Media Streams message: %s", error)
                    continue
                for frame in frames:
                    await self._on_frame(frame)
        finally:
            await self._end("hangup")
        return self._ended or "hangup"

    async def _next_message(self, receive: Callable[[], Awaitable[str | None]]) -> str | None:
        """The next message, or None once the call has ended (the bot said goodbye)."""
        receiving = asyncio.ensure_future(receive())
        ending = asyncio.ensure_future(self._ended_event.wait())
        done, _ = await asyncio.wait({receiving, ending}, return_when=asyncio.FIRST_COMPLETED)
        ending.cancel()
        if receiving in done:
            return receiving.result()
        receiving.cancel()
        return None

    async def _on_frame(self, frame: Frame) -> None:
        if isinstance(frame, CallStarted):
            await self._on_start(frame)
        elif not self._started:
            if not isinstance(frame, CallEnded):
                return  # nothing before `start` belongs to a call
            await self._end("stop")
        elif isinstance(frame, InputMulaw):
            await self._on_audio(frame)
        elif isinstance(frame, KeypadDigit):
            self._caller_active()
            async for transcript in self._keypad.process(frame):
                await self._on_caller_turn(transcript, keypad=True)
        elif isinstance(frame, Mark):
            await self._on_played(frame.name)
        elif isinstance(frame, CallEnded):
            await self._end(frame.reason)

    async def _on_start(self, frame: CallStarted) -> None:
        if self._started:
            return
        try:
            reply = await self._handler.start(CallInfo(frame.call_sid, frame.stream_sid, frame.parameters))
        except CallRefused as refusal:
            log.warning("call %s refused: %s", frame.call_sid, refusal)
            await self._end("refused")
            return
        self._started = True
        self.language = reply.language
        self._recognition.set_language(self.language)
        self._recognition.set_hint(reply.speech_hint)
        self._say(reply)

    async def _on_audio(self, frame: InputMulaw) -> None:
        async for audio in self._decode.process(frame):
            if not isinstance(audio, InputAudio):
                continue
            if self._onset.push(audio.pcm):
                self._caller_active()
                if self._bot_is_talking():
                    await self._barge_in()
            async for out in self._recognition.process(audio):
                if isinstance(out, Transcript):
                    if not out.final:
                        self._caller_active()
                        if out.text.strip() and self._bot_is_talking():
                            await self._barge_in()
                    elif out.text.strip():
                        await self._on_caller_turn(out, keypad=False)

    # --- the caller's turn -------------------------------------------------------------------
    async def _on_caller_turn(self, transcript: Transcript, keypad: bool) -> None:
        now = time.perf_counter()
        recognition_ms = None
        if not keypad and self._speech_ended_at is not None:
            recognition_ms = (now - self._speech_ended_at) * 1000
        self._keypad.single_key = False
        self._reprompts = 0
        if self._bot_is_talking():
            await self._barge_in()
        turn = CallerTurn(transcript.text.strip(), self.language, transcript.confidence, keypad, recognition_ms)
        started = time.perf_counter()
        reply = await self._handler.answer(turn)
        self.timings.append(TurnTiming(recognition_ms, (time.perf_counter() - started) * 1000))
        self._turn_started_at = time.perf_counter()
        if reply.language != self.language:
            self.language = reply.language
            self._recognition.set_language(reply.language)
        self._recognition.set_hint(reply.speech_hint)
        self._say(reply)

    def _caller_active(self) -> None:
        """The caller is speaking or typing: the silence timer waits."""
        self._speech_ended_at = time.perf_counter()
        self._cancel_silence_timer()

    # --- speaking ------------------------------------------------------------------------------
    def _say(self, reply: BotReply) -> None:
        self._keypad.single_key = reply.choices > 0
        self._hang_up_after_playback = self._hang_up_after_playback or reply.hang_up
        self._cancel_silence_timer()
        previous = self._speaker
        self._speaker = asyncio.create_task(self._speak(reply, previous))

    async def _speak(self, reply: BotReply, previous: asyncio.Task | None) -> None:
        if previous is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await previous
        for utterance in reply.utterances:
            speaking = _Speaking(utterance, split_sentences(speakable(utterance.text, reply.language)))
            if not speaking.sentences:
                continue
            self._speaking.append(speaking)
            async for frame in self._synthesis.process(BotSpeech(utterance.text, reply.language, utterance.id)):
                if isinstance(frame, OutputAudio):
                    if self._turn_started_at is not None and self.timings and self.timings[-1].synthesis_ms is None:
                        self.timings[-1].synthesis_ms = (time.perf_counter() - self._turn_started_at) * 1000
                    async for packet in self._encode.process(frame):
                        await self._transmit(packet)
                elif isinstance(frame, Mark):
                    speaking.sent_marks.append(frame.name)
                    await self._transmit(frame)
        if not self._speaking:
            await self._playback_finished()

    async def _transmit(self, frame: OutputMulaw | Mark | ClearAudio) -> None:
        message = self._serializer.serialize(frame)
        if message is not None and self._send is not None and self._ended is None:
            await self._send(message)

    def _bot_is_talking(self) -> bool:
        return bool(self._speaking) or (self._speaker is not None and not self._speaker.done())

    async def _on_played(self, mark: str) -> None:
        """Twilio played everything up to this mark."""
        if not self._speaking or mark not in self._speaking[0].sent_marks:
            return  # a mark of audio already cleared
        speaking = self._speaking[0]
        speaking.played = speaking.sent_marks.index(mark) + 1
        if speaking.played < len(speaking.sentences):
            return
        self._speaking.pop(0)
        await self._handler.heard(speaking.utterance, speaking.utterance.text, False)
        if not self._speaking and (self._speaker is None or self._speaker.done()):
            await self._playback_finished()

    async def _playback_finished(self) -> None:
        if self._hang_up_after_playback:
            await self._end("goodbye")
        elif self._ended is None:
            self._silence_timer = asyncio.create_task(self._wait_for_caller())

    async def _barge_in(self) -> None:
        """The caller talks over the bot: stop, drop Twilio's buffer, note what they heard."""
        if self._speaker is not None:
            self._speaker.cancel()
        for speaking in self._speaking:
            self._synthesis.cancel(speaking.utterance.id)
        await self._transmit(ClearAudio())
        interrupted, self._speaking = self._speaking, []
        for speaking in interrupted:
            heard = " ".join(speaking.sentences[: speaking.played])
            await self._handler.heard(speaking.utterance, heard, True)
        self._hang_up_after_playback = False

    # --- silence and the end -----------------------------------------------------------------
    async def _wait_for_caller(self) -> None:
        await asyncio.sleep(self._settings.silence_reprompt_seconds)
        self._reprompts += 1
        final = self._reprompts > self._settings.max_reprompts
        reply = await self._handler.silence(self._reprompts, final)
        if final:
            reply = BotReply(reply.utterances, reply.language, hang_up=True)
        self._silence_timer = None
        self._say(reply)

    def _cancel_silence_timer(self) -> None:
        if self._silence_timer is not None and self._silence_timer is not asyncio.current_task():
            self._silence_timer.cancel()
        self._silence_timer = None

    async def _end(self, reason: str) -> None:
        if self._ended is not None:
            return
        self._ended = reason
        self._ended_event.set()
        self._cancel_silence_timer()
        if self._speaker is not None and self._speaker is not asyncio.current_task():
            self._speaker.cancel()
        unheard, self._speaking = self._speaking, []
        for speaking in unheard:  # the caller hung up mid-sentence
            await self._handler.heard(speaking.utterance, " ".join(speaking.sentences[: speaking.played]), True)
        last_words = None
        if self._started:
            # What the caller was saying as the call ended is kept, not dropped.
            async for out in self._recognition.process(CallEnded(reason)):
                if isinstance(out, Transcript) and out.text.strip():
                    last_words = CallerTurn(out.text.strip(), self.language, out.confidence, keypad=False)
        self._recognition.close()
        await self._handler.ended(reason, last_words)
