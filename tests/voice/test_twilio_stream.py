"""Twilio Media Streams on the wire: Koliber's serializer on top of Pipecat's, fed Twilio's own
events (the simulator's builders follow Twilio's documented wire format)."""

import asyncio
import json

import numpy as np
import pytest
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.clocks.system_clock import SystemClock
from pipecat.frames.frames import CancelFrame, EndFrame, InputAudioRawFrame, InputDTMFFrame, OutputTransportMessageFrame
from pipecat.processors.frame_processor import FrameProcessorSetup
from pipecat.utils.asyncio.task_manager import TaskManager

from voice.simulator import (
    pcm16_to_mulaw,
    twilio_event_connected,
    twilio_event_dtmf,
    twilio_event_mark,
    twilio_event_media,
    twilio_event_start,
    twilio_event_stop,
)
from voice.twilio_stream import (
    PlayedMark,
    ProtocolError,
    StreamStart,
    StreamStopped,
    TwilioStreamSerializer,
    mark_message,
    parse_start,
)

CALL, STREAM = "CA" + "1" * 32, "MZ" + "2" * 32
PIPELINE_RATE = 16000


def serializer(hang_up=None) -> TwilioStreamSerializer:
    """A serializer set up the way the pipeline's transport sets it up (FrameProcessorSetup)."""

    async def build() -> TwilioStreamSerializer:
        made = TwilioStreamSerializer(StreamStart(CALL, STREAM, {}), hang_up)
        await made.setup(FrameProcessorSetup(clock=SystemClock(), task_manager=TaskManager(), pipeline_worker=None,
                                             audio_in_sample_rate=PIPELINE_RATE, audio_out_sample_rate=8000))
        return made

    return asyncio.run(build())


def deserialize(made: TwilioStreamSerializer, *messages: str):
    async def run():
        return [await made.deserialize(message) for message in messages]

    return asyncio.run(run())


# --- the start of the stream ------------------------------------------------------------------
def test_the_start_event_names_the_call_the_stream_and_the_twiml_parameters():
    start = parse_start(twilio_event_start(CALL, STREAM, {"language": "pl", "caller": "+48600000000"}))
    assert start == StreamStart(CALL, STREAM, {"language": "pl", "caller": "+48600000000"})


def test_events_before_the_start_belong_to_no_call():
    assert parse_start(twilio_event_connected()) is None
    assert parse_start(twilio_event_media(STREAM, b"\xff" * 160, sequence=2, timestamp_ms=0, chunk=1)) is None


@pytest.mark.parametrize("message", [
    "{",
    "[1, 2]",
    json.dumps({"event": "start"}),
    json.dumps({"event": "start", "start": "CA1"}),
    json.dumps({"event": "start", "start": {"callSid": CALL}}),
    json.dumps({"event": "start", "start": {"callSid": 7, "streamSid": STREAM}}),
    json.dumps({"event": "start", "start": {"callSid": CALL, "streamSid": STREAM, "customParameters": ["pl"]}}),
])
def test_a_malformed_start_is_a_protocol_error(message):
    with pytest.raises(ProtocolError):
        parse_start(message)


# --- Twilio -> the pipeline -------------------------------------------------------------------
def test_a_mark_echo_says_how_far_the_caller_has_heard():
    made = serializer()
    [frame] = deserialize(made, twilio_event_mark(STREAM, "greeting:1", sequence=40))
    assert isinstance(frame, PlayedMark) and frame.mark == "greeting:1"


def test_stop_means_the_caller_hung_up():
    made = serializer()
    assert not made.stopped
    [frame] = deserialize(made, twilio_event_stop(STREAM, CALL, sequence=99))
    assert isinstance(frame, StreamStopped)
    assert made.stopped


def test_media_becomes_pipeline_audio_at_the_pipeline_rate():
    """One second of a 440 Hz tone as Twilio sends it: 8 kHz mu-law in 20 ms chunks."""
    tone = np.round(8000 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype("<i2").tobytes()
    mulaw = pcm16_to_mulaw(tone)
    messages = [twilio_event_media(STREAM, mulaw[at:at + 160], sequence=2 + n, timestamp_ms=20 * n, chunk=n + 1)
                for n, at in enumerate(range(0, len(mulaw), 160))]
    made = serializer()
    frames = [frame for frame in deserialize(made, *messages) if frame is not None]  # the resampler buffers some

    assert frames and all(isinstance(frame, InputAudioRawFrame) for frame in frames)
    assert {(frame.sample_rate, frame.num_channels) for frame in frames} == {(PIPELINE_RATE, 1)}
    audio = np.frombuffer(b"".join(frame.audio for frame in frames), dtype="<i2").astype(np.float64)
    assert 0.8 * PIPELINE_RATE <= audio.size <= PIPELINE_RATE
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.fft.rfftfreq(audio.size, 1 / PIPELINE_RATE)[spectrum.argmax()] == pytest.approx(440, abs=5)
    assert made.protocol_errors == 0


@pytest.mark.parametrize("key", list("0123456789*#"))
def test_a_keypad_key_becomes_a_dtmf_frame(key):
    [frame] = deserialize(serializer(), twilio_event_dtmf(STREAM, key, sequence=5))
    assert isinstance(frame, InputDTMFFrame) and frame.button == KeypadEntry(key)


def test_connected_and_start_on_the_stream_are_no_frames_and_no_errors():
    made = serializer()
    assert deserialize(made, twilio_event_connected(), twilio_event_start(CALL, STREAM, {})) == [None, None]
    assert made.protocol_errors == 0


@pytest.mark.parametrize("message", [
    "{",  # not JSON
    "[]",  # not an object
    '"media"',
    json.dumps({"event": "media", "media": {"payload": "A"}}),  # bad base64 padding
    json.dumps({"event": "media", "media": {"payload": "@@@@"}}),  # not base64 at all
    json.dumps({"event": "media", "media": {"payload": "zażółć"}}),  # not even ASCII
    json.dumps({"event": "media", "media": {}}),
    json.dumps({"event": "media", "media": "AAAA"}),
    json.dumps({"event": "dtmf", "dtmf": {"digit": "x"}}),  # unknown key
    json.dumps({"event": "dtmf", "dtmf": {"digit": 5}}),
    json.dumps({"event": "dtmf", "dtmf": "5"}),
    json.dumps({"event": "mark", "mark": "greeting:0"}),
    json.dumps({"event": "unknown"}),
    json.dumps({"sequenceNumber": "3"}),  # no event at all
])
def test_a_malformed_message_is_counted_and_dropped_and_the_stream_goes_on(message):
    made = serializer()
    dropped, after = deserialize(made, message, twilio_event_mark(STREAM, "m", sequence=7))
    assert dropped is None and isinstance(after, PlayedMark) and after.mark == "m"
    assert made.protocol_errors == 1


# --- the pipeline -> Twilio -------------------------------------------------------------------
def test_a_mark_goes_out_as_twilios_mark_event():
    made = serializer()
    sent = asyncio.run(made.serialize(OutputTransportMessageFrame(message=mark_message(STREAM, "answer-1:0"))))
    assert json.loads(sent) == {"event": "mark", "streamSid": STREAM, "mark": {"name": "answer-1:0"}}


class HangUp:
    def __init__(self, fails: bool = False) -> None:
        self.calls = 0
        self.fails = fails

    async def __call__(self) -> None:
        self.calls += 1
        if self.fails:
            raise ConnectionError("Twilio is unreachable")


def end(made: TwilioStreamSerializer, *frames) -> list:
    async def run():
        return [await made.serialize(frame) for frame in frames]

    return asyncio.run(run())


def test_the_end_of_the_pipeline_hangs_up_only_after_the_bots_goodbye():
    hang_up = HangUp()
    made = serializer(hang_up)
    assert end(made, EndFrame(), CancelFrame()) == [None, None]  # the caller's stop, or a transfer
    assert hang_up.calls == 0


@pytest.mark.parametrize("last", [EndFrame, CancelFrame])
def test_the_bots_goodbye_hangs_up_once(last):
    hang_up = HangUp()
    made = serializer(hang_up)
    made.hang_up_at_end = True
    assert end(made, last(), EndFrame(), CancelFrame()) == [None, None, None]
    assert hang_up.calls == 1


def test_a_failed_hang_up_does_not_break_the_end_of_the_call():
    hang_up = HangUp(fails=True)
    made = serializer(hang_up)
    made.hang_up_at_end = True
    assert end(made, EndFrame()) == [None]
    assert hang_up.calls == 1


def test_without_a_hang_up_the_goodbye_just_ends_the_stream():
    made = serializer()
    made.hang_up_at_end = True
    assert end(made, EndFrame()) == [None]
