"""The synthesis stage: audio then a mark per sentence, streamed, cancellable, other frames untouched."""

import asyncio
import time

import numpy as np
import pytest

from tests.voice.helpers import frames_out, samples, types_of
from voice.frames.audio import InputAudio, OutputAudio
from voice.frames.control import CallEnded, Mark
from voice.frames.text import BotSpeech, Transcript
from voice.tts.base import SpeechSynthesizer, SynthesizerUnavailable
from voice.tts.stage import SynthesisStage

THREE_SENTENCES = "Dzień dobry, tu sklep Koliber. Twoje zamówienie jest już w drodze. Czy mogę pomóc w czymś jeszcze?"


class RecordingSynthesizer(SpeechSynthesizer):
    """100 ms of a tone per sentence; logs each synthesis into a shared event list."""

    sample_rate = 16000

    def __init__(self, events: list | None = None, delay: float = 0.0) -> None:
        self.events = events if events is not None else []
        self.delay = delay
        self.texts: list[str] = []
        self.on_synthesize = lambda text: None

    def synthesize(self, text: str, language: str) -> bytes:
        self.on_synthesize(text)
        time.sleep(self.delay)  # a blocking engine
        self.texts.append(text)
        self.events.append(("synthesized", text))
        t = np.arange(self.sample_rate // 10) / self.sample_rate
        return np.round(8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


def speech(text: str = THREE_SENTENCES, utterance_id: str = "u1", language: str = "pl") -> BotSpeech:
    return BotSpeech(text=text, language=language, utterance_id=utterance_id)


def test_each_sentence_comes_out_as_audio_then_its_mark():
    synthesizer = RecordingSynthesizer()
    out = frames_out(SynthesisStage(synthesizer), [speech()])
    assert types_of(out) == [OutputAudio, Mark] * 3
    assert [frame.name for frame in out[1::2]] == ["u1:0", "u1:1", "u1:2"]
    for audio in out[0::2]:
        assert (audio.utterance_id, audio.sample_rate, audio.num_channels) == ("u1", 16000, 1)
        assert audio.duration_ms == pytest.approx(100)
    assert synthesizer.texts == [
        "Dzień dobry, tu sklep Koliber.",
        "Twoje zamówienie jest już w drodze.",
        "Czy mogę pomóc w czymś jeszcze?",
    ]


def test_the_text_is_made_speakable_before_it_is_split():
    synthesizer = RecordingSynthesizer()
    text = "Zwroty przyjmujemy 14 dni 🙂 Formularz: https://koliber.pl/zwroty\n- kurier pod drzwi\n- paczkomat InPost obok"
    out = frames_out(SynthesisStage(synthesizer), [speech(text)])
    assert types_of(out) == [OutputAudio, Mark] * 3
    assert synthesizer.texts == [
        "Zwroty przyjmujemy 14 dni Formularz: na naszej stronie.",
        "kurier pod drzwi.",
        "paczkomat InPost obok.",
    ]


def test_the_first_sentence_is_out_before_the_last_is_synthesised():
    events: list = []
    stage = SynthesisStage(RecordingSynthesizer(events, delay=0.1))

    async def consume() -> float:
        started = time.perf_counter()
        first_audio_after = None
        async for frame in stage.process(speech()):
            events.append(("out", type(frame).__name__))
            if first_audio_after is None:
                first_audio_after = time.perf_counter() - started
        return first_audio_after

    first_audio_after = asyncio.run(consume())
    assert events.index(("out", "OutputAudio")) < events.index(("synthesized", "Czy mogę pomóc w czymś jeszcze?"))
    assert [kind for kind, _ in events] == ["synthesized", "out", "out"] * 3
    assert first_audio_after < 0.25  # one sentence's synthesis, not all three (0.3 s)


def test_synthesis_does_not_block_the_event_loop():
    stage = SynthesisStage(RecordingSynthesizer(delay=0.1))

    async def speak_while_ticking() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        async for _ in stage.process(speech("Jedno dość długie zdanie do powiedzenia.")):
            pass
        ticker.cancel()
        return ticks

    assert asyncio.run(speak_while_ticking()) >= 3  # ~9 if the loop runs freely, 0 if blocked


def test_cancel_stops_the_following_sentences():
    synthesizer = RecordingSynthesizer()
    stage = SynthesisStage(synthesizer)

    async def barge_in_after_first_sentence() -> list:
        out = []
        async for frame in stage.process(speech()):
            out.append(frame)
            if isinstance(frame, Mark):
                stage.cancel("u1")
        return out

    out = asyncio.run(barge_in_after_first_sentence())
    assert types_of(out) == [OutputAudio, Mark]
    assert out[1].name == "u1:0"
    assert len(synthesizer.texts) == 1


def test_a_sentence_cancelled_while_being_synthesised_is_dropped():
    synthesizer = RecordingSynthesizer()
    stage = SynthesisStage(synthesizer)
    synthesizer.on_synthesize = lambda text: stage.cancel("u1") if text.startswith("Twoje") else None
    out = frames_out(stage, [speech()])
    assert types_of(out) == [OutputAudio, Mark]
    assert out[1].name == "u1:0"


def test_a_cancel_that_comes_first_applies_once_and_only_to_its_utterance():
    synthesizer = RecordingSynthesizer()
    stage = SynthesisStage(synthesizer)
    stage.cancel("u1")
    out = frames_out(stage, [speech(utterance_id="u1"), speech(utterance_id="u2")])
    assert [frame.name for frame in out if isinstance(frame, Mark)] == ["u2:0", "u2:1", "u2:2"]
    assert not stage.is_cancelled("u1")  # spent: an id reused later is spoken again


def test_other_frames_pass_unchanged():
    frames = [
        Mark(name="greeting:0"),
        InputAudio(pcm=b"\x00\x01" * 160, sample_rate=8000),
        OutputAudio(pcm=b"\x00\x01" * 160, sample_rate=8000, utterance_id="x"),
        Transcript(text="gdzie jest moja paczka", final=True),
        CallEnded(),
    ]
    out = frames_out(SynthesisStage(RecordingSynthesizer()), frames)
    assert len(out) == len(frames)
    assert all(produced is original for produced, original in zip(out, frames))


def test_audio_comes_out_at_the_output_rate():
    stage = SynthesisStage(RecordingSynthesizer(), output_rate=8000)
    out = frames_out(stage, [speech("Jedno krótkie zdanie tutaj.")])
    assert types_of(out) == [OutputAudio, Mark]
    assert out[0].sample_rate == 8000
    assert len(out[0].pcm) == 2 * 800  # still 100 ms


def test_real_espeak_speaks_a_three_sentence_answer():
    from voice.tts.espeak import EspeakSynthesizer

    try:
        synthesizer = EspeakSynthesizer()
    except SynthesizerUnavailable as error:
        pytest.skip(f"needs espeak-ng: {error}")
    out = frames_out(SynthesisStage(synthesizer), [speech()])
    assert types_of(out) == [OutputAudio, Mark] * 3
    for audio in out[0::2]:
        assert audio.sample_rate == 22050
        assert 800 < audio.duration_ms < 5000
        assert np.abs(samples(audio.pcm)).max() > 3000
