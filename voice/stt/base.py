"""What a speech recogniser is: a provider shared by every call (it holds the loaded models) that
makes each call its own Pipecat STT service.

A caller's turn can span several stretches of speech (Silero cuts at every pause; Vosk finalises
at its own endpoints), and the turn may end while the last one is still being transcribed. So the
call does not piece the turn together from frames: it asks its service for the whole turn once
Smart Turn has decided the caller is done.
"""

import asyncio
import time
from abc import ABC, abstractmethod
from typing import NamedTuple, Protocol

from pipecat.frames.frames import Frame, TranscriptionFrame, VADUserStoppedSpeakingFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.settings import STTSettings
from pipecat.services.stt_service import SegmentedSTTService, STTService
from pipecat.utils.time import time_now_iso8601


class UnsupportedLanguage(LookupError):
    """The recogniser has no model for this language."""


class TurnTranscript(NamedTuple):
    text: str
    confidence: float | None  # the lowest of its pieces; None when the engine gives none
    # Milliseconds from the end of the caller's speech until the transcript was complete.
    finished_ms: float | None = None


class CallRecognition(Protocol):
    """What the call needs of its STT service besides the frames."""

    def use(self, language: str, hint: str | None) -> None:
        """The language to recognise from now on, and text like what the caller is about to say
        (a survey's question and typical answers) for engines that can be primed with it."""

    async def turn_transcript(self, flush: bool = False, continues: bool = False) -> TurnTranscript:
        """Everything recognised since the last call, once recognition has caught up; `flush`
        also takes speech still in progress (the caller hung up mid-sentence). `continues`: this
        turn goes on with the previous one (a number said in pieces), and the transcript is of both."""


class SpeechRecognizer(ABC):
    """A speech-to-text provider. Shared by every call and thread-safe; `service` makes one call's
    STT service (a Pipecat STTService that is also a CallRecognition)."""

    sample_rate: int = 16000

    @abstractmethod
    def service(self, language: str) -> STTService:
        """A fresh service for one call; raises UnsupportedLanguage when there is no model for it."""

    def warm_up(self) -> None:
        """Load the models now rather than on the first call (slow: run it in a worker thread at
        start-up). The default does nothing."""


class Piece(NamedTuple):
    text: str
    confidence: float | None


class SegmentRecognition(SegmentedSTTService):
    """A segmented service: VAD cuts the speech, and at each cut the turn so far is transcribed
    whole, since Whisper reads a fragment ("two, eight," on its own) far worse than the sentence
    it belongs to. Subclasses implement `transcribe`, which blocks and runs in a worker thread."""

    def __init__(self, language: str, sample_rate: int, **kwargs) -> None:
        # Transcripts are final per segment, so Smart Turn need not wait for a later one.
        super().__init__(sample_rate=sample_rate, trailing_silence_secs=0.2, ttfs_p99_latency=0.5,
                         settings=STTSettings(model=None, language=None), **kwargs)
        self.language = language
        self.hint: str | None = None
        self._turn_audio = bytearray()  # the current turn's speech
        self._turn_piece: Piece | None = None  # its transcript so far
        self._previous_audio = b""  # the last turn handed over, which the next may continue
        self._transcribing = False
        # Pipecat passes the VAD's stop on before it queues the stretch of speech it ends, so Smart
        # Turn can end the turn while that stretch is on its way to the queue: it counts as pending.
        self._cutting = False
        self._progress = asyncio.Event()

    @property
    def wants_wav_segments(self) -> bool:
        return False  # local engines read raw PCM

    def use(self, language: str, hint: str | None) -> None:
        self.language, self.hint = language, hint

    def transcribe(self, pcm: bytes, language: str, hint: str | None) -> Piece | None:
        raise NotImplementedError

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        cutting = isinstance(frame, VADUserStoppedSpeakingFrame)
        self._cutting = self._cutting or cutting
        try:
            await super().process_frame(frame, direction)
        finally:
            if cutting:
                self._cutting = False
                self._progress.set()

    async def run_stt(self, audio: bytes):
        self._transcribing = True
        try:
            self._turn_audio += audio
            self._turn_piece = await self._transcribe_turn()
            if self._turn_piece is not None:
                yield TranscriptionFrame(self._turn_piece.text, "", time_now_iso8601(),
                                         result={"confidence": self._turn_piece.confidence})
        finally:
            self._transcribing = False
            self._progress.set()

    async def turn_transcript(self, flush: bool = False, continues: bool = False) -> TurnTranscript:
        if flush and self._user_speaking and self._audio_buffer:
            await self._segment_queue.put(bytes(self._audio_buffer))
            self._audio_buffer.clear()
        asked = time.perf_counter()
        while self._cutting or not self._segment_queue.empty() or self._transcribing:
            self._progress.clear()
            await self._progress.wait()
        if continues and self._turn_audio:
            self._turn_audio[:0] = self._previous_audio
            self._turn_piece = await self._transcribe_turn()
        piece, self._turn_piece = self._turn_piece, None
        self._previous_audio = bytes(self._turn_audio)
        self._turn_audio.clear()
        return join_pieces([piece] if piece else [], (time.perf_counter() - asked) * 1000)

    async def _transcribe_turn(self) -> Piece | None:
        piece = await asyncio.to_thread(self.transcribe, bytes(self._turn_audio), self.language, self.hint)
        return piece if piece is not None and piece.text.strip() else None


def join_pieces(pieces: list[Piece], finished_ms: float | None = None) -> TurnTranscript:
    confidences = [p.confidence for p in pieces if p.confidence is not None]
    return TurnTranscript(" ".join(p.text.strip() for p in pieces if p.text.strip()),
                          min(confidences) if confidences else None, finished_ms)
