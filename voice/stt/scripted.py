"""TEST DOUBLE: a recogniser that replays scripted transcripts, one per caller turn in which it
heard speech. For Polish call flows in tests, where no Polish model is available offline; never
for production calls.

The rest of the pipeline stays real: Silero VAD cuts the caller's real audio, Smart Turn decides
when the turn ends, and only then is the next line of the script taken.
"""

import threading
from collections import deque
from collections.abc import Iterable

from voice.stt.base import Piece, SegmentRecognition, SpeechRecognizer, TurnTranscript, join_pieces

HEARD = "…"  # what a segment "says" before its turn is over (Smart Turn waits for some text)


class ScriptedRecognizer(SpeechRecognizer):
    """TEST DOUBLE. Replays `script` in order across every call it serves: a line is a string
    (heard with confidence 1.0) or a Piece with its own confidence. Turns heard after the script
    ran out yield nothing and are counted in `extra_utterances`."""

    def __init__(self, script: Iterable[str | Piece], *, sample_rate: int = 16000) -> None:
        self.sample_rate = sample_rate
        self._script: deque[Piece] = deque(line if isinstance(line, Piece) else Piece(line, 1.0) for line in script)
        self._lock = threading.Lock()
        self.segment_ms: list[float] = []  # how much of the turn's speech was heard at each pause
        self.extra_utterances = 0
        self.hints: list[str | None] = []  # the hint in force at each turn, for tests

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def service(self, language: str) -> "ScriptedSTTService":
        return ScriptedSTTService(self, language)

    def next_line(self, hint: str | None) -> Piece | None:
        with self._lock:
            self.hints.append(hint)
            if not self._script:
                self.extra_utterances += 1
                return None
            return self._script.popleft()


class ScriptedSTTService(SegmentRecognition):
    def __init__(self, recognizer: ScriptedRecognizer, language: str) -> None:
        super().__init__(language, recognizer.sample_rate)
        self._recognizer = recognizer
        self._previous_lines: list[Piece] = []

    def transcribe(self, pcm: bytes, language: str, hint: str | None) -> Piece | None:
        self._recognizer.segment_ms.append(1000 * len(pcm) / (2 * self.sample_rate))
        return Piece(HEARD, 1.0)

    async def turn_transcript(self, flush: bool = False, continues: bool = False) -> TurnTranscript:
        heard = await super().turn_transcript(flush)
        line = self._recognizer.next_line(self.hint) if heard.text else None
        lines = [*(self._previous_lines if continues else []), *([line] if line else [])]
        self._previous_lines = lines
        return join_pieces(lines, heard.finished_ms)
