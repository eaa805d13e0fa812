"""Text frames: what the recogniser heard and what the bot says."""

from dataclasses import dataclass

from voice.frames.base import Frame


@dataclass(frozen=True)
class Transcript(Frame):
    """Recognised caller speech: partial while they speak, final at the end of the utterance."""

    text: str
    final: bool
    confidence: float | None = None
    language: str | None = None


@dataclass(frozen=True)
class BotSpeech(Frame):
    """Text for the bot to say; `utterance_id` ties its audio and marks together."""

    text: str
    language: str
    utterance_id: str
