"""A segmented recognition service (VAD cuts the speech, each stretch is transcribed whole) in a
minimal pipeline: the caller's turn is handed over whole, once recognition has caught up."""

import asyncio
import threading

from pipecat.frames.frames import (
    InputAudioRawFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)

from tests.voice.helpers import run_pipeline
from voice.stt.base import Piece, SegmentRecognition, TurnTranscript, join_pieces

RATE = 16000


class GatedRecognition(SegmentRecognition):
    """Transcribes each segment as the next of `pieces`, but only once `gate` is open."""

    def __init__(self, pieces: list[Piece]) -> None:
        super().__init__("en", RATE)
        self.pieces = list(pieces)
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()  # a segment reached `transcribe`
        self.heard: list[tuple[int, str, str | None]] = []

    def transcribe(self, pcm: bytes, language: str, hint: str | None) -> Piece | None:
        self.heard.append((len(pcm), language, hint))
        self.started.set()
        self.gate.wait(30)
        return self.pieces.pop(0)


def speech(ms: int) -> list:
    """The frames Silero VAD and the transport send for `ms` of speech, without the stop."""
    packet = b"\x10\x00" * (RATE // 50)  # 20 ms
    return [VADUserStartedSpeakingFrame(), *(InputAudioRawFrame(packet, RATE, 1) for _ in range(ms // 20))]


def segment(ms: int) -> list:
    return [*speech(ms), VADUserStoppedSpeakingFrame()]


async def queue(worker, frames) -> None:
    for frame in frames:
        await worker.queue_frame(frame)


def test_the_turn_waits_for_the_segment_still_being_transcribed():
    """Smart Turn may end the turn while Whisper is still on the caller's last words."""
    service = GatedRecognition([Piece("where is my order", 0.6)])
    service.gate.clear()
    turns: list[TurnTranscript] = []
    waited: list[bool] = []

    async def drive(worker, _recorder) -> None:
        await queue(worker, segment(400))
        await asyncio.to_thread(service.started.wait, 30)
        asked = asyncio.create_task(service.turn_transcript())
        await asyncio.sleep(0)  # the turn is asked for while the segment is in the recogniser
        waited.append(not asked.done())
        service.gate.set()
        turns.append(await asked)
        turns.append(await service.turn_transcript())

    asyncio.run(run_pipeline(service, drive))
    assert waited == [True]
    transcript, after = turns
    assert transcript[:2] == ("where is my order", 0.6)
    assert transcript.finished_ms > 0
    assert after[:2] == ("", None)  # handed over once


class SlowCutRecognition(GatedRecognition):
    """Queues each stretch of speech a moment after passing the VAD's stop on, as a loaded machine
    does (Pipecat pushes the stop frame downstream before it queues the stretch)."""

    async def _handle_user_stopped_speaking(self, frame: VADUserStoppedSpeakingFrame) -> None:
        await asyncio.sleep(0.2)
        await super()._handle_user_stopped_speaking(frame)


def test_a_turn_ended_as_soon_as_the_speech_stops_still_gets_its_last_stretch():
    """Smart Turn sees the VAD's stop downstream and may end the turn before recognition has
    even queued the stretch that the stop ended: "Tak." must not be lost."""
    service = SlowCutRecognition([Piece("tak", 0.9)])
    turns: list[TurnTranscript] = []

    async def drive(worker, recorder) -> None:
        await queue(worker, segment(300))
        await recorder.wait_for(VADUserStoppedSpeakingFrame)
        turns.append(await service.turn_transcript())

    asyncio.run(run_pipeline(service, drive))
    assert turns[0][:2] == ("tak", 0.9)


def test_at_each_pause_the_turn_so_far_is_transcribed_whole():
    service = GatedRecognition([Piece("where his", 0.5), Piece("where is my order", 0.6)])
    turns: list[TurnTranscript] = []

    async def drive(worker, recorder) -> None:
        await queue(worker, segment(400) + segment(300))
        await recorder.wait_for(TranscriptionFrame, 2)  # Smart Turn hears each pause's transcript
        turns.append(await service.turn_transcript())

    recorder = asyncio.run(run_pipeline(service, drive))
    assert [frame.text for frame in recorder.of(TranscriptionFrame)] == ["where his", "where is my order"]
    first, whole = (length for length, _, _ in service.heard)
    assert whole > first >= 2 * RATE * 400 // 1000
    assert turns[0][:2] == ("where is my order", 0.6)


def test_a_turn_that_continues_the_previous_one_is_transcribed_with_it():
    """A number said in two goes: "one two eight" ... "seven four"."""
    service = GatedRecognition([Piece("1 2 8", 0.7), Piece("Ammon, poor", 0.2), Piece("1 2 8 7 4", 0.8)])
    turns: list[TurnTranscript] = []

    async def drive(worker, recorder) -> None:
        await queue(worker, segment(400))
        await recorder.wait_for(TranscriptionFrame, 1)
        turns.append(await service.turn_transcript())
        await queue(worker, segment(300))
        await recorder.wait_for(TranscriptionFrame, 2)
        turns.append(await service.turn_transcript(continues=True))

    asyncio.run(run_pipeline(service, drive))
    assert [turn[:2] for turn in turns] == [("1 2 8", 0.7), ("1 2 8 7 4", 0.8)]
    first, second, both = (length for length, _, _ in service.heard)
    assert both == first + second


def test_a_caller_who_hangs_up_mid_sentence_is_flushed_only_when_asked():
    service = GatedRecognition([Piece("cancel my", 0.8)])
    turns: list[TurnTranscript] = []
    said = speech(500)  # no VADUserStoppedSpeakingFrame: the line went dead

    async def drive(worker, recorder) -> None:
        await queue(worker, said)
        await recorder.wait_for(InputAudioRawFrame, len(said) - 1)  # the service has all of it
        turns.append(await service.turn_transcript())
        turns.append(await service.turn_transcript(flush=True))

    asyncio.run(run_pipeline(service, drive))
    unflushed, flushed = turns
    assert unflushed[:2] == ("", None)
    assert flushed[:2] == ("cancel my", 0.8)
    assert service.heard[0][0] >= 2 * RATE * 500 // 1000  # all of the speech


def test_the_language_and_hint_in_force_reach_the_recogniser():
    service = GatedRecognition([Piece("dziewięć", 0.7)])
    service.use("pl", "Jak oceniasz naszą obsługę? dziesięć, dziewięć")

    async def drive(worker, _recorder) -> None:
        await queue(worker, segment(200))
        await service.turn_transcript()

    asyncio.run(run_pipeline(service, drive))
    assert [(language, hint) for _, language, hint in service.heard] == [
        ("pl", "Jak oceniasz naszą obsługę? dziesięć, dziewięć")]


def test_pieces_join_into_one_turn_with_the_lowest_confidence():
    assert join_pieces([Piece(" where is ", 0.9), Piece("", 0.1), Piece("my order", 0.6)], 12.0) == TurnTranscript(
        "where is my order", 0.1, 12.0)
    assert join_pieces([Piece("tak", None)]) == TurnTranscript("tak", None, None)
    assert join_pieces([]) == TurnTranscript("", None, None)
