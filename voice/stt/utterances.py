"""Cuts the caller's audio into utterances with WebRTC voice activity detection: shared by
every recogniser that transcribes whole utterances (and by barge-in detection)."""

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voice.frames.text import Transcript
from voice.stt.base import RecognitionStream

_VAD_RATES = (8000, 16000, 32000, 48000)
_VAD_FRAME_MS = (10, 20, 30)


@dataclass(frozen=True)
class UtteranceEndpointing:
    aggressiveness: int = 2  # WebRTC VAD, 0 (lenient) to 3 (strict about what is speech)
    frame_ms: int = 30  # 10, 20 or 30
    start_ms: int = 150  # voiced audio within the pre-roll window that opens an utterance
    silence_ms: int = 600  # trailing silence that closes it
    pre_roll_ms: int = 300  # audio kept from before the opening, so the first syllable survives
    max_utterance_ms: int = 15_000  # a caller who never pauses (or steady noise) is cut here


class UtteranceDetector:
    """Cuts a PCM stream into utterances. Not thread-safe: one per stream."""

    def __init__(self, endpointing: UtteranceEndpointing, sample_rate: int) -> None:
        import webrtcvad

        if sample_rate not in _VAD_RATES:
            raise ValueError(f"WebRTC VAD works at {_VAD_RATES} Hz, not {sample_rate}")
        if endpointing.frame_ms not in _VAD_FRAME_MS:
            raise ValueError(f"WebRTC VAD frames are {_VAD_FRAME_MS} ms, not {endpointing.frame_ms}")
        self.endpointing = endpointing
        self.sample_rate = sample_rate
        self._vad = webrtcvad.Vad(endpointing.aggressiveness)
        self._frame_bytes = 2 * sample_rate * endpointing.frame_ms // 1000
        self._max_bytes = 2 * sample_rate * endpointing.max_utterance_ms // 1000
        self._start_frames = math.ceil(endpointing.start_ms / endpointing.frame_ms)
        self._end_frames = math.ceil(endpointing.silence_ms / endpointing.frame_ms)
        self._pending = bytearray()  # less than one VAD frame
        self._window: deque[tuple[bytes, bool]] = deque(maxlen=max(1, endpointing.pre_roll_ms // endpointing.frame_ms))
        self._utterance: bytearray | None = None
        self._silent_frames = 0

    @property
    def in_utterance(self) -> bool:
        return self._utterance is not None

    def push(self, pcm: bytes) -> list[bytes]:
        """Feed audio; the utterances that ended within it."""
        self._pending += pcm
        ended: list[bytes] = []
        size = self._frame_bytes
        while len(self._pending) >= size:
            frame = bytes(self._pending[:size])
            del self._pending[:size]
            if (utterance := self._push_frame(frame)) is not None:
                ended.append(utterance)
        return ended

    def flush(self) -> bytes | None:
        """The utterance in progress, cut short (the caller hung up or the language changed)."""
        utterance = None
        if self._utterance is not None:
            self._utterance += self._pending
            utterance = self._close()
        self._pending.clear()
        self._window.clear()
        return utterance

    def _push_frame(self, frame: bytes) -> bytes | None:
        voiced = self._vad.is_speech(frame, self.sample_rate)
        if self._utterance is None:
            self._window.append((frame, voiced))
            if sum(flag for _, flag in self._window) >= self._start_frames:
                self._utterance = bytearray(b"".join(chunk for chunk, _ in self._window))
                self._window.clear()
                self._silent_frames = 0
            return None
        self._utterance += frame
        self._silent_frames = 0 if voiced else self._silent_frames + 1
        if self._silent_frames >= self._end_frames or len(self._utterance) >= self._max_bytes:
            return self._close()
        return None

    def _close(self) -> bytes:
        utterance = bytes(self._utterance or b"")
        self._utterance = None
        self._silent_frames = 0
        return utterance


class UtteranceStream(RecognitionStream):
    """A stream for recognisers that transcribe whole utterances: `transcribe` gets each one's
    PCM once the detector says it ended, and may return None when it heard no words."""

    def __init__(self, detector: UtteranceDetector, transcribe: Callable[[bytes], Transcript | None]) -> None:
        self._detector = detector
        self._transcribe = transcribe

    def accept(self, pcm: bytes) -> list[Transcript]:
        return self._transcribed(self._detector.push(pcm))

    def finish(self) -> list[Transcript]:
        utterance = self._detector.flush()
        return self._transcribed([utterance] if utterance else [])

    def _transcribed(self, utterances: list[bytes]) -> list[Transcript]:
        return [t for utterance in utterances if (t := self._transcribe(utterance)) is not None]
