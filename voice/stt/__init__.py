"""Speech recognition as Pipecat STT services: Vosk (streaming), faster-whisper (per VAD segment)
and a scripted test double, behind one `SpeechRecognizer` that a call asks for its service.

Importing this package loads no engine and no model; each engine is imported by its own module.
"""

from voice.stt.base import CallRecognition, SpeechRecognizer, TurnTranscript, UnsupportedLanguage
from voice.stt.models import ModelLocations, ModelMissing, require_model_dir

__all__ = [
    "CallRecognition",
    "ModelLocations",
    "ModelMissing",
    "SpeechRecognizer",
    "TurnTranscript",
    "UnsupportedLanguage",
    "require_model_dir",
]
