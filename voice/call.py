"""One phone call over Twilio Media Streams, as a Pipecat pipeline:

    Twilio socket -> Silero VAD -> speech recognition -> Smart Turn (user turns)
                  -> CallDialogue -> espeak-ng synthesis -> Twilio socket

Pipecat does the audio (mu-law, resampling, pacing), voice activity, end-of-turn detection and
barge-in (a caller who starts talking interrupts the bot: its audio is dropped and Twilio told to
`clear`). `CallDialogue` is Koliber's part: it turns the caller's turns and keys into calls to a
`CallHandler`, speaks the answers sentence by sentence with a Twilio mark after each, and keeps
track of what the caller actually heard. The handler is called from a task of its own, so while
the engine thinks, audio, keys, marks and the hang-up keep being handled.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from fastapi import WebSocket, WebSocketDisconnect
from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    CancelFrame,
    CancelWorkerFrame,
    EndFrame,
    EndWorkerFrame,
    Frame,
    InputDTMFFrame,
    InterimTranscriptionFrame,
    InterruptionFrame,
    StartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.workers.runner import WorkerRunner

from voice.keypad import KeypadCollector
from voice.logs import pipecat_logs_to_logging
from voice.normalizer import spoken_digits
from voice.stt.base import CallRecognition, SpeechRecognizer, TurnTranscript
from voice.tts.base import SpeechSynthesizer
from voice.tts.sentences import speakable, split_sentences
from voice.tts.service import SpeakSentence, SynthesizerTTSService
from voice.twilio_stream import (
    PlayedMark,
    ProtocolError,
    StreamStart,
    StreamStopped,
    TwilioStreamSerializer,
    mark_message,
    parse_start,
)

log = logging.getLogger(__name__)
TWILIO_RATE = 8000
# Whatever is still being transcribed when the call ends gets this long to finish.
LAST_WORDS_SECONDS = 10.0


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
    transferred: bool = False  # the handler moves the call elsewhere as it ends (no hang-up)
    speech_hint: str | None = None  # primes the recogniser for the caller's answer (CallRecognition.use)
    digits: int = 0  # the answer is a number this long (an order number), which callers say in pieces


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
    # Silero: this much speech starts a stretch (Pipecat's default 0.2 s misses a short "tak" or
    # "nie" entirely) and this much silence ends it; Smart Turn then decides whether the caller
    # has finished, and waits at most `turn_silence_seconds` for a caller who has not.
    vad_start_seconds: float = 0.1
    vad_stop_seconds: float = 0.2
    turn_silence_seconds: float = 2.5
    # A caller reading out a number pauses between groups of digits, and a pause can end the turn:
    # while fewer digits than the bot asked for have been said, speech within this long goes on
    # with the number.
    digit_pause_seconds: float = 2.0


@dataclass
class TurnTiming:
    """One spoken caller turn, for the latency benchmark: where the time between the caller's
    last word and the bot's first audio went (milliseconds)."""

    endpointing_ms: float  # end of speech until Smart Turn ended the turn
    recognition_ms: float  # until the turn's transcript was complete
    dialogue_ms: float | None = None  # the handler's answer
    synthesis_ms: float | None = None  # until the first audio of the answer went out


# A caller's turn waiting to be answered: keys pressed (the turn), or speech (None and its timing;
# the transcript is fetched when the turn's time comes).
_Queued = tuple[CallerTurn | None, TurnTiming | None]


@dataclass
class _Speaking:
    utterance: Utterance
    sentences: list[str]
    marks: list[str]
    played: int = 0  # sentences whose mark came back


class CallDialogue(FrameProcessor):
    """Koliber's turn-taking on top of Pipecat's: see the module docstring."""

    def __init__(self, handler: CallHandler, stream: StreamStart, greeting: BotReply,
                 recognition: CallRecognition, synthesis: SynthesizerTTSService,
                 serializer: TwilioStreamSerializer, settings: CallSettings) -> None:
        super().__init__()
        self._handler = handler
        self._stream = stream
        self._greeting = greeting
        self._recognition = recognition
        self._synthesis = synthesis
        self._serializer = serializer
        self._settings = settings
        self.language = greeting.language
        self._keypad = KeypadCollector()
        self._digits_expected = 0
        self._caller_speaking = False
        self._speaking: list[_Speaking] = []
        self._hang_up_after_playback = False
        self._goodbye_for_silence = False  # the hang-up pending is the silence goodbye, which speech takes back
        self._transferred = False
        self._reprompts = 0
        self._silence_timer: asyncio.Task | None = None
        self._turns: asyncio.Queue[_Queued] = asyncio.Queue()
        self._answerer: asyncio.Task | None = None
        self._answering = False
        self._speech_ended_at: float | None = None
        self._awaiting_audio: TurnTiming | None = None
        self._answered_at = 0.0
        self.ended: str | None = None
        self.timings: list[TurnTiming] = []

    # --- frames ----------------------------------------------------------------------------------
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            self._answerer = asyncio.create_task(self._answer_turns())
            await self._say(self._greeting)
            return
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._stop_tasks()
        elif isinstance(frame, InputDTMFFrame):
            await self._on_key(frame.button.value)
            return
        elif isinstance(frame, PlayedMark):
            await self._on_played(frame.mark)
            return
        elif isinstance(frame, StreamStopped):
            await self.finish("stop")
            await self.push_frame(CancelWorkerFrame(), FrameDirection.UPSTREAM)
            return
        elif isinstance(frame, InterruptionFrame):
            await self._interrupted()
        elif isinstance(frame, UserStartedSpeakingFrame):
            self._caller_speaking = True
            self._caller_active()
        elif isinstance(frame, InterimTranscriptionFrame):
            self._caller_active()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speech_ended_at = time.perf_counter() - frame.stop_secs
        elif isinstance(frame, UserStoppedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            self._caller_speaking = False
            self._end_spoken_turn()
        elif isinstance(frame, BotStartedSpeakingFrame) and self._awaiting_audio is not None:
            self._awaiting_audio.synthesis_ms = (time.perf_counter() - self._answered_at) * 1000
            self._awaiting_audio = None
        await self.push_frame(frame, direction)

    # --- the caller's turns ----------------------------------------------------------------------
    def _end_spoken_turn(self) -> None:
        ended_at = time.perf_counter()
        endpointing = (ended_at - self._speech_ended_at) * 1000 if self._speech_ended_at else 0.0
        self._turns.put_nowait((None, TurnTiming(endpointing, 0.0)))

    async def _on_key(self, key: str) -> None:
        self._caller_active()
        entry = self._keypad.press(key)
        if entry is not None:
            if self._bot_is_talking():
                await self.broadcast_interruption()
            self._turns.put_nowait((CallerTurn(entry, self.language, 1.0, keypad=True), None))

    async def _answer_turns(self) -> None:
        """One turn at a time, in order, off the frame path."""
        next_turn = None
        while True:
            turn, timing = next_turn or await self._turns.get()
            next_turn = None
            if self._dialogue_over():
                continue  # whatever the caller says over the last words goes unanswered
            if turn is None:  # a spoken turn: its transcript, once recognition has caught up
                self._answering = True
                transcript = await self._transcript(timing)
                if self._digits_expected:
                    transcript, timing, next_turn = await self._rest_of_number(transcript, timing)
                self._answering = False
                if not transcript.text:  # a cough, a door: nothing to answer
                    if not self._speaking:
                        await self._playback_finished()  # the silence timer starts again
                    continue
                turn = CallerTurn(transcript.text, self.language, transcript.confidence, keypad=False)
            self._keypad.single_key = False
            self._reprompts = 0
            self._answering = True
            started = time.perf_counter()
            try:
                reply = await self._handler.answer(turn)
            except Exception:  # noqa: BLE001 - the call goes on: the silence reprompt asks again
                log.exception("the handler failed to answer a turn")
                reply = None
            finally:
                self._answering = False
            if reply is None:
                if not self._speaking:
                    await self._playback_finished()
                continue
            if timing is not None:
                self._answered_at = time.perf_counter()
                timing.dialogue_ms = (self._answered_at - started) * 1000
                self.timings.append(timing)
                self._awaiting_audio = timing
            if self.ended is None:
                await self._say(reply)

    async def _transcript(self, timing: TurnTiming, continues: bool = False) -> TurnTranscript:
        transcript = await self._recognition.turn_transcript(continues=continues)
        timing.recognition_ms = transcript.finished_ms or 0.0
        return transcript._replace(text=transcript.text.strip())

    async def _rest_of_number(self, transcript: TurnTranscript, timing: TurnTiming) \
            -> tuple[TurnTranscript, TurnTiming, _Queued | None]:
        """The turns that go on with a number said in pieces ("one two eight" ... "seven four"),
        transcribed as one; with the turn that came next, if it is not part of the number."""
        while True:
            digits = spoken_digits(transcript.text, self.language)
            if digits is None or len(digits) >= self._digits_expected:
                return transcript, timing, None
            following = await self._next_turn_within(self._settings.digit_pause_seconds)
            if following is None or following[0] is not None:  # the caller stopped, or pressed keys
                return transcript, timing, following
            timing = following[1]
            transcript = await self._transcript(timing, continues=True)

    async def _next_turn_within(self, seconds: float) -> _Queued | None:
        """The caller's next turn, if they start it within `seconds`."""
        while True:
            try:
                return await asyncio.wait_for(self._turns.get(), seconds)
            except TimeoutError:
                if not self._caller_speaking:
                    return None

    def _caller_active(self) -> None:
        """The caller is speaking or typing: the silence timer waits."""
        self._cancel_silence_timer()

    # --- speaking --------------------------------------------------------------------------------
    async def _say(self, reply: BotReply, for_silence: bool = False) -> None:
        self._cancel_silence_timer()
        self._keypad.single_key = reply.choices > 0
        self._digits_expected = reply.digits
        if reply.hang_up:  # the latest goodbye decides: an answer's end overrides the silence goodbye
            self._goodbye_for_silence = for_silence
        self._hang_up_after_playback = self._hang_up_after_playback or reply.hang_up
        self._transferred = self._transferred or reply.transferred
        self.language = reply.language
        self._synthesis.language = self.language
        self._recognition.use(self.language, reply.speech_hint)
        for utterance in reply.utterances:
            sentences = split_sentences(speakable(utterance.text, reply.language))
            if not sentences:
                continue
            speaking = _Speaking(utterance, sentences, [f"{utterance.id}:{n}" for n in range(len(sentences))])
            self._speaking.append(speaking)
            for sentence, mark in zip(sentences, speaking.marks):
                await self.push_frame(SpeakSentence(text=sentence, mark=mark_message(self._stream.stream_sid, mark)))
        if not self._speaking:
            await self._playback_finished()

    def _dialogue_over(self) -> bool:
        """The call ends once the bot's last words are played."""
        return self.ended is not None or (self._hang_up_after_playback and not self._goodbye_for_silence)

    def _bot_is_talking(self) -> bool:
        return bool(self._speaking)

    async def _on_played(self, mark: str) -> None:
        """Twilio played everything up to this mark."""
        if not self._speaking or mark not in self._speaking[0].marks:
            return  # a mark of audio already cleared
        speaking = self._speaking[0]
        speaking.played = speaking.marks.index(mark) + 1
        if speaking.played < len(speaking.sentences):
            return
        self._speaking.pop(0)
        await self._handler.heard(speaking.utterance, speaking.utterance.text, False)
        if not self._speaking:
            await self._playback_finished()

    async def _playback_finished(self) -> None:
        if self._hang_up_after_playback:
            await self.finish("goodbye")
            await self.push_frame(EndWorkerFrame(), FrameDirection.UPSTREAM)
        elif self.ended is None and not self._answering and self._turns.empty():
            self._silence_timer = asyncio.create_task(self._wait_for_caller())

    async def _interrupted(self) -> None:
        """The caller talks over the bot: Pipecat drops its audio and clears Twilio's buffer; note
        what the caller heard of each interrupted utterance. The goodbye said to a silent caller is
        taken back (they are still there); the end the dialogue reached (a transfer to the person they
        asked for, a finished survey) goes ahead."""
        if await self._cut_off():
            if self._dialogue_over():
                await self._playback_finished()
            else:
                self._hang_up_after_playback = False

    async def _cut_off(self) -> bool:
        """Drops what is being spoken, telling the handler how much of each utterance the caller
        heard; whether anything was."""
        cut, self._speaking = self._speaking, []
        for speaking in cut:
            await self._handler.heard(speaking.utterance, " ".join(speaking.sentences[: speaking.played]), True)
        return bool(cut)

    # --- silence and the end ---------------------------------------------------------------------
    async def _wait_for_caller(self) -> None:
        await asyncio.sleep(self._settings.silence_reprompt_seconds)
        self._silence_timer = None
        self._reprompts += 1
        final = self._reprompts > self._settings.max_reprompts
        reply = await self._handler.silence(self._reprompts, final)
        if final:
            reply = BotReply(reply.utterances, reply.language, hang_up=True)
        await self._say(reply, for_silence=final)

    def _cancel_silence_timer(self) -> None:
        if self._silence_timer is not None and self._silence_timer is not asyncio.current_task():
            self._silence_timer.cancel()
        self._silence_timer = None

    async def finish(self, reason: str) -> None:
        """The call is over: what was said and heard is handed to the handler, once."""
        if self.ended is not None:
            return
        self.ended = reason
        self._cancel_silence_timer()
        await self._cut_off()  # the caller hung up mid-sentence
        last_words = None
        if reason != "goodbye":
            # What the caller was saying as the call ended is kept, not dropped.
            with contextlib.suppress(TimeoutError):
                said = await asyncio.wait_for(self._recognition.turn_transcript(flush=True), LAST_WORDS_SECONDS)
                if said.text.strip():
                    last_words = CallerTurn(said.text.strip(), self.language, said.confidence, keypad=False)
        await self._handler.ended(reason, last_words)
        if reason == "goodbye" and not self._transferred:
            self._serializer.hang_up_at_end = True

    async def _stop_tasks(self) -> None:
        self._cancel_silence_timer()
        if self._answerer is not None:
            self._answerer.cancel()


class VoiceCall:
    """Plays one call on an accepted Media Streams WebSocket until the caller hangs up or the bot
    ends it. `hang_up` ends the call through Twilio's REST API after the bot's goodbye."""

    def __init__(self, handler: CallHandler, recognizer: SpeechRecognizer, synthesizer: SpeechSynthesizer,
                 language: str, settings: CallSettings = CallSettings(),
                 hang_up: Callable[[str], Awaitable[None]] | None = None) -> None:
        self._handler = handler
        self._recognizer = recognizer
        self._synthesizer = synthesizer
        self.language = language
        self._settings = settings
        self._hang_up = hang_up
        self.protocol_errors = 0
        self.timings: list[TurnTiming] = []
        pipecat_logs_to_logging()

    async def run(self, socket: WebSocket) -> str:
        """Why the call ended: "stop" (Twilio's stop), "hangup" (the socket closed), "goodbye"
        (the bot ended it) or "refused" (the handler refused the stream)."""
        stream = await self._read_start(socket)
        if stream is None:
            return "hangup"
        try:
            greeting = await self._handler.start(CallInfo(stream.call_sid, stream.stream_sid, stream.parameters))
        except CallRefused as refusal:
            log.warning("call %s refused: %s", stream.call_sid, refusal)
            return "refused"
        hang_up = (lambda: self._hang_up(stream.call_sid)) if self._hang_up else None
        serializer = TwilioStreamSerializer(stream, hang_up)
        transport = FastAPIWebsocketTransport(socket, FastAPIWebsocketParams(
            audio_in_enabled=True, audio_out_enabled=True, add_wav_header=False, serializer=serializer))
        recognition = self._recognizer.service(greeting.language)
        synthesis = SynthesizerTTSService(self._synthesizer, greeting.language)
        dialogue = CallDialogue(self._handler, stream, greeting, recognition, synthesis, serializer, self._settings)
        smart_turn = LocalSmartTurnAnalyzerV3(params=SmartTurnParams(stop_secs=self._settings.turn_silence_seconds))
        pipeline = Pipeline([
            transport.input(),
            VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(
                start_secs=self._settings.vad_start_seconds, stop_secs=self._settings.vad_stop_seconds))),
            recognition,
            # A turn starts on speech (not on a transcript: Whisper's arrives after the turn ended,
            # and would start another) and ends on Smart Turn's verdict alone: the dialogue waits
            # for the transcript itself (CallRecognition.turn_transcript), overlapping the two.
            UserTurnProcessor(user_turn_strategies=UserTurnStrategies(
                start=[VADUserTurnStartStrategy()],
                stop=[TurnAnalyzerUserTurnStopStrategy(turn_analyzer=smart_turn, wait_for_transcript=False)])),
            dialogue,
            synthesis,
            transport.output(),
        ])
        worker = PipelineWorker(pipeline, params=PipelineParams(
            audio_in_sample_rate=self._recognizer.sample_rate, audio_out_sample_rate=TWILIO_RATE, enable_metrics=True),
            idle_timeout_secs=None, enable_rtvi=False)

        @transport.event_handler("on_client_disconnected")
        async def hung_up(_transport, _socket) -> None:
            await dialogue.finish("stop" if serializer.stopped else "hangup")
            await worker.cancel()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await runner.run()
        await dialogue.finish("hangup")  # no-op unless the pipeline stopped on its own
        self.protocol_errors += serializer.protocol_errors
        self.timings = dialogue.timings
        return dialogue.ended or "hangup"

    async def _read_start(self, socket: WebSocket) -> StreamStart | None:
        """Twilio's `connected` and `start` events; anything before `start` belongs to no call."""
        while True:
            try:
                message = await socket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return None
            try:
                start = parse_start(message)
            except ProtocolError as error:
                self.protocol_errors += 1
                log.warning("ignoring a bad Media Streams message: %s", error)
                continue
            if start is not None:
                return start
