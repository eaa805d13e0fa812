"""The scripted test double finds utterances in real audio and replays its script in order."""

from tests.voice.stt.speech import noise, packets, speak
from voice.frames.text import Transcript
from voice.stt.scripted import ScriptedRecognizer


def feed(stream, pcm):
    out = []
    for packet in packets(pcm):
        out += stream.accept(packet)
    return out


def test_replays_one_transcript_per_utterance_in_order():
    speech = speak("gdzie jest moje zamówienie", voice="pl")
    recognizer = ScriptedRecognizer(["gdzie jest moje zamówienie", Transcript("numer 123", True, 0.8)])
    stream = recognizer.open_stream("pl")

    assert feed(stream, noise(300) + speech) == []  # still speaking, or silence too short
    first = feed(stream, noise(700))
    assert first == [Transcript("gdzie jest moje zamówienie", final=True, confidence=1.0, language="pl")]
    second = feed(stream, speech + noise(700))
    assert second == [Transcript("numer 123", final=True, confidence=0.8, language="pl")]
    assert recognizer.remaining == 0
    assert len(recognizer.utterance_ms) == 2


def test_an_utterance_cut_by_hanging_up_is_flushed_by_finish():
    recognizer = ScriptedRecognizer(["tak"])
    stream = recognizer.open_stream("pl")
    assert feed(stream, noise(200) + speak("tak", voice="pl")) == []
    assert [t.text for t in stream.finish()] == ["tak"]
    assert stream.finish() == []


def test_noise_alone_is_no_utterance_and_extra_speech_is_counted():
    recognizer = ScriptedRecognizer([])
    stream = recognizer.open_stream("en")
    assert feed(stream, noise(1500)) == []
    assert recognizer.utterance_ms == []
    assert feed(stream, speak("hello") + noise(700)) == []
    assert recognizer.extra_utterances == 1
