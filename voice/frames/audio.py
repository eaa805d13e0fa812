"""Audio frames: they carry their own sample rate and channel count, so no stage assumes 8 kHz
or 16 kHz. The caller's audio (input) and the bot's (output) are different types, so a stage
never confuses the two directions."""

from dataclasses import dataclass

from voice.frames.base import Frame


@dataclass(frozen=True)
class AudioFrame(Frame):
    """Signed 16-bit little-endian PCM."""

    pcm: bytes
    sample_rate: int
    num_channels: int = 1

    @property
    def duration_ms(self) -> float:
        return 1000 * len(self.pcm) / (2 * self.num_channels * self.sample_rate)


@dataclass(frozen=True)
class InputAudio(AudioFrame):
    """What the caller says."""


@dataclass(frozen=True)
class OutputAudio(AudioFrame):
    """What the bot says; `utterance_id` ties it to the BotSpeech it came from."""

    utterance_id: str = ""


@dataclass(frozen=True)
class MulawFrame(Frame):
    """G.711 mu-law bytes, as telephone networks and Twilio carry them."""

    payload: bytes
    sample_rate: int = 8000
    num_channels: int = 1

    @property
    def duration_ms(self) -> float:
        return 1000 * len(self.payload) / (self.num_channels * self.sample_rate)


@dataclass(frozen=True)
class InputMulaw(MulawFrame):
    """The caller's audio as it arrives from Twilio."""


@dataclass(frozen=True)
class OutputMulaw(MulawFrame):
    """The bot's audio, ready to send to Twilio."""

    utterance_id: str = ""
