"""Windowed-sinc (Kaiser) resampling of 16-bit PCM in numpy, streaming-safe, and the stage that applies it."""

import math
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Literal

import numpy as np

from voice.frames.audio import AudioFrame, InputAudio, OutputAudio
from voice.frames.base import Frame
from voice.frames.control import CallEnded, CallStarted
from voice.stage import Stage

# Cut a little below the lower Nyquist so the transition band lies under it and nothing aliases;
# telephone speech stops at 3.4 kHz, so 0.9 x 4 kHz loses nothing audible.
ROLLOFF = 0.9
ZERO_CROSSINGS = 16  # sinc lobes kept on each side: longer is sharper but costs CPU and latency
KAISER_BETA = 8.6  # about 80 dB of stop-band rejection
_BLOCK = 4096  # output samples computed at once, to bound the gathered tap matrix's memory


def _filter_bank(up: int, down: int) -> tuple[np.ndarray, int]:
    """Taps for each of the `up` output phases, and the half-width in input samples.

    Output sample n sits at input time n*down/up; phase p = (n*down) mod up is its fraction past
    input sample floor(n*down/up). Row p weights the 2*half input samples around that instant.
    """
    cutoff = ROLLOFF * min(1.0, up / down)  # in cycles per input sample, relative to input Nyquist
    half = math.ceil(ZERO_CROSSINGS / cutoff)
    offsets = np.arange(-half + 1, half + 1)  # input samples i-half+1 .. i+half
    distance = offsets[None, :] - np.arange(up)[:, None] / up  # (phases, taps), in input samples
    window = np.i0(KAISER_BETA * np.sqrt(np.clip(1.0 - (distance / half) ** 2, 0.0, None))) / np.i0(KAISER_BETA)
    taps = cutoff * np.sinc(cutoff * distance) * window
    # Each phase passes DC at exactly unit gain, so no phase adds a ripple at the output rate.
    taps /= taps.sum(axis=1, keepdims=True)
    return taps, half


class StreamingResampler:
    """Resamples one channel layout from one rate to another, chunk by chunk, with no seams.

    It keeps the input samples the next outputs still need, so feeding 20 ms chunks gives the
    same samples as feeding the whole signal; an output waits until the input after it arrives
    (half the filter: 2-3 ms), and `flush` releases the tail at the end of the stream.
    """

    def __init__(self, from_rate: int, to_rate: int, num_channels: int = 1) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {from_rate} -> {to_rate}")
        common = math.gcd(from_rate, to_rate)
        self.up, self.down = to_rate // common, from_rate // common
        self.num_channels = num_channels
        self._taps, self._half = _filter_bank(self.up, self.down)
        # Silence before the first sample, so the first outputs have a full window of input.
        self._buffer = np.zeros((self._half - 1, num_channels))
        self._buffer_start = -(self._half - 1)  # absolute input index of _buffer[0]
        self._next_output = 0
        self._input_length = 0

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Float samples (frames x channels) in; every output whose inputs are now known out."""
        self._buffer = np.concatenate([self._buffer, samples.reshape(-1, self.num_channels)])
        self._input_length += len(samples)
        return self._emit(available=self._buffer_start + len(self._buffer))

    def flush(self) -> np.ndarray:
        """The remaining outputs up to the end of the input, as if silence followed it."""
        end = -(-self._input_length * self.up // self.down)  # ceil: outputs covering the input
        last_base = (end - 1) * self.down // self.up if end else 0
        needed = last_base + self._half + 1 - (self._buffer_start + len(self._buffer))
        if needed > 0:
            self._buffer = np.concatenate([self._buffer, np.zeros((needed, self.num_channels))])
        return self._emit(available=self._buffer_start + len(self._buffer), stop=end)

    def _emit(self, available: int, stop: int | None = None) -> np.ndarray:
        # Output n needs input up to floor(n*down/up) + half, which must be < available.
        last = ((available - self._half) * self.up - 1) // self.down if available >= self._half else -1
        if stop is not None:
            last = min(last, stop - 1)
        outputs = np.arange(self._next_output, last + 1)
        pieces = [self._compute(outputs[i : i + _BLOCK]) for i in range(0, len(outputs), _BLOCK)]
        if len(outputs):
            self._next_output = int(outputs[-1]) + 1
        self._drop_consumed()
        return np.concatenate(pieces) if pieces else np.zeros((0, self.num_channels))

    def _compute(self, outputs: np.ndarray) -> np.ndarray:
        base = outputs * self.down // self.up
        phase = outputs * self.down % self.up
        index = base[:, None] + np.arange(-self._half + 1, self._half + 1)[None, :] - self._buffer_start
        gathered = self._buffer[index]  # (outputs, taps, channels)
        return np.einsum("ot,otc->oc", self._taps[phase], gathered)

    def _drop_consumed(self) -> None:
        first_needed = self._next_output * self.down // self.up - self._half + 1
        drop = max(0, first_needed - self._buffer_start)
        if drop:
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop


def _to_float(pcm: bytes, num_channels: int) -> np.ndarray:
    if len(pcm) % (2 * num_channels):
        raise ValueError(f"{len(pcm)} bytes is not a whole number of 16-bit x{num_channels} samples")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64).reshape(-1, num_channels)


def _to_pcm16(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int, num_channels: int = 1) -> bytes:
    """A whole 16-bit PCM signal at another rate (length scales by to_rate/from_rate, rounded up)."""
    if from_rate == to_rate:
        return pcm
    resampler = StreamingResampler(from_rate, to_rate, num_channels)
    head = resampler.push(_to_float(pcm, num_channels))
    return _to_pcm16(np.concatenate([head, resampler.flush()]))


class Resampler(Stage):
    """Brings one direction's audio to `target_rate`; frames already at that rate pass untouched.

    Input (the caller) arrives as a stream of 20 ms frames, so it keeps filter history between
    them; output (the bot) arrives as whole utterances, so each frame is resampled on its own.
    """

    def __init__(self, target_rate: int, direction: Literal["input", "output"] = "input") -> None:
        if direction not in ("input", "output"):
            raise ValueError(f"direction must be 'input' or 'output', got {direction!r}")
        self.target_rate = target_rate
        self.direction = direction
        self._frame_type: type[AudioFrame] = InputAudio if direction == "input" else OutputAudio
        self._stream: StreamingResampler | None = None
        self._stream_format: tuple[int, int] | None = None

    async def process(self, frame: Frame) -> AsyncIterator[Frame]:
        if isinstance(frame, (CallStarted, CallEnded)):
            self._stream = None  # a new call must not hear the last one's tail
            yield frame
        elif not isinstance(frame, self._frame_type) or frame.sample_rate == self.target_rate:
            yield frame
        elif self.direction == "output":
            pcm = resample_pcm16(frame.pcm, frame.sample_rate, self.target_rate, frame.num_channels)
            yield replace(frame, pcm=pcm, sample_rate=self.target_rate)
        else:
            pcm = self._resample_stream(frame)
            if pcm:
                yield replace(frame, pcm=pcm, sample_rate=self.target_rate)

    def _resample_stream(self, frame: AudioFrame) -> bytes:
        stream_format = (frame.sample_rate, frame.num_channels)
        if self._stream is None or self._stream_format != stream_format:
            self._stream = StreamingResampler(frame.sample_rate, self.target_rate, frame.num_channels)
            self._stream_format = stream_format
        return _to_pcm16(self._stream.push(_to_float(frame.pcm, frame.num_channels)))
