"""Vosk streaming, with the Korean model (the only Vosk model on PyPI): it hears English as Korean
words, so these tests check the streaming structure (partials, endpoint, finals), not the words."""

import asyncio

import pytest
from pipecat.frames.frames import InterimTranscriptionFrame, TranscriptionFrame
from pipecat.services.stt_service import STTService

from tests.voice.stt.speech import duration_ms, noise, packets, speak
from voice.stt.base import Piece, UnsupportedLanguage
from voice.stt.models import korean_test_model_dir
from voice.stt.vosk_recognizer import VoskRecognizer, VoskStream

pytestmark = pytest.mark.speech_model


@pytest.fixture(scope="module")
def vosk() -> VoskRecognizer:
    recognizer = VoskRecognizer({"ko": korean_test_model_dir()})
    recognizer.warm_up()
    return recognizer


@pytest.fixture(scope="module")
def speech() -> bytes:
    return speak("hello, where is my order", phone=True)


def timeline(stream: VoskStream, pcm: bytes) -> list[tuple[float, str | None, Piece | None]]:
    """(audio time in ms, partial, final) for every packet that produced something."""
    out, heard = [], 0.0
    for packet in packets(pcm):
        heard += duration_ms(packet)
        partial, final = stream.accept(packet)
        if partial or final:
            out.append((heard, partial, final))
    return out


def test_partials_while_the_caller_speaks_then_one_final_after_the_speech(vosk, speech):
    stream = vosk.open_stream("ko")
    events = timeline(stream, noise(300) + speech + noise(2000))

    partials = [partial for _, partial, _ in events if partial]
    finals = [(at, final) for at, _, final in events if final]
    assert partials, "no partial result while the caller spoke"
    assert all(a != b for a, b in zip(partials, partials[1:])), "a partial repeated unchanged"
    [(final_at, final)] = finals
    assert final_at > 300 + duration_ms(speech)  # the endpoint needs trailing silence ...
    assert events[0][0] < final_at and events[0][1]  # ... and partials came before it
    assert final.text and 0.0 <= final.confidence <= 1.0
    assert stream.finish() is None  # the endpoint already closed the utterance


def test_a_hang_up_mid_utterance_is_flushed_by_finish(vosk, speech):
    stream = vosk.open_stream("ko")
    assert [final for _, _, final in timeline(stream, noise(300) + speech) if final] == []
    flushed = stream.finish()
    assert flushed is not None and flushed.text
    assert stream.finish() is None
    assert [final for _, _, final in timeline(stream, speech + noise(2000)) if final], "the stream stays usable"


def test_partials_are_not_polled_more_often_than_asked(speech):
    """Every 100 ms by default: asking Kaldi after each 20 ms packet costs decoding time."""
    often = VoskRecognizer({"ko": korean_test_model_dir()}, partial_interval_ms=20).open_stream("ko")
    seldom = VoskRecognizer({"ko": korean_test_model_dir()}, partial_interval_ms=500).open_stream("ko")
    audio = noise(300) + speech
    partials = [len([p for _, p, _ in timeline(stream, audio) if p]) for stream in (often, seldom)]
    assert partials[0] > partials[1] > 0
    assert partials[1] <= duration_ms(audio) / 500


def test_a_language_without_a_model_is_refused(vosk):
    with pytest.raises(UnsupportedLanguage, match="'pl'.*ko"):
        vosk.service("pl")
    with pytest.raises(UnsupportedLanguage, match="'pl'"):
        vosk.open_stream("pl")


def test_the_service_streams_interim_transcripts_and_hands_over_the_turn(vosk, speech):
    service = vosk.service("ko")
    assert isinstance(service, STTService)

    async def call():
        frames = []
        for packet in packets(noise(300) + speech + noise(2000)):
            frames += [frame async for frame in service.run_stt(packet)]
        return frames, await service.turn_transcript(), await service.turn_transcript()

    frames, transcript, after = asyncio.run(call())
    finals = [frame for frame in frames if isinstance(frame, TranscriptionFrame)]
    assert any(isinstance(frame, InterimTranscriptionFrame) for frame in frames)
    assert frames.index(finals[0]) > 0 and isinstance(frames[0], InterimTranscriptionFrame)
    [final] = finals
    assert transcript.text == final.text and transcript.confidence == final.result["confidence"]
    assert after[:2] == ("", None)


def test_the_turn_takes_speech_not_yet_endpointed(vosk, speech):
    """Smart Turn may end the turn before Kaldi's endpointer has: what was said still counts."""
    service = vosk.service("ko")

    async def call():
        finals = []
        for packet in packets(noise(300) + speech):
            finals += [frame async for frame in service.run_stt(packet) if isinstance(frame, TranscriptionFrame)]
        return finals, await service.turn_transcript()

    finals, transcript = asyncio.run(call())
    assert finals == []
    assert transcript.text and 0.0 <= transcript.confidence <= 1.0
