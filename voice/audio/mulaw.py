"""G.711 mu-law <-> 16-bit PCM in numpy, and the stages that decode the caller's and encode the bot's audio."""

from collections.abc import AsyncIterator

import numpy as np

from voice.frames.audio import InputAudio, InputMulaw, OutputAudio, OutputMulaw
from voice.frames.base import Frame
from voice.stage import Stage

TELEPHONE_RATE = 8000
_BIAS = 0x84  # added before the segment search so every segment's step size is a power of two
_CLIP = 32635  # the largest magnitude that still fits the top segment after the bias is added


def _decode_table() -> np.ndarray:
    """The 256 linear values a mu-law byte can stand for (bits are stored inverted on the wire)."""
    inverted = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (inverted >> 4) & 0x07
    mantissa = inverted & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(inverted & 0x80, -magnitude, magnitude).astype(np.int16)


def _exponent_table() -> np.ndarray:
    """Segment number for the top 8 bits of a biased magnitude: the index of its highest set bit."""
    return np.array([max(value.bit_length() - 1, 0) for value in range(256)], dtype=np.int32)


_DECODE = _decode_table()
_EXPONENT = _exponent_table()


def mulaw_to_pcm16(payload: bytes) -> bytes:
    """Mu-law bytes -> signed 16-bit little-endian PCM, one sample per byte."""
    codes = np.frombuffer(payload, dtype=np.uint8)
    return _DECODE[codes].astype("<i2").tobytes()


def pcm16_to_mulaw(pcm: bytes) -> bytes:
    """Signed 16-bit little-endian PCM -> mu-law bytes."""
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(pcm)}")
    # int32, because negating -32768 overflows int16.
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.int32)
    sign = np.where(samples < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    exponent = _EXPONENT[(magnitude >> 7) & 0xFF]
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return codes.astype(np.uint8).tobytes()


class MulawDecoder(Stage):
    """The caller's mu-law becomes PCM at the same rate; resampling is another stage's job."""

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if isinstance(frame, InputMulaw):
            yield InputAudio(
                pcm=mulaw_to_pcm16(frame.payload),
                sample_rate=frame.sample_rate,
                num_channels=frame.num_channels,
            )
        else:
            yield frame


class MulawEncoder(Stage):
    """The bot's PCM becomes mu-law; the phone line takes 8 kHz mono only, so resample first."""

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if not isinstance(frame, OutputAudio):
            yield frame
            return
        if frame.sample_rate != TELEPHONE_RATE or frame.num_channels != 1:
            raise ValueError(
                f"mu-law output must be {TELEPHONE_RATE} Hz mono, got {frame.sample_rate} Hz "
                f"x{frame.num_channels}: put a Resampler before the MulawEncoder"
            )
        yield OutputMulaw(
            payload=pcm16_to_mulaw(frame.pcm),
            sample_rate=TELEPHONE_RATE,
            num_channels=1,
            utterance_id=frame.utterance_id,
        )
