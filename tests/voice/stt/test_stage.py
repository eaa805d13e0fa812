"""The recognition stage: audio in, transcripts out, other frames through, work off the event loop."""

import asyncio
import threading
import time

import pytest

from tests.voice.helpers import frames_out, types_of
from tests.voice.stt.speech import noise, packets, speak
from voice.frames.audio import InputAudio
from voice.frames.control import CallEnded, CallStarted, Mark
from voice.frames.text import Transcript
from voice.stage import run_stage
from voice.stt.base import RecognitionStream, SpeechRecognizer
from voice.stt.scripted import ScriptedRecognizer
from voice.stt.stage import RecognitionStage


class RecordingStream(RecognitionStream):
    def __init__(self, language: str, delay: float) -> None:
        self.language = language
        self.delay = delay
        self.chunks: list[bytes] = []
        self.threads: set[int] = set()

    def accept(self, pcm: bytes) -> list[Transcript]:
        time.sleep(self.delay)  # a blocking engine
        self.threads.add(threading.get_ident())
        self.chunks.append(pcm)
        return [Transcript(str(len(self.chunks)), final=False, language=self.language)]

    def finish(self) -> list[Transcript]:
        return [Transcript("flushed", final=True, language=self.language)]


class RecordingRecognizer(SpeechRecognizer):
    streaming = True
    partial_results = True

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.streams: list[RecordingStream] = []

    def open_stream(self, language: str, hint: str | None = None) -> RecordingStream:
        self.streams.append(RecordingStream(language, self.delay))
        return self.streams[-1]


def audio(pcm: bytes = b"\0\0" * 320) -> InputAudio:
    return InputAudio(pcm=pcm, sample_rate=16000)


def test_transcripts_come_out_where_the_utterance_ends_and_other_frames_pass():
    stage = RecognitionStage(ScriptedRecognizer(["gdzie jest moje zamówienie"]), "pl")
    started, mark = CallStarted("CA1", "MZ1"), Mark("m1")
    speech = [audio(p) for p in packets(noise(200) + speak("gdzie jest moje zamówienie", voice="pl"))]
    silence = [audio(p) for p in packets(noise(800))]

    out = frames_out(stage, [started, *speech, mark, *silence, CallEnded()])

    assert types_of(out) == [CallStarted, Mark, Transcript, CallEnded]
    assert out[2] == Transcript("gdzie jest moje zamówienie", final=True, confidence=1.0, language="pl")


def test_hanging_up_flushes_the_pending_utterance_before_call_ended():
    stage = RecognitionStage(ScriptedRecognizer(["tak"]), "pl")
    frames = [audio(p) for p in packets(noise(200) + speak("tak", voice="pl")[:8000])]
    out = frames_out(stage, [*frames, CallEnded("hangup")])
    assert out == [Transcript("tak", final=True, confidence=1.0, language="pl"), CallEnded("hangup")]


def test_call_ended_without_audio_passes_on():
    assert frames_out(RecognitionStage(RecordingRecognizer(), "pl"), [CallEnded()]) == [CallEnded()]


def test_audio_at_another_rate_is_refused():
    stage = RecognitionStage(RecordingRecognizer(), "pl")
    with pytest.raises(ValueError, match="16000 Hz.*8000 Hz: resample"):
        frames_out(stage, [InputAudio(pcm=b"\0\0" * 160, sample_rate=8000)])


def test_a_language_switch_flushes_in_the_old_language_then_reopens():
    recognizer = RecordingRecognizer()
    stage = RecognitionStage(recognizer, "pl")

    async def call():
        before = await run_stage(stage, [audio()])
        stage.set_language("en")
        after = await run_stage(stage, [audio(), CallEnded()])
        return before, after

    before, after = asyncio.run(call())
    assert before == [Transcript("1", final=False, language="pl")]
    assert after == [
        Transcript("flushed", final=True, language="pl"),
        Transcript("1", final=False, language="en"),
        Transcript("flushed", final=True, language="en"),
        CallEnded(),
    ]
    assert [s.language for s in recognizer.streams] == ["pl", "en"]


def test_calls_run_side_by_side_off_the_event_loop_each_on_its_own_thread():
    recognizer = RecordingRecognizer(delay=0.1)
    stages = [RecognitionStage(recognizer, "pl") for _ in range(3)]
    ticks = 0

    async def ticker(stop: asyncio.Event):
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    async def calls():
        stop = asyncio.Event()
        ticking = asyncio.create_task(ticker(stop))
        start = time.perf_counter()
        await asyncio.gather(*(run_stage(stage, [audio() for _ in range(4)]) for stage in stages))
        elapsed = time.perf_counter() - start
        stop.set()
        await ticking
        return elapsed

    elapsed = asyncio.run(calls())
    assert elapsed < 1.0  # one after another: 3 calls x 4 packets x 0.1 s = 1.2 s
    assert ticks >= 20  # the loop kept running while the engine blocked
    threads = [stream.threads for stream in recognizer.streams]
    assert all(len(names) == 1 for names in threads)  # each stream stays on one thread
    assert len(set().union(*threads)) == 3
    for stage in stages:
        stage.close()
