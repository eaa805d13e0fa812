"""The scripted test double: one line of its script per caller turn in which speech was heard, in
order across every call it serves."""

import asyncio

import pytest
from pipecat.frames.frames import (
    InputAudioRawFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)

from tests.voice.helpers import run_pipeline
from voice.stt.base import Piece, TurnTranscript
from voice.stt.scripted import HEARD, ScriptedRecognizer, ScriptedSTTService

RATE = 16000


def test_lines_come_in_order_then_extra_turns_are_counted():
    recognizer = ScriptedRecognizer(["gdzie jest moje zamówienie", Piece("numer 123", 0.8)])
    assert recognizer.remaining == 2
    assert recognizer.next_line(None) == Piece("gdzie jest moje zamówienie", 1.0)
    assert recognizer.next_line("numer zamówienia") == Piece("numer 123", 0.8)
    assert recognizer.remaining == 0
    assert recognizer.next_line(None) is None
    assert recognizer.next_line(None) is None
    assert recognizer.extra_utterances == 2
    assert recognizer.hints == [None, "numer zamówienia", None, None]


def stretch(ms: int) -> list:
    """What Silero VAD and the transport send for one stretch of the caller's speech."""
    packet = b"\x10\x00" * (RATE // 50)  # 20 ms
    return [VADUserStartedSpeakingFrame(), *(InputAudioRawFrame(packet, RATE, 1) for _ in range(ms // 20)),
            VADUserStoppedSpeakingFrame()]


def turns(service: ScriptedSTTService, *spoken: list[int]) -> tuple[list[TurnTranscript], list[str]]:
    """Each turn: its stretches of speech (ms) go through the pipeline, then the turn is asked for.
    Returns the turns and the transcripts Smart Turn would have seen."""
    out: list[TurnTranscript] = []

    async def drive(worker, recorder) -> None:
        heard = 0
        for stretches in spoken:
            for ms in stretches:
                for frame in stretch(ms):
                    await worker.queue_frame(frame)
            heard += len(stretches)
            await recorder.wait_for(TranscriptionFrame, heard)
            out.append(await service.turn_transcript())

    recorder = asyncio.run(run_pipeline(service, drive, sample_rate=RATE))
    return out, [frame.text for frame in recorder.of(TranscriptionFrame)]


def test_a_turn_with_speech_takes_the_next_line_whatever_was_said():
    recognizer = ScriptedRecognizer([Piece("numer 123", 0.8), "tak"])
    service = recognizer.service("pl")
    service.use("pl", "Podaj numer zamówienia.")
    [first, second], seen = turns(service, [600], [300, 200])
    assert (first.text, first.confidence) == ("numer 123", 0.8)
    assert (second.text, second.confidence) == ("tak", 1.0)  # two stretches, one turn, one line
    assert seen == [HEARD] * 3  # Smart Turn waits for some text before it ends a turn
    assert recognizer.hints == ["Podaj numer zamówienia."] * 2
    # At each cut, the turn so far: its stretches, each with the 0.2 s of silence appended so
    # that a model hears the speech end.
    assert recognizer.segment_ms == [pytest.approx(ms) for ms in (800, 500, 900)]


def test_a_turn_without_speech_takes_no_line():
    recognizer = ScriptedRecognizer(["tak"])
    [silent], _ = turns(recognizer.service("pl"), [])
    assert silent[:2] == ("", None)
    assert recognizer.remaining == 1 and recognizer.hints == []


def test_the_script_runs_on_across_calls_and_then_runs_out():
    recognizer = ScriptedRecognizer(["pierwsza rozmowa"])
    [first], _ = turns(recognizer.service("pl"), [400])
    [second], _ = turns(recognizer.service("pl"), [400])
    assert first.text == "pierwsza rozmowa"
    assert second[:2] == ("", None)
    assert recognizer.extra_utterances == 1
