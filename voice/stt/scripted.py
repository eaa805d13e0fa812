"""TEST DOUBLE: a recogniser that replays scripted transcripts, one per utterance it detects in the
real audio. For Polish call flows in tests, where no Polish model is available offline; never
for production calls.

Utterances are found by the same voice activity detection as the Whisper recogniser, so a test
still exercises timing and endpointing: a transcript comes out only after the caller's audio
has ended with enough silence.
"""

import threading
from collections import deque
from collections.abc import Iterable

from voice.frames.text import Transcript
from voice.stt.base import SpeechRecognizer
from voice.stt.utterances import UtteranceDetector, UtteranceEndpointing, UtteranceStream


class ScriptedRecognizer(SpeechRecognizer):
    """TEST DOUBLE. Replays `script` in order across every stream it opens (a language switch
    mid-call continues the script). A plain string becomes a final with confidence 1.0 in the
    stream's language. Utterances heard after the script ran out yield nothing and are counted
    in `extra_utterances`."""

    streaming = False
    partial_results = False

    def __init__(
        self,
        script: Iterable[str | Transcript],
        *,
        sample_rate: int = 16000,
        endpointing: UtteranceEndpointing = UtteranceEndpointing(),
    ) -> None:
        self.sample_rate = sample_rate
        self.endpointing = endpointing
        self._script: deque[str | Transcript] = deque(script)
        self._lock = threading.Lock()  # calls' worker threads share the script
        self.utterance_ms: list[float] = []  # length of every utterance heard, scripted or not
        self.extra_utterances = 0
        self.hints: list[str | None] = []  # each stream's hint, for tests

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def open_stream(self, language: str, hint: str | None = None) -> UtteranceStream:
        self.hints.append(hint)
        detector = UtteranceDetector(self.endpointing, self.sample_rate)
        return UtteranceStream(detector, lambda pcm: self._next(pcm, language))

    def _next(self, pcm: bytes, language: str) -> Transcript | None:
        with self._lock:
            self.utterance_ms.append(1000 * len(pcm) / (2 * self.sample_rate))
            if not self._script:
                self.extra_utterances += 1
                return None
            item = self._script.popleft()
        if isinstance(item, Transcript):
            return item if item.language else Transcript(item.text, item.final, item.confidence, language)
        return Transcript(item, final=True, confidence=1.0, language=language)
