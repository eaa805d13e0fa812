"""Vosk streaming, with the Korean model (the only Vosk model on PyPI): it hears English as Korean
words, so these tests check the streaming structure (partials, endpoint, finals), not the words."""

import pytest

from tests.voice.stt.speech import duration_ms, noise, packets, speak
from voice.frames.text import Transcript
from voice.stt.base import UnsupportedLanguage
from voice.stt.models import korean_test_model_dir
from voice.stt.vosk_recognizer import VoskRecognizer

pytestmark = pytest.mark.speech_model


@pytest.fixture(scope="module")
def vosk() -> VoskRecognizer:
    recognizer = VoskRecognizer({"ko": korean_test_model_dir()})
    recognizer.warm_up()
    return recognizer


def timeline(stream, pcm: bytes) -> list[tuple[float, Transcript]]:
    """Every transcript with the audio time (ms) at which it came out."""
    out, heard = [], 0.0
    for packet in packets(pcm):
        heard += duration_ms(packet)
        out += [(heard, transcript) for transcript in stream.accept(packet)]
    return out


def assert_partials_then_a_final_after_the_speech(events, speech_end_ms: float) -> Transcript:
    partials = [t for _, t in events if not t.final]
    finals = [(at, t) for at, t in events if t.final]
    assert partials, "no partial result while the caller spoke"
    assert all(t.text and t.confidence is None and t.language == "ko" for t in partials)
    assert all(a.text != b.text for a, b in zip(partials, partials[1:])), "a partial repeated unchanged"
    assert len(finals) == 1
    final_at, final = finals[0]
    assert final_at > speech_end_ms  # the endpoint needs trailing silence ...
    assert events[0][0] < final_at and not events[0][1].final  # ... and partials came before it
    assert final.text and final.language == "ko"
    assert 0.0 <= final.confidence <= 1.0
    return final


def test_streams_partials_then_an_endpointed_final_at_16khz(vosk):
    speech = speak("hello, where is my order")
    stream = vosk.open_stream("ko")
    events = timeline(stream, noise(300) + speech + noise(2000))
    assert_partials_then_a_final_after_the_speech(events, 300 + duration_ms(speech))
    assert stream.finish() == []  # the endpoint already closed the utterance


def test_phone_audio_from_8khz_and_a_hang_up_mid_utterance(vosk):
    speech = speak("hello, where is my order", phone=True)
    stream = vosk.open_stream("ko")
    events = timeline(stream, noise(300) + speech + noise(2000))
    assert_partials_then_a_final_after_the_speech(events, 300 + duration_ms(speech))

    assert [t for _, t in timeline(stream, speech) if t.final] == []
    flushed = stream.finish()
    assert len(flushed) == 1 and flushed[0].final and flushed[0].text


def test_a_language_without_a_model_is_refused(vosk):
    with pytest.raises(UnsupportedLanguage, match="'pl'.*ko"):
        vosk.open_stream("pl")
