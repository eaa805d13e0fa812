"""Twilio Media Streams: its WebSocket JSON messages <-> frames, in one place, with no network calls."""

import base64
import binascii
import json
from typing import Any

from voice.frames.audio import InputMulaw, OutputMulaw
from voice.frames.base import Frame
from voice.frames.control import CallEnded, CallStarted, ClearAudio, KeypadDigit, Mark

MULAW_ENCODING = "audio/x-mulaw"
DEFAULT_SAMPLE_RATE = 8000
INBOUND_TRACK = "inbound"
KEYPAD_DIGITS = frozenset("0123456789*#")
# What Twilio puts where the simulator has no real account; Twilio's SIDs are 2 letters + 32 hex.
TEST_ACCOUNT_SID = "AC" + "0" * 32


class ProtocolError(ValueError):
    """A message that doesn't follow the Media Streams protocol; the transport logs it and carries on."""


class TwilioMediaStreamSerializer:
    """One per WebSocket: remembers the stream from `start` so replies can be addressed to it."""

    def __init__(self) -> None:
        self.stream_sid: str | None = None
        self.call_sid: str | None = None
        self.sample_rate = DEFAULT_SAMPLE_RATE
        self.num_channels = 1

    def deserialize(self, message: str) -> list[Frame]:
        """The frames one message from Twilio stands for: none for events we don't act on."""
        data = _parse(message)
        event = data.get("event")
        if not isinstance(event, str):
            raise ProtocolError(f"message has no 'event' name: {message[:200]!r}")
        if event == "start":
            return [self._start(_object(data, "start"))]
        if event == "media":
            return self._media(data)
        if event == "dtmf":
            return [KeypadDigit(_keypad_digit(_object(data, "dtmf")))]
        if event == "mark":
            # Twilio echoes our mark once the audio sent before it has been played to the caller.
            return [Mark(_string(_object(data, "mark"), "name", "mark"))]
        if event == "stop":
            return [CallEnded("stop")]
        return []  # "connected" carries nothing we need; Twilio may add new events at any time

    def serialize(self, frame: Frame) -> str | None:
        """The message that sends a frame to Twilio, or None for frames Twilio has no use for."""
        if isinstance(frame, OutputMulaw):
            if not frame.payload:
                return None  # an empty media message would play nothing
            if (frame.sample_rate, frame.num_channels) != (self.sample_rate, 1):
                raise ProtocolError(
                    f"Twilio plays {self.sample_rate} Hz mono mu-law, got {frame.sample_rate} Hz x{frame.num_channels}"
                )
            payload = base64.b64encode(frame.payload).decode("ascii")
            return _dump({"event": "media", "streamSid": self._require_stream(), "media": {"payload": payload}})
        if isinstance(frame, Mark):
            return _dump({"event": "mark", "streamSid": self._require_stream(), "mark": {"name": frame.name}})
        if isinstance(frame, ClearAudio):
            return _dump({"event": "clear", "streamSid": self._require_stream()})
        return None

    def _start(self, start: dict[str, Any]) -> CallStarted:
        if self.stream_sid is not None:
            raise ProtocolError("a second start on the same stream")
        media_format = start.get("mediaFormat") or {}
        if not isinstance(media_format, dict):
            raise ProtocolError("start.mediaFormat is not an object")
        encoding = media_format.get("encoding", MULAW_ENCODING)
        if encoding != MULAW_ENCODING:
            raise ProtocolError(f"unsupported media encoding {encoding!r}, expected {MULAW_ENCODING!r}")
        sample_rate = _positive_int(media_format.get("sampleRate", DEFAULT_SAMPLE_RATE), "start.mediaFormat.sampleRate")
        num_channels = _positive_int(media_format.get("channels", 1), "start.mediaFormat.channels")
        parameters = start.get("customParameters") or {}
        if not isinstance(parameters, dict):
            raise ProtocolError("start.customParameters is not an object")
        self.stream_sid = _string(start, "streamSid", "start")
        self.call_sid = _string(start, "callSid", "start")
        self.sample_rate, self.num_channels = sample_rate, num_channels
        return CallStarted(
            call_sid=self.call_sid,
            stream_sid=self.stream_sid,
            parameters={str(key): str(value) for key, value in parameters.items()},
            sample_rate=sample_rate,
        )

    def _media(self, data: dict[str, Any]) -> list[Frame]:
        if self.stream_sid is None:
            raise ProtocolError("media before start")
        media = _object(data, "media")
        # A <Start><Stream track="both_tracks"> also sends what the caller hears: our own voice.
        if media.get("track", INBOUND_TRACK) != INBOUND_TRACK:
            return []
        payload = _decode_base64(_string(media, "payload", "media"))
        if len(payload) % self.num_channels:
            raise ProtocolError(
                f"media payload of {len(payload)} bytes is not a whole number of {self.num_channels}-channel samples"
            )
        if not payload:
            return []
        return [InputMulaw(payload=payload, sample_rate=self.sample_rate, num_channels=self.num_channels)]

    def _require_stream(self) -> str:
        if self.stream_sid is None:
            raise ProtocolError("cannot send to Twilio before its start message names the stream")
        return self.stream_sid


def _parse(message: str) -> dict[str, Any]:
    try:
        data = json.loads(message)
    except (json.JSONDecodeError, TypeError) as error:
        raise ProtocolError(f"message is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ProtocolError(f"message is not a JSON object: {message[:200]!r}")
    return data


def _object(data: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{where + '.' if where else ''}{key} is missing or not an object")
    return value


def _string(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ProtocolError(f"{where}.{key} is missing or not a string")
    return value


def _positive_int(value: Any, where: str) -> int:
    # Twilio sends numbers here, but strings of digits are harmless to accept.
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ProtocolError(f"{where} is not a number: {value!r}") from None
    if number <= 0:
        raise ProtocolError(f"{where} must be positive, got {number}")
    return number


def _keypad_digit(dtmf: dict[str, Any]) -> str:
    digit = _string(dtmf, "digit", "dtmf")
    if digit not in KEYPAD_DIGITS:
        raise ProtocolError(f"dtmf.digit {digit!r} is not a keypad key (0-9, *, #)")
    return digit


def _decode_base64(text: str) -> bytes:
    # b64decode even with validate=True lets surplus padding through ("/38A="), so check the length too.
    if len(text) % 4:
        raise ProtocolError(f"media.payload is not valid base64: {len(text)} characters is not a multiple of 4")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ProtocolError(f"media.payload is not valid base64: {error}") from error


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


# Twilio's side of a stream, for a call simulator: the messages exactly as Twilio sends them.
# Every message after `connected` carries a string sequenceNumber, counting from "1" at `start`.


def twilio_event_connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def twilio_event_start(
    call_sid: str,
    stream_sid: str,
    parameters: dict[str, str] | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    *,
    account_sid: str = TEST_ACCOUNT_SID,
) -> str:
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "start": {
                "accountSid": account_sid,
                "streamSid": stream_sid,
                "callSid": call_sid,
                "tracks": [INBOUND_TRACK],
                "customParameters": dict(parameters or {}),
                "mediaFormat": {"encoding": MULAW_ENCODING, "sampleRate": sample_rate, "channels": 1},
            },
            "streamSid": stream_sid,
        }
    )


def twilio_event_media(
    stream_sid: str, payload: bytes, sequence: int, timestamp_ms: int, *, chunk: int | None = None
) -> str:
    """`chunk` counts media messages from 1; by default it assumes only media followed `start`."""
    return json.dumps(
        {
            "event": "media",
            "sequenceNumber": str(sequence),
            "media": {
                "track": INBOUND_TRACK,
                "chunk": str(chunk if chunk is not None else sequence - 1),
                "timestamp": str(timestamp_ms),
                "payload": base64.b64encode(payload).decode("ascii"),
            },
            "streamSid": stream_sid,
        }
    )


def twilio_event_dtmf(stream_sid: str, digit: str, sequence: int) -> str:
    return json.dumps(
        {
            "event": "dtmf",
            "streamSid": stream_sid,
            "sequenceNumber": str(sequence),
            "dtmf": {"track": "inbound_track", "digit": digit},
        }
    )


def twilio_event_mark(stream_sid: str, name: str, sequence: int) -> str:
    return json.dumps(
        {"event": "mark", "sequenceNumber": str(sequence), "streamSid": stream_sid, "mark": {"name": name}}
    )


def twilio_event_stop(
    stream_sid: str, call_sid: str, sequence: int, *, account_sid: str = TEST_ACCOUNT_SID
) -> str:
    return json.dumps(
        {
            "event": "stop",
            "sequenceNumber": str(sequence),
            "stop": {"accountSid": account_sid, "callSid": call_sid},
            "streamSid": stream_sid,
        }
    )
