"""Pushes frames through one stage and returns what comes out, plus test signals."""

import asyncio
from collections.abc import Sequence

import numpy as np

from voice.frames.base import Frame
from voice.stage import Stage, run_stage


def frames_out(stage: Stage, frames: Sequence[Frame]) -> list[Frame]:
    return asyncio.run(run_stage(stage, frames))


def types_of(frames: Sequence[Frame]) -> list[type]:
    return [type(frame) for frame in frames]


def sine_pcm(frequency: float, sample_rate: int, seconds: float = 1.0, amplitude: float = 10000.0) -> bytes:
    """A 16-bit mono sine tone."""
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    return np.round(amplitude * np.sin(2 * np.pi * frequency * t)).astype("<i2").tobytes()


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)
