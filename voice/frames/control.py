"""Call control frames: the stream's start and end, marks, clearing buffered audio, keypad."""

from dataclasses import dataclass, field

from voice.frames.base import Frame


@dataclass(frozen=True)
class CallStarted(Frame):
    call_sid: str
    stream_sid: str
    parameters: dict[str, str] = field(default_factory=dict)  # <Stream><Parameter>s from the TwiML
    sample_rate: int = 8000


@dataclass(frozen=True)
class CallEnded(Frame):
    reason: str = "stop"  # "stop" (Twilio's stop event), "hangup", "goodbye", "error"


@dataclass(frozen=True)
class Mark(Frame):
    """Sent after a piece of bot audio; Twilio echoes it back once that audio has been played."""

    name: str


@dataclass(frozen=True)
class ClearAudio(Frame):
    """Drops every bot audio frame Twilio has buffered but not yet played (barge-in)."""


@dataclass(frozen=True)
class KeypadDigit(Frame):
    digit: str  # 0-9, *, #
