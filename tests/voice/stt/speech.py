"""Test speech: espeak-ng says a sentence, optionally through the 8 kHz phone round trip, with a
quiet noise floor around it as a phone line has."""

import os
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voice.audio.framing import chunk_pcm
from voice.audio.resample import resample_pcm16

RATE = 16000
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def speak(text: str, voice: str = "en-us", words_per_minute: int = 150, *, phone: bool = False) -> bytes:
    """16 kHz mono PCM of espeak-ng saying `text` over a line's noise floor; `phone`: after the
    8 kHz round trip. (espeak pads with exact zeros, which no phone line carries: noise right
    after digital silence looks like speech to WebRTC VAD for seconds.)"""
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI"):
            pytest.fail("espeak-ng is not installed (apt-get install -y espeak-ng)")
        pytest.skip("espeak-ng is not installed (apt-get install -y espeak-ng)")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(path), text],
            check=True,
            timeout=30,
        )
        with wave.open(str(path)) as wav:
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
            pcm = resample_pcm16(wav.readframes(wav.getnframes()), wav.getframerate(), RATE)
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
    """20 ms packets, as the phone line delivers the caller's audio."""
    return chunk_pcm(pcm, RATE, frame_ms)
