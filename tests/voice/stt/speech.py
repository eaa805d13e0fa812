"""Test speech: espeak-ng (the project's own synthesizer) says a sentence at 16 kHz, optionally
through the 8 kHz phone round trip, over the quiet noise floor a phone line has."""

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice.simulator import resample_pcm16
from voice.tts.base import SynthesizerUnavailable
from voice.tts.espeak import EspeakSynthesizer

RATE = 16000
PROJECT_ROOT = Path(__file__).resolve().parents[3]


@functools.cache
def _espeak() -> EspeakSynthesizer:
    return EspeakSynthesizer(rate_wpm=150)


def speak(text: str, language: str = "en", *, phone: bool = False) -> bytes:
    """16 kHz mono PCM of espeak-ng saying `text` over a line's noise floor; `phone`: after the
    8 kHz round trip. (espeak pads with exact zeros, which no phone line carries.)"""
    try:
        synthesizer = _espeak()
    except SynthesizerUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"espeak-ng is needed: {error}")
        pytest.skip(f"espeak-ng is needed: {error}")
    pcm = resample_pcm16(synthesizer.synthesize(text, language), synthesizer.sample_rate, RATE)
    return over_noise(phone_round_trip(pcm) if phone else pcm)


def phone_round_trip(pcm: bytes) -> bytes:
    """Down to the 8 kHz of a phone line and back up to 16 kHz: everything above 4 kHz is gone."""
    return resample_pcm16(resample_pcm16(pcm, RATE, 8000), 8000, RATE)


def noise(ms: int, level: float = 20.0, seed: int = 7) -> bytes:
    """A phone line's quiet noise floor (no speech); the same for the same arguments."""
    return np.round(np.random.default_rng(seed).normal(0.0, level, RATE * ms // 1000)).astype("<i2").tobytes()


def over_noise(pcm: bytes, level: float = 20.0, seed: int = 7) -> bytes:
    noise_floor = np.random.default_rng(seed).normal(0.0, level, len(pcm) // 2)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) + noise_floor
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def duration_ms(pcm: bytes) -> float:
    return 1000 * len(pcm) / (2 * RATE)


def packets(pcm: bytes, frame_ms: int = 20) -> Iterator[bytes]:
    """20 ms packets, as the phone line delivers the caller's audio (the last may be shorter)."""
    size = 2 * RATE * frame_ms // 1000
    return (pcm[start:start + size] for start in range(0, len(pcm), size))
