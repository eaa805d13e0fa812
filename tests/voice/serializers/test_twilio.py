"""The Twilio Media Streams serializer: every event both ways, and what it refuses."""

import base64
import json

import pytest

from voice.frames.audio import InputMulaw, OutputAudio, OutputMulaw
from voice.frames.control import CallEnded, CallStarted, ClearAudio, KeypadDigit, Mark
from voice.frames.text import BotSpeech
from voice.serializers.twilio import (
    TEST_ACCOUNT_SID,
    ProtocolError,
    TwilioMediaStreamSerializer,
    twilio_event_connected,
    twilio_event_dtmf,
    twilio_event_mark,
    twilio_event_media,
    twilio_event_start,
    twilio_event_stop,
)

CALL = "CA" + "1" * 32
STREAM = "MZ" + "2" * 32


def started(parameters: dict[str, str] | None = None) -> TwilioMediaStreamSerializer:
    serializer = TwilioMediaStreamSerializer()
    serializer.deserialize(twilio_event_connected())
    serializer.deserialize(twilio_event_start(CALL, STREAM, parameters or {}))
    return serializer


# Twilio's messages, as the simulator produces them


def test_connected_message_is_exactly_twilios():
    assert json.loads(twilio_event_connected()) == {"event": "connected", "protocol": "Call", "version": "1.0.0"}


def test_start_message_is_exactly_twilios():
    message = json.loads(twilio_event_start(CALL, STREAM, {"language": "pl"}, sample_rate=8000))
    assert message == {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": TEST_ACCOUNT_SID,
            "streamSid": STREAM,
            "callSid": CALL,
            "tracks": ["inbound"],
            "customParameters": {"language": "pl"},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": STREAM,
    }


def test_media_message_is_exactly_twilios():
    message = json.loads(twilio_event_media(STREAM, b"\xff\x7f\x00", sequence=2, timestamp_ms=0))
    assert message == {
        "event": "media",
        "sequenceNumber": "2",
        "media": {"track": "inbound", "chunk": "1", "timestamp": "0", "payload": "/38A"},
        "streamSid": STREAM,
    }
    assert json.loads(twilio_event_media(STREAM, b"", 9, 140, chunk=7))["media"]["chunk"] == "7"


def test_dtmf_mark_and_stop_messages_are_exactly_twilios():
    assert json.loads(twilio_event_dtmf(STREAM, "5", 7)) == {
        "event": "dtmf",
        "streamSid": STREAM,
        "sequenceNumber": "7",
        "dtmf": {"track": "inbound_track", "digit": "5"},
    }
    assert json.loads(twilio_event_mark(STREAM, "utt-1", 8)) == {
        "event": "mark",
        "sequenceNumber": "8",
        "streamSid": STREAM,
        "mark": {"name": "utt-1"},
    }
    assert json.loads(twilio_event_stop(STREAM, CALL, 9)) == {
        "event": "stop",
        "sequenceNumber": "9",
        "stop": {"accountSid": TEST_ACCOUNT_SID, "callSid": CALL},
        "streamSid": STREAM,
    }


# Twilio -> frames


def test_connected_gives_no_frames():
    assert TwilioMediaStreamSerializer().deserialize(twilio_event_connected()) == []


def test_start_gives_call_started_and_remembers_the_stream():
    serializer = TwilioMediaStreamSerializer()
    frames = serializer.deserialize(twilio_event_start(CALL, STREAM, {"language": "en", "customer": "42"}))
    assert frames == [CallStarted(CALL, STREAM, parameters={"language": "en", "customer": "42"}, sample_rate=8000)]
    assert serializer.stream_sid == STREAM
    assert serializer.call_sid == CALL


def test_media_gives_input_mulaw_with_the_decoded_payload():
    frames = started().deserialize(twilio_event_media(STREAM, b"\x01\x02\xff" * 53 + b"\x00", 2, 0))
    assert [type(frame) for frame in frames] == [InputMulaw]
    assert frames[0] == InputMulaw(payload=b"\x01\x02\xff" * 53 + b"\x00", sample_rate=8000, num_channels=1)


def test_media_takes_the_sample_rate_from_start():
    serializer = TwilioMediaStreamSerializer()
    serializer.deserialize(twilio_event_start(CALL, STREAM, {}, sample_rate=16000))
    [frame] = serializer.deserialize(twilio_event_media(STREAM, b"\x00" * 320, 2, 0))
    assert frame.sample_rate == 16000


def test_outbound_track_media_is_ignored():
    message = json.loads(twilio_event_media(STREAM, b"\x00" * 160, 2, 0))
    message["media"]["track"] = "outbound"
    assert started().deserialize(json.dumps(message)) == []


def test_dtmf_gives_a_keypad_digit():
    assert started().deserialize(twilio_event_dtmf(STREAM, "#", 3)) == [KeypadDigit("#")]


def test_mark_echo_gives_a_mark():
    assert started().deserialize(twilio_event_mark(STREAM, "utt-1", 4)) == [Mark("utt-1")]


def test_stop_gives_call_ended():
    assert started().deserialize(twilio_event_stop(STREAM, CALL, 5)) == [CallEnded("stop")]


def test_unknown_events_are_ignored():
    assert started().deserialize(json.dumps({"event": "transcription", "streamSid": STREAM})) == []


# What the serializer refuses


@pytest.mark.parametrize(
    "message",
    ['{"event": "media"', "not json", "", "[1, 2]", '"start"', "null", '{"streamSid": "MZ1"}', '{"event": 3}'],
)
def test_malformed_messages_raise_protocol_error(message):
    with pytest.raises(ProtocolError):
        started().deserialize(message)


def test_protocol_error_is_a_value_error():
    assert issubclass(ProtocolError, ValueError)


def test_media_before_start_raises():
    with pytest.raises(ProtocolError, match="media before start"):
        TwilioMediaStreamSerializer().deserialize(twilio_event_media(STREAM, b"\x00" * 160, 2, 0))


@pytest.mark.parametrize("payload", ["/38", "/38A=", "!!!!", "abc$", "/3 8A"])
def test_invalid_or_odd_sized_base64_raises(payload):
    message = json.loads(twilio_event_media(STREAM, b"", 2, 0))
    message["media"]["payload"] = payload
    with pytest.raises(ProtocolError, match="base64"):
        started().deserialize(json.dumps(message))


def test_payload_that_is_not_whole_samples_raises():
    serializer = TwilioMediaStreamSerializer()
    start = json.loads(twilio_event_start(CALL, STREAM, {}))
    start["start"]["mediaFormat"]["channels"] = 2
    serializer.deserialize(json.dumps(start))
    with pytest.raises(ProtocolError, match="whole number"):
        serializer.deserialize(twilio_event_media(STREAM, b"\x00\x01\x02", 2, 0))


def test_start_with_another_encoding_raises():
    start = json.loads(twilio_event_start(CALL, STREAM, {}))
    start["start"]["mediaFormat"]["encoding"] = "audio/l16"
    with pytest.raises(ProtocolError, match="encoding"):
        TwilioMediaStreamSerializer().deserialize(json.dumps(start))


def test_media_without_payload_raises():
    with pytest.raises(ProtocolError, match="payload"):
        started().deserialize(json.dumps({"event": "media", "streamSid": STREAM, "media": {"track": "inbound"}}))


def test_dtmf_that_is_not_a_key_raises():
    with pytest.raises(ProtocolError, match="digit"):
        started().deserialize(json.dumps({"event": "dtmf", "streamSid": STREAM, "dtmf": {"digit": "12"}}))


def test_a_second_start_raises():
    with pytest.raises(ProtocolError, match="second start"):
        started().deserialize(twilio_event_start(CALL, STREAM, {}))


# Frames -> Twilio


def test_output_mulaw_becomes_a_media_message():
    message = started().serialize(OutputMulaw(payload=b"\xff\x7f\x00", utterance_id="utt-1"))
    assert json.loads(message) == {"event": "media", "streamSid": STREAM, "media": {"payload": "/38A"}}
    assert base64.b64decode(json.loads(message)["media"]["payload"]) == b"\xff\x7f\x00"


def test_mark_becomes_a_mark_message():
    assert json.loads(started().serialize(Mark("utt-1"))) == {
        "event": "mark",
        "streamSid": STREAM,
        "mark": {"name": "utt-1"},
    }


def test_clear_audio_becomes_a_clear_message():
    assert json.loads(started().serialize(ClearAudio())) == {"event": "clear", "streamSid": STREAM}


@pytest.mark.parametrize(
    "frame",
    [
        BotSpeech("Dzień dobry", "pl", "utt-1"),
        OutputAudio(pcm=b"\x00\x00", sample_rate=8000),
        CallEnded("hangup"),
        KeypadDigit("1"),
        OutputMulaw(payload=b""),
    ],
)
def test_other_frames_serialize_to_nothing(frame):
    assert started().serialize(frame) is None


@pytest.mark.parametrize("frame", [OutputMulaw(payload=b"\xff"), Mark("utt-1"), ClearAudio()])
def test_serializing_before_start_raises(frame):
    with pytest.raises(ProtocolError, match="before"):
        TwilioMediaStreamSerializer().serialize(frame)


def test_serializing_audio_at_another_rate_raises():
    with pytest.raises(ProtocolError, match="8000 Hz"):
        started().serialize(OutputMulaw(payload=b"\xff" * 320, sample_rate=16000))


def test_round_trip_of_a_whole_call():
    serializer = TwilioMediaStreamSerializer()
    messages = [
        twilio_event_connected(),
        twilio_event_start(CALL, STREAM, {"language": "pl"}),
        twilio_event_media(STREAM, b"\xff" * 160, 2, 0),
        twilio_event_dtmf(STREAM, "1", 3),
        twilio_event_mark(STREAM, "utt-1", 4),
        twilio_event_stop(STREAM, CALL, 5),
    ]
    frames = [frame for message in messages for frame in serializer.deserialize(message)]
    assert [type(frame) for frame in frames] == [CallStarted, InputMulaw, KeypadDigit, Mark, CallEnded]
