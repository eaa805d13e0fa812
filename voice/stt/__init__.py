"""Speech recognition: one abstract recogniser, Vosk (streaming) and faster-whisper (per utterance)
behind it, a scripted test double, and the stage that feeds them a call's audio.

Importing this package loads no engine and no model; each engine is imported by its own module.
"""

from voice.stt.base import RecognitionStream, SpeechRecognizer, UnsupportedLanguage
from voice.stt.models import ModelLocations, ModelMissing, require_model_dir
from voice.stt.stage import RecognitionStage

__all__ = [
    "ModelLocations",
    "ModelMissing",
    "RecognitionStage",
    "RecognitionStream",
    "SpeechRecognizer",
    "UnsupportedLanguage",
    "require_model_dir",
]
