"""Plays Twilio's side of a phone call against a Media Streams WebSocket, in real time: for tests,
benchmarks, and trying the voicebot without a phone.

The caller's "microphone" sends a 20 ms mu-law frame every 20 ms (faint noise between
utterances, like a real line); the "loudspeaker" plays the bot's audio at the same pace,
echoes each mark once the audio before it has played, and drops its buffer on `clear`.
"""

import asyncio
import audioop  # mu-law, as Pipecat's own Twilio serializer does it (audioop-lts from Python 3.13)
import base64
import json
import time
import uuid
import wave
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import httpx
import numpy as np
import soxr
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect

from voice.tts.base import SpeechSynthesizer

RATE = 8000
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000  # mu-law: one byte a sample
# The bot has finished its answer when nothing new has been played for this long.
ANSWER_SETTLE_SECONDS = 1.5


@dataclass
class BotAnswer:
    """What the caller heard after one of their turns."""

    audio_ms: float = 0.0
    first_audio_ms: float | None = None  # from the caller's last frame to the bot's first frame
    cleared: int = 0  # times the bot's audio was cut off (barge-in)


@dataclass
class _Line:
    mic: deque[bytes] = field(default_factory=deque)  # mu-law frames still to send
    speaker: deque[tuple[str, bytes | str]] = field(default_factory=deque)  # ("audio", bytes) | ("mark", name)
    played_ms: float = 0.0
    last_played_at: float = 0.0
    first_audio_at: float | None = None
    cleared: int = 0
    closed: bool = False


# --- Twilio's events, as its Media Streams documentation gives them -------------------------------
def twilio_event_connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def twilio_event_start(call_sid: str, stream_sid: str, parameters: dict[str, str], sequence: int = 1) -> str:
    return json.dumps({"event": "start", "sequenceNumber": str(sequence), "streamSid": stream_sid, "start": {
        "accountSid": "AC" + "0" * 32, "streamSid": stream_sid, "callSid": call_sid, "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": RATE, "channels": 1},
        "customParameters": parameters}})


def twilio_event_media(stream_sid: str, payload: bytes, sequence: int, timestamp_ms: int, chunk: int) -> str:
    return json.dumps({"event": "media", "sequenceNumber": str(sequence), "streamSid": stream_sid, "media": {
        "track": "inbound", "chunk": str(chunk), "timestamp": str(timestamp_ms),
        "payload": base64.b64encode(payload).decode("ascii")}})


def twilio_event_dtmf(stream_sid: str, digit: str, sequence: int) -> str:
    return json.dumps({"event": "dtmf", "streamSid": stream_sid, "sequenceNumber": str(sequence),
                       "dtmf": {"track": "inbound_track", "digit": digit}})


def twilio_event_mark(stream_sid: str, name: str, sequence: int) -> str:
    return json.dumps({"event": "mark", "sequenceNumber": str(sequence), "streamSid": stream_sid,
                       "mark": {"name": name}})


def twilio_event_stop(stream_sid: str, call_sid: str, sequence: int) -> str:
    return json.dumps({"event": "stop", "sequenceNumber": str(sequence), "streamSid": stream_sid,
                       "stop": {"accountSid": "AC" + "0" * 32, "callSid": call_sid}})


def pcm16_to_mulaw(pcm: bytes) -> bytes:
    return audioop.lin2ulaw(pcm, 2)


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    samples = np.frombuffer(pcm, dtype="<i2")
    return soxr.resample(samples, from_rate, to_rate).astype("<i2").tobytes()


def _noise_frame(rng: np.random.Generator) -> bytes:
    """Faint line noise: digital silence would confuse voice activity detection."""
    samples = rng.normal(0, 30, FRAME_BYTES).clip(-32768, 32767).astype("<i2")
    return pcm16_to_mulaw(samples.tobytes())


def to_phone_audio(pcm: bytes, sample_rate: int, seed: int = 0) -> bytes:
    """PCM16 mono at any rate -> 8 kHz mu-law with faint line noise, as a phone line carries it.

    Synthesised speech has stretches of exact digital silence that no real line has; voice
    activity detection misjudges the noise right after them."""
    narrow = resample_pcm16(pcm, sample_rate, RATE) if sample_rate != RATE else pcm
    samples = np.frombuffer(narrow, dtype="<i2").astype(np.float64)
    samples += np.random.default_rng(seed).normal(0, 30, samples.size)
    return pcm16_to_mulaw(samples.clip(-32768, 32767).astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError(f"{path}: need 16-bit mono WAV")
        return wav.readframes(wav.getnframes()), wav.getframerate()


class CallSimulator:
    def __init__(self, url: str, *, synthesizer: SpeechSynthesizer | None = None, caller: str = "+48600000000",
                 language: str = "pl", headers: dict[str, str] | None = None, call_sid: str | None = None,
                 parameters: dict[str, str] | None = None) -> None:
        self.url = url
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self._synthesizer = synthesizer
        # The <Stream> parameters Twilio passes on: the TwiML's own when given (an outbound call).
        self.parameters = parameters or {"language": language, "caller": caller}
        self._headers = headers or {}
        self._socket: ClientConnection | None = None
        self._line = _Line()
        self._sequence = 0
        self._media_chunks = 0
        self._tasks: list[asyncio.Task] = []
        self._rng = np.random.default_rng(7)
        self._speech_ended_at: float | None = None
        self.hung_up_by_bot = False
        self._bot_hung_up = asyncio.Event()
        self.marks_echoed: list[str] = []  # the bot's marks, in the order their audio was played

    # --- the call ---------------------------------------------------------------------------
    async def __aenter__(self) -> "CallSimulator":
        self._socket = await connect(self.url, additional_headers=self._headers, open_timeout=30, max_size=None)
        await self._socket.send(twilio_event_connected())
        await self._socket.send(twilio_event_start(self.call_sid, self.stream_sid, self.parameters))
        self._sequence = 1
        self._tasks = [asyncio.create_task(self._microphone()), asyncio.create_task(self._receiver()),
                       asyncio.create_task(self._loudspeaker())]
        return self

    async def __aexit__(self, *_) -> None:
        await self.hang_up()

    async def hang_up(self) -> None:
        if self._socket is None:
            return
        if not self._line.closed:
            self._sequence += 1
            try:
                await self._socket.send(twilio_event_stop(self.stream_sid, self.call_sid, self._sequence))
            except Exception:  # noqa: BLE001 - the gateway may have closed the call already
                pass
        self._line.closed = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._socket.close()
        self._socket = None

    # --- what the caller does -----------------------------------------------------------------
    async def say(self, text: str, language: str, wait_for_answer: bool = True) -> BotAnswer:
        """Speaks `text` with the synthesizer into the line, then listens to the answer."""
        if self._synthesizer is None:
            raise RuntimeError("a synthesizer is needed to speak")
        pcm = await asyncio.to_thread(self._synthesizer.synthesize, text, language)
        return await self.play_audio(pcm, self._synthesizer.sample_rate, wait_for_answer)

    async def play_wav(self, path: Path, wait_for_answer: bool = True) -> BotAnswer:
        pcm, rate = read_wav(path)
        return await self.play_audio(pcm, rate, wait_for_answer)

    async def play_audio(self, pcm: bytes, sample_rate: int, wait_for_answer: bool = True) -> BotAnswer:
        """Plays caller audio into the line; the answer counts the bot audio cut off meanwhile."""
        cleared_before = self._line.cleared
        audio = to_phone_audio(pcm, sample_rate)
        for start in range(0, len(audio), FRAME_BYTES):
            self._line.mic.append(audio[start:start + FRAME_BYTES])
        while self._line.mic and not self._line.closed:
            await asyncio.sleep(FRAME_MS / 1000)
        self._speech_ended_at = time.perf_counter()
        answer = await self.listen() if wait_for_answer else BotAnswer()
        answer.cleared = self._line.cleared - cleared_before
        return answer

    async def press(self, keys: str, wait_for_answer: bool = True) -> BotAnswer:
        for key in keys:
            self._sequence += 1
            await self._socket.send(twilio_event_dtmf(self.stream_sid, key, self._sequence))
            await asyncio.sleep(0.15)
        self._speech_ended_at = time.perf_counter()
        return await self.listen() if wait_for_answer else BotAnswer()

    async def listen(self, timeout: float = 60.0, settle: float = ANSWER_SETTLE_SECONDS) -> BotAnswer:
        """Waits for the bot's answer to be played through, or for the bot to end the call."""
        line = self._line
        start_ms, start_cleared = line.played_ms, line.cleared
        line.first_audio_at = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not line.closed:
            idle = time.perf_counter() - line.last_played_at
            if line.played_ms > start_ms and not line.speaker and idle > settle:
                break
            await asyncio.sleep(0.05)
        first = None
        if line.first_audio_at is not None and self._speech_ended_at is not None:
            first = (line.first_audio_at - self._speech_ended_at) * 1000
        return BotAnswer(line.played_ms - start_ms, first, line.cleared - start_cleared)

    async def wait_until_speaking(self, timeout: float = 30.0) -> None:
        """Until the bot's audio is playing (to talk over it)."""
        deadline = time.monotonic() + timeout
        self._line.first_audio_at = None
        while self._line.first_audio_at is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def send_raw(self, message: str) -> None:
        """Anything at all, for tests of bad input."""
        await self._socket.send(message)

    async def wait_until_hung_up(self, timeout: float = 30.0) -> None:
        """Until the bot ends the call; TimeoutError if it has not within `timeout` seconds."""
        await asyncio.wait_for(self._bot_hung_up.wait(), timeout)

    @property
    def ended_by_bot(self) -> bool:
        return self.hung_up_by_bot

    # --- the line ---------------------------------------------------------------------------
    async def _microphone(self) -> None:
        next_at = time.perf_counter()
        while not self._line.closed:
            frame = self._line.mic.popleft() if self._line.mic else _noise_frame(self._rng)
            self._sequence += 1
            self._media_chunks += 1
            await self._socket.send(twilio_event_media(self.stream_sid, frame, self._sequence,
                                                       (self._media_chunks - 1) * FRAME_MS, chunk=self._media_chunks))
            next_at += FRAME_MS / 1000
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    async def _receiver(self) -> None:
        try:
            async for message in self._socket:
                event = json.loads(message)
                kind = event.get("event")
                if kind == "media":
                    audio = base64.b64decode(event["media"]["payload"])
                    if self._line.first_audio_at is None:
                        self._line.first_audio_at = time.perf_counter()
                    self._line.speaker.append(("audio", audio))
                elif kind == "mark":
                    self._line.speaker.append(("mark", event["mark"]["name"]))
                elif kind == "clear":
                    self._line.speaker = deque(item for item in self._line.speaker if item[0] == "mark")
                    self._line.cleared += 1
        except Exception:  # noqa: BLE001 - the gateway hung up
            pass
        self._line.closed = True
        self.hung_up_by_bot = True
        self._bot_hung_up.set()

    async def _loudspeaker(self) -> None:
        next_at = time.perf_counter()
        while not self._line.closed:
            speaker = self._line.speaker
            while speaker and speaker[0][0] == "mark":
                _, name = speaker.popleft()
                self.marks_echoed.append(name)
                self._sequence += 1
                await self._socket.send(twilio_event_mark(self.stream_sid, name, self._sequence))
            if speaker:
                _, audio = speaker.popleft()
                played = audio[:FRAME_BYTES]
                if len(audio) > FRAME_BYTES:
                    speaker.appendleft(("audio", audio[FRAME_BYTES:]))
                self._line.played_ms += 1000 * len(played) / RATE
                self._line.last_played_at = time.perf_counter()
            next_at += FRAME_MS / 1000
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def dial(voice_webhook_url: str, auth_token: str, *, caller: str, called: str,
               synthesizer: SpeechSynthesizer | None = None, timeout: float = 30,
               stir_verstat: str | None = None) -> CallSimulator:
    """Twilio's side of an incoming call up to the stream: the signed Voice webhook, then a
    simulator for the <Stream> its TwiML names, with the TwiML's parameters (not yet connected).
    `stir_verstat` is what Twilio says of the caller's number (e.g. "TN-Validation-Passed-A")."""
    call_sid = "CA" + uuid.uuid4().hex
    validator = RequestValidator(auth_token)
    params = {"CallSid": call_sid, "From": caller, "To": called, "CallStatus": "ringing", "Direction": "inbound"}
    if stir_verstat:
        params["StirVerstat"] = stir_verstat
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.post(voice_webhook_url, data=params, headers={
            "X-Twilio-Signature": validator.compute_signature(voice_webhook_url, params)})
    response.raise_for_status()
    stream = ElementTree.fromstring(response.text).find("./Connect/Stream")
    if stream is None:
        raise ValueError(f"the Voice webhook answered without a <Connect><Stream>: {response.text}")
    url = stream.get("url", "")
    parameters = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return CallSimulator(url, synthesizer=synthesizer, call_sid=call_sid, parameters=parameters,
                         headers={"X-Twilio-Signature": validator.compute_signature(url, {})})
