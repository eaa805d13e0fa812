"""The Pipecat TTS service on a SpeechSynthesizer: each sentence's audio, then the Twilio mark the
call queued with it, run in a minimal pipeline."""

import asyncio

from pipecat.frames.frames import InterruptionFrame, OutputTransportMessageFrame, TTSAudioRawFrame, TTSStoppedFrame

from tests.voice.helpers import Recorder, run_pipeline
from voice.tts.base import SpeechSynthesizer
from voice.tts.service import SpeakSentence, SynthesizerTTSService
from voice.twilio_stream import mark_message

STREAM = "MZ1"
FIRST, SECOND, POLISH = "Your parcel is on its way.", "It arrives tomorrow morning.", "Dzień dobry, tu sklep Koliber."


class FakeSynthesizer(SpeechSynthesizer):
    """Each text becomes its own recognisable PCM: 10 ms per character of one sample value."""

    sample_rate = 16000

    def __init__(self, silent: frozenset[str] = frozenset()) -> None:
        self.asked: list[tuple[str, str]] = []
        self.silent = silent  # texts that come out as no audio at all

    def synthesize(self, text: str, language: str) -> bytes:
        self.asked.append((text, language))
        return b"" if text in self.silent else pcm_for(text)


def pcm_for(text: str) -> bytes:
    value = (sum(map(ord, text)) % 30000 + 1).to_bytes(2, "little", signed=True)
    return value * (len(text) * 160)


def sentence(text: str, mark: str | None) -> SpeakSentence:
    return SpeakSentence(text=text, mark=mark_message(STREAM, mark) if mark else None)


def played(recorder: Recorder) -> list[tuple[str, str]]:
    """What went out towards Twilio, in order: ("audio", the sentence whose audio it is, all of
    it) and ("mark", its name)."""
    out: list[tuple[str, str | None, bytes | str]] = []
    for frame in recorder.frames:
        if isinstance(frame, TTSAudioRawFrame):
            if out and out[-1][:2] == ("audio", frame.context_id):
                out[-1] = ("audio", frame.context_id, out[-1][2] + frame.audio)
            else:
                out.append(("audio", frame.context_id, frame.audio))
        elif isinstance(frame, OutputTransportMessageFrame):
            assert frame.message["event"] == "mark" and frame.message["streamSid"] == STREAM
            out.append(("mark", None, frame.message["mark"]["name"]))
    said = {pcm_for(text): text for text in (FIRST, SECOND, POLISH)}
    return [(kind, said.get(content, "?") if kind == "audio" else content) for kind, _, content in out]


def speak(service: SynthesizerTTSService, *sentences: SpeakSentence) -> Recorder:
    async def drive(worker, _recorder) -> None:
        for each in sentences:
            await worker.queue_frame(each)

    return asyncio.run(run_pipeline(service, drive))




def test_each_sentence_is_its_audio_then_its_mark():
    synthesizer = FakeSynthesizer()
    recorder = speak(SynthesizerTTSService(synthesizer, "en"), sentence(FIRST, "u1:0"), sentence(SECOND, "u1:1"))
    assert played(recorder) == [("audio", FIRST), ("mark", "u1:0"), ("audio", SECOND), ("mark", "u1:1")]
    assert {(frame.sample_rate, frame.num_channels) for frame in recorder.of(TTSAudioRawFrame)} == {(16000, 1)}
    assert synthesizer.asked == [(FIRST, "en"), (SECOND, "en")]


def test_a_sentence_without_a_mark_sends_none_and_the_next_keeps_its_own():
    recorder = speak(SynthesizerTTSService(FakeSynthesizer(), "en"), sentence(FIRST, None), sentence(SECOND, "u2:1"))
    assert played(recorder) == [("audio", FIRST), ("audio", SECOND), ("mark", "u2:1")]


def test_a_sentence_that_comes_out_silent_still_sends_its_mark():
    """Otherwise the call would wait forever to hear that the utterance was played. (Pipecat closes
    a context without audio only after `stop_frame_timeout_s`, 3 s unless shortened.)"""
    service = SynthesizerTTSService(FakeSynthesizer(silent=frozenset({FIRST})), "en", stop_frame_timeout_s=0.2)
    recorder = speak(service, sentence(FIRST, "u3:0"), sentence(SECOND, "u3:1"))
    assert played(recorder) == [("mark", "u3:0"), ("audio", SECOND), ("mark", "u3:1")]


def test_the_call_switches_the_language_of_the_next_sentences():
    synthesizer = FakeSynthesizer()
    service = SynthesizerTTSService(synthesizer, "en")
    service.language = "pl"
    recorder = speak(service, sentence(POLISH, "u4:0"))
    assert synthesizer.asked == [(POLISH, "pl")]
    assert played(recorder) == [("audio", POLISH), ("mark", "u4:0")]


def test_a_sentence_interrupted_before_its_synthesis_takes_its_mark_with_it():
    """The caller talks over the bot while a sentence is still on its way to the synthesiser: the
    sentence is dropped, and its mark must not ride on the audio of the next one."""
    service = SynthesizerTTSService(FakeSynthesizer(), "en")
    reached = asyncio.Event()

    async def hold_the_first_sentence(text: str, _text_type: str) -> str:
        if text.startswith(FIRST):  # a step before synthesis that is still running
            reached.set()
            await asyncio.Event().wait()  # until the interruption cancels it
        return text

    service.add_text_transformer(hold_the_first_sentence)

    async def drive(worker, recorder) -> None:
        await worker.queue_frame(sentence(FIRST, "u5:0"))
        await reached.wait()
        await worker.queue_frame(InterruptionFrame())
        await recorder.wait_for(InterruptionFrame)
        await worker.queue_frame(sentence(SECOND, "u6:0"))
        await recorder.wait_for(TTSStoppedFrame)

    recorder = asyncio.run(run_pipeline(service, drive))
    assert played(recorder) == [("audio", SECOND), ("mark", "u6:0")]
