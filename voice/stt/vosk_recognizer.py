"""Vosk (Kaldi) streaming recognition: partial transcripts while the caller speaks, a final one
when Kaldi's endpointer hears the utterance end.

Endpointing: vosk 0.3.45 has no `KaldiRecognizer.SetEndpointerDelays` (checked with
`dir(KaldiRecognizer)`); there the endpoint rules come from the model's `conf/model.conf`
(`--endpoint.rule2.min-trailing-silence=0.5` after a confident utterance, rule3 1.0 s, rule4
2.0 s in the official small models). Newer vosk releases have the call, and then
`PHONE_ENDPOINTER_DELAYS` is applied to every stream.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from voice.frames.text import Transcript
from voice.stt.base import RecognitionStream, SpeechRecognizer, UnsupportedLanguage
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
    streaming = True
    partial_results = True
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

    def open_stream(self, language: str, hint: str | None = None) -> "VoskStream":
        # A hint would need a grammar, which closes the vocabulary: free speech must stay possible.
        from vosk import KaldiRecognizer

        recognizer = KaldiRecognizer(self._model(language), self.sample_rate)
        recognizer.SetWords(True)
        if self.endpointer_delays is not None and hasattr(recognizer, "SetEndpointerDelays"):
            recognizer.SetEndpointerDelays(*self.endpointer_delays)
        poll_bytes = 2 * self.sample_rate * self.partial_interval_ms // 1000
        return VoskStream(recognizer, language, poll_bytes)


class VoskStream(RecognitionStream):
    def __init__(self, recognizer, language: str, poll_bytes: int) -> None:
        self._recognizer = recognizer
        self._language = language
        self._poll_bytes = poll_bytes
        self._unpolled = 0
        self._partial = ""

    def accept(self, pcm: bytes) -> list[Transcript]:
        if not pcm:
            return []
        if self._recognizer.AcceptWaveform(pcm):
            return self._final(self._recognizer.Result())
        self._unpolled += len(pcm)
        if self._unpolled < self._poll_bytes:
            return []
        self._unpolled = 0
        text = json.loads(self._recognizer.PartialResult()).get("partial", "")
        if not text or text == self._partial:
            return []
        self._partial = text
        return [Transcript(text, final=False, language=self._language)]

    def finish(self) -> list[Transcript]:
        return self._final(self._recognizer.FinalResult())

    def _final(self, result_json: str) -> list[Transcript]:
        self._partial = ""
        self._unpolled = 0
        result = json.loads(result_json)
        text = result.get("text", "")
        if not text:  # the endpointer also closes stretches of noise that held no words
            return []
        confidences = [word["conf"] for word in result.get("result", []) if "conf" in word]
        confidence = sum(confidences) / len(confidences) if confidences else None
        return [Transcript(text, final=True, confidence=confidence, language=self._language)]
