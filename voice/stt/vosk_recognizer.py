"""Vosk (Kaldi) streaming recognition: partial transcripts while the caller speaks, a final one
when Kaldi's endpointer hears the utterance end.

Endpointing: vosk 0.3.45 has no `KaldiRecognizer.SetEndpointerDelays` (checked with
`dir(KaldiRecognizer)`); there the endpoint rules come from the model's `conf/model.conf`
(`--endpoint.rule2.min-trailing-silence=0.5` after a confident utterance, rule3 1.0 s, rule4
2.0 s in the official small models). Newer vosk releases have the call, and then
`PHONE_ENDPOINTER_DELAYS` is applied to every stream.
"""

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from pipecat.frames.frames import InterimTranscriptionFrame, TranscriptionFrame
from pipecat.services.settings import STTSettings
from pipecat.services.stt_service import STTService
from pipecat.utils.time import time_now_iso8601

from voice.stt.base import Piece, SpeechRecognizer, TurnTranscript, UnsupportedLanguage, join_pieces
from voice.stt.models import require_model_dir, shared_models


class EndpointerDelays(NamedTuple):
    """Seconds, in the order of vosk's `SetEndpointerDelays(t_start_max, t_end, t_max)`."""

    start_max: float  # silence before any speech after which an empty utterance ends
    end: float  # trailing silence that ends an utterance
    max: float  # longest utterance


# A caller on the phone pauses briefly between words; 0.6 s of silence ends the turn.
PHONE_ENDPOINTER_DELAYS = EndpointerDelays(start_max=5.0, end=0.6, max=20.0)


def _load_model(path: Path):
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi logs every model load and stream to stderr
    return vosk.Model(str(path))


class VoskRecognizer(SpeechRecognizer):
    sample_rate = 16000  # the official small models and the Korean one are 16 kHz models

    def __init__(
        self,
        model_dirs: Mapping[str, Path | str],
        *,
        partial_interval_ms: int = 100,
        endpointer_delays: EndpointerDelays | None = PHONE_ENDPOINTER_DELAYS,
    ) -> None:
        """`model_dirs`: language -> Vosk model folder, checked now (ModelMissing says how to get
        one); the models themselves load on `warm_up` or the first stream."""
        self.model_dirs = {lang: require_model_dir(path, "vosk", lang) for lang, path in model_dirs.items()}
        # Asking Kaldi for a partial after every 20 ms packet costs decoding time for nothing.
        self.partial_interval_ms = partial_interval_ms
        self.endpointer_delays = endpointer_delays

    def warm_up(self) -> None:
        for language in self.model_dirs:
            self._model(language)

    def _model(self, language: str):
        try:
            path = self.model_dirs[language]
        except KeyError:
            raise UnsupportedLanguage(f"No Vosk model for {language!r} (have: {sorted(self.model_dirs)})") from None
        return shared_models.get(("vosk", str(path.resolve())), lambda: _load_model(path))

    def service(self, language: str) -> "VoskSTTService":
        self._model(language)  # UnsupportedLanguage now, not mid-call
        return VoskSTTService(self, language)

    def open_stream(self, language: str) -> "VoskStream":
        """One Kaldi recogniser for one call in one language (a grammar would close the vocabulary,
        so hints are not used: free speech must stay possible)."""
        from vosk import KaldiRecognizer

        recognizer = KaldiRecognizer(self._model(language), self.sample_rate)
        recognizer.SetWords(True)
        if self.endpointer_delays is not None and hasattr(recognizer, "SetEndpointerDelays"):
            recognizer.SetEndpointerDelays(*self.endpointer_delays)
        poll_bytes = 2 * self.sample_rate * self.partial_interval_ms // 1000
        return VoskStream(recognizer, poll_bytes)


class VoskStream:
    """One call's Kaldi state. Blocking and not thread-safe: fed by one worker thread at a time."""

    def __init__(self, recognizer, poll_bytes: int) -> None:
        self._recognizer = recognizer
        self._poll_bytes = poll_bytes
        self._unpolled = 0
        self._partial = ""

    def accept(self, pcm: bytes) -> tuple[str | None, Piece | None]:
        """(a new partial transcript, a final one) for this audio."""
        if self._recognizer.AcceptWaveform(pcm):
            return None, self._final(self._recognizer.Result())
        self._unpolled += len(pcm)
        if self._unpolled < self._poll_bytes:
            return None, None
        self._unpolled = 0
        text = json.loads(self._recognizer.PartialResult()).get("partial", "")
        if not text or text == self._partial:
            return None, None
        self._partial = text
        return text, None

    def finish(self) -> Piece | None:
        """Flushes the pending utterance as a final; the stream stays usable."""
        return self._final(self._recognizer.FinalResult())

    def _final(self, result_json: str) -> Piece | None:
        self._partial = ""
        self._unpolled = 0
        result = json.loads(result_json)
        text = result.get("text", "")
        if not text:  # the endpointer also closes stretches of noise that held no words
            return None
        confidences = [word["conf"] for word in result.get("result", []) if "conf" in word]
        return Piece(text, sum(confidences) / len(confidences) if confidences else None)


class VoskSTTService(STTService):
    """Streaming: interim transcripts while the caller speaks, finals at Kaldi's endpoints."""

    def __init__(self, recognizer: VoskRecognizer, language: str) -> None:
        super().__init__(sample_rate=recognizer.sample_rate, ttfs_p99_latency=0.3,
                         settings=STTSettings(model=None, language=None))
        self._recognizer = recognizer
        self.language = language
        self._stream = recognizer.open_stream(language)
        self._pieces: list[Piece] = []
        self._previous: list[Piece] = []  # the last turn handed over, which the next may continue
        self._lock = asyncio.Lock()  # one Kaldi call at a time

    def use(self, language: str, hint: str | None) -> None:
        if language != self.language:
            self.language = language
            self._stream = self._recognizer.open_stream(language)

    async def run_stt(self, audio: bytes):
        async with self._lock:
            partial, final = await asyncio.to_thread(self._stream.accept, audio)
        if partial:
            yield InterimTranscriptionFrame(partial, "", time_now_iso8601())
        if final:
            self._pieces.append(final)
            yield TranscriptionFrame(final.text, "", time_now_iso8601(), result={"confidence": final.confidence})

    async def turn_transcript(self, flush: bool = False, continues: bool = False) -> TurnTranscript:
        asked = time.perf_counter()
        async with self._lock:
            final = await asyncio.to_thread(self._stream.finish)
        pieces, self._pieces = [*(self._previous if continues else []), *self._pieces, *([final] if final else [])], []
        self._previous = pieces
        return join_pieces(pieces, (time.perf_counter() - asked) * 1000)
