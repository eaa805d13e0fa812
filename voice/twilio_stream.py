"""Twilio Media Streams on the wire: Pipecat's Twilio serializer, plus what Koliber needs of the
protocol that it leaves out.

- `mark` echoes become `PlayedMark` frames: Twilio sends one back once the audio before it has
  been played, which is how the call knows what the caller actually heard.
- `stop` becomes `StreamStopped`: the caller hung up.
- A malformed message (bad JSON, bad base64, an unknown DTMF key) is counted and dropped; Pipecat's
  own deserializer would raise on bad base64, which ends the transport's receive loop.
- The REST hang-up goes through the project's Twilio client (its credentials and base URL, the
  fake Twilio cloud in tests), and only when the bot ends the call: after a transfer the call
  lives on with new TwiML, and after the caller's `stop` there is nothing left to hang up.
"""

import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pipecat.frames.frames import CancelFrame, EndFrame, Frame, SystemFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

log = logging.getLogger(__name__)
KEYS = frozenset("0123456789*#")


@dataclass
class PlayedMark(SystemFrame):
    """Twilio played the bot's audio up to the mark of this name."""

    mark: str = ""


@dataclass
class StreamStopped(SystemFrame):
    """Twilio's `stop`: the call is over on the caller's side."""


@dataclass(frozen=True)
class StreamStart:
    """The `start` event: which call and stream, and the TwiML's <Parameter>s."""

    call_sid: str
    stream_sid: str
    parameters: dict[str, str]


class ProtocolError(ValueError):
    """A message that is not Twilio Media Streams."""


def parse_start(message: str) -> StreamStart | None:
    """The `start` event's content; None for other events (`connected`, media before start)."""
    event = _json(message)
    if event.get("event") != "start":
        return None
    start = _object(event, "start")
    call_sid, stream_sid = start.get("callSid"), start.get("streamSid")
    if not isinstance(call_sid, str) or not call_sid or not isinstance(stream_sid, str) or not stream_sid:
        raise ProtocolError("start event without callSid/streamSid")
    parameters = start.get("customParameters") or {}
    if not isinstance(parameters, dict):
        raise ProtocolError("start event whose customParameters are not an object")
    return StreamStart(call_sid, stream_sid, {str(k): str(v) for k, v in parameters.items()})


def mark_message(stream_sid: str, name: str) -> dict:
    return {"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}


def _json(message: str | bytes) -> dict:
    try:
        event = json.loads(message)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(event, dict):
        raise ProtocolError("not a JSON object")
    return event


def _object(event: dict, key: str) -> dict:
    """The event's `key` part (`media`, `dtmf`, ...), which must be a JSON object."""
    value = event.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{event.get('event')} event without a {key!r} object")
    return value


class TwilioStreamSerializer(TwilioFrameSerializer):
    def __init__(self, stream: StreamStart, hang_up: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(stream.stream_sid, stream.call_sid, params=TwilioFrameSerializer.InputParams(
            auto_hang_up=False))
        self._hang_up = hang_up
        self.hang_up_at_end = False  # set when the bot says goodbye
        self.protocol_errors = 0
        # Twilio closes the socket right after `stop`, often before the frame is through the pipeline.
        self.stopped = False

    async def serialize(self, frame: Frame) -> str | bytes | None:
        if isinstance(frame, (EndFrame, CancelFrame)):
            if self.hang_up_at_end and self._hang_up is not None:
                self.hang_up_at_end = False
                try:
                    await self._hang_up()
                except Exception:  # noqa: BLE001 - the socket closes and TwiML's <Hangup> ends the call anyway
                    log.exception("REST hang-up failed")
            return None
        return await super().serialize(frame)

    async def deserialize(self, data: str | bytes) -> Frame | None:
        try:
            event = _json(data)
            kind = event.get("event")
            if kind == "mark":
                name = _object(event, "mark").get("name")
                if not isinstance(name, str):
                    raise ProtocolError("mark without a name")
                return PlayedMark(mark=name)
            if kind == "stop":
                self.stopped = True
                return StreamStopped()
            if kind == "media":
                payload = _object(event, "media").get("payload")
                if not isinstance(payload, str) or not payload:
                    raise ProtocolError("media without payload")
                binascii.a2b_base64(payload.encode("ascii"), strict_mode=True)
            elif kind == "dtmf":
                digit = _object(event, "dtmf").get("digit")
                if not isinstance(digit, str) or digit not in KEYS:
                    raise ProtocolError("unknown DTMF key")
            elif kind not in ("connected", "start"):
                raise ProtocolError(f"unknown event {kind!r}")
        except (ProtocolError, binascii.Error, UnicodeEncodeError) as error:
            self.protocol_errors += 1
            log.warning("ignoring a bad Media Streams message: %s", error)
            return None
        return await super().deserialize(data)
