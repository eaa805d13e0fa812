"""faster-whisper recognition of whole stretches of speech: Silero VAD (Pipecat) cuts the caller's
audio where they pause, and Whisper transcribes each stretch in one go (no partial results).

Whisper's encoder always reads 30 s of audio, padded with silence: for a caller's two-second
answer that is ~470 ms of a 2-core machine, most of a voice turn. The encoder accepts a shorter
window (whisper.cpp's `audio_ctx` does the same), so a stretch is decoded with only its own
length plus a second of silence: about 100 ms. A decode caught in a repetition loop (Whisper's
own check: text that compresses too well) is decoded again without the hint, then the usual way.
"""

import math
import os
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from voice.stt.base import Piece, SegmentRecognition, SpeechRecognizer, UnsupportedLanguage
from voice.stt.models import require_model_dir, shared_models

SAMPLE_RATE = 16000
FULL_WINDOW_SECONDS = 30
TRAILING_SILENCE_SECONDS = 1.0
MAX_PROMPT_TOKENS = 224  # half of Whisper's text context
# Whisper's own threshold for a decode to retry: text that compresses this well is a loop.
COMPRESSION_RATIO_THRESHOLD = 2.4


def _looped(text: str) -> bool:
    encoded = text.encode("utf-8")
    return bool(encoded) and len(encoded) / len(zlib.compress(encoded)) > COMPRESSION_RATIO_THRESHOLD


def _load_model(path: Path, cpu_threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=cpu_threads, local_files_only=True)


class WhisperRecognizer(SpeechRecognizer):
    sample_rate = 16000

    def __init__(
        self,
        model_dir: Path | str,
        *,
        cpu_threads: int | None = None,
        max_new_tokens: int = 128,
    ) -> None:
        """`model_dir`: a CTranslate2 Whisper folder (see models.prepare_whisper_base), checked now;
        the model loads on `warm_up` or the first stream, once per process."""
        self.model_dir = require_model_dir(model_dir, "whisper", "multilingual")
        self.cpu_threads = cpu_threads if cpu_threads is not None else min(4, os.cpu_count() or 1)
        # A decoder caught in a repetition loop stops here instead of running to Whisper's limit.
        self.max_new_tokens = max_new_tokens

    def warm_up(self) -> None:
        self._model()

    def _model(self):
        key = ("whisper", str(self.model_dir.resolve()), self.cpu_threads)
        return shared_models.get(key, lambda: _load_model(self.model_dir, self.cpu_threads))

    def service(self, language: str) -> "WhisperSTTService":
        if language not in self._model().supported_languages:
            raise UnsupportedLanguage(f"Whisper does not know the language {language!r}")
        return WhisperSTTService(self, language)

    def transcribe(self, pcm: bytes, language: str, hint: str | None) -> Piece | None:
        """Blocks for the decoding (a worker thread's job)."""
        model = self._model()
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        if len(audio) < SAMPLE_RATE * (FULL_WINDOW_SECONDS - TRAILING_SILENCE_SECONDS):
            # A hint of digits can start a loop on a short stretch ("1 2 8 1 2 8 …"): without it is
            # tried next, as it costs a tenth of the full window.
            for prompt in ([hint, None] if hint else [None]):
                text, avg_logprob = self._decode_short_window(model, audio, language, prompt)
                if not _looped(text):
                    return Piece(text, min(1.0, max(0.0, math.exp(avg_logprob)))) if text else None
        return self._decode_full_window(model, audio, language, hint)

    def _decode_short_window(self, model, audio: np.ndarray, language: str, hint: str | None) -> tuple[str, float]:
        """(text, average log-probability per token) from an encoder window as long as the audio."""
        import ctranslate2

        padded = np.concatenate([audio, np.zeros(int(SAMPLE_RATE * TRAILING_SILENCE_SECONDS), dtype=np.float32)])
        features = model.feature_extractor(padded)
        frames = features.shape[1] - features.shape[1] % 2  # the encoder's first layer has stride 2
        encoded = model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None, :, :frames], dtype=np.float32)),
            to_cpu=False)
        tokenizer = _tokenizer(model, language)
        prompt = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
        if hint:
            # Whisper reads the hint as the text before the utterance (at most half its context).
            prompt = [tokenizer.sot_prev, *tokenizer.encode(" " + hint.strip())[-(MAX_PROMPT_TOKENS - 1):], *prompt]
        result = model.model.generate(encoded, [prompt], beam_size=1, max_length=len(prompt) + self.max_new_tokens,
                                      return_scores=True, suppress_blank=True, suppress_tokens=[-1])[0]
        tokens = [token for token in result.sequences_ids[0] if token < tokenizer.eot]
        return tokenizer.decode(tokens).strip(), result.scores[0]  # the score is per token

    def _decode_full_window(self, model, audio: np.ndarray, language: str, hint: str | None) -> Piece | None:
        segments, _info = model.transcribe(
            audio,
            language=language,
            beam_size=1,
            # One temperature: no fallback re-decoding, which can loop for tens of seconds.
            temperature=0.0,
            vad_filter=False,  # Silero VAD already cut the segment
            condition_on_previous_text=False,
            without_timestamps=True,
            max_new_tokens=self.max_new_tokens,
            # Whisper reads the hint as the text before the utterance: short answers to a known
            # question ("ten out of ten", "dziewięć") come out far more often.
            initial_prompt=hint,
        )
        segments = list(segments)  # decoding happens while iterating
        text = "".join(segment.text for segment in segments).strip()
        if not text:
            return None
        weights = [max(1, len(segment.tokens)) for segment in segments]
        avg_logprob = sum(w * s.avg_logprob for w, s in zip(weights, segments)) / sum(weights)
        confidence = min(1.0, max(0.0, math.exp(avg_logprob)))
        return Piece(text, confidence)


@lru_cache(maxsize=8)
def _tokenizer(model, language: str):
    from faster_whisper.tokenizer import Tokenizer

    return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)


class WhisperSTTService(SegmentRecognition):
    """One call's Whisper service; the model is the recogniser's, shared by every call."""

    def __init__(self, recognizer: WhisperRecognizer, language: str) -> None:
        super().__init__(language, recognizer.sample_rate)
        self._recognizer = recognizer

    def transcribe(self, pcm: bytes, language: str, hint: str | None) -> Piece | None:
        return self._recognizer.transcribe(pcm, language, hint)
