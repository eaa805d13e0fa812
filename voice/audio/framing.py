"""Cuts audio into short fixed-length packets: the bot's mu-law for sending, PCM for a simulated caller."""

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

from voice.frames.audio import OutputMulaw
from voice.frames.base import Frame
from voice.stage import Stage


def _frame_bytes(sample_rate: int, frame_ms: int, bytes_per_sample: int) -> int:
    samples, remainder = divmod(sample_rate * frame_ms, 1000)
    if frame_ms <= 0 or remainder:
        raise ValueError(f"{frame_ms} ms at {sample_rate} Hz is not a whole, positive number of samples")
    return samples * bytes_per_sample


def chunk_pcm(
    pcm: bytes, sample_rate: int, frame_ms: int = 20, *, num_channels: int = 1, sample_width: int = 2
) -> Iterator[bytes]:
    """Consecutive `frame_ms` slices of audio (the last may be shorter), as a phone line delivers it.

    `sample_width` is 2 for 16-bit PCM and 1 for mu-law.
    """
    size = _frame_bytes(sample_rate, frame_ms, num_channels * sample_width)
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


class Packetizer(Stage):
    """Splits the bot's mu-law into `frame_ms` packets (160 bytes at 8 kHz for 20 ms).

    Small packets keep the audio queued in our process short and let a barge-in `clear`
    drop the rest of an answer on Twilio's side instead of after seconds of speech.
    """

    def __init__(self, frame_ms: int = 20) -> None:
        self.frame_ms = frame_ms

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if not isinstance(frame, OutputMulaw):
            yield frame
            return
        for payload in chunk_pcm(
            frame.payload, frame.sample_rate, self.frame_ms, num_channels=frame.num_channels, sample_width=1
        ):
            yield replace(frame, payload=payload)
