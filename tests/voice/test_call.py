"""One call through VoiceCall, driven with Twilio's own events: greeting, keypad entry, barge-in,
silence and hang-up, with real espeak-ng speech and a scripted recogniser (test double)."""

import asyncio
import base64
import json

import numpy as np
import pytest

from voice.audio.mulaw import pcm16_to_mulaw
from voice.call import BotReply, CallerTurn, CallInfo, CallSettings, Utterance, VoiceCall
from voice.serializers.twilio import (
    twilio_event_dtmf,
    twilio_event_mark,
    twilio_event_media,
    twilio_event_start,
    twilio_event_stop,
)
from voice.simulator import to_phone_audio
from voice.stt.scripted import ScriptedRecognizer
from voice.tts.espeak import EspeakSynthesizer

STREAM, CALL = "MZ1", "CA1"


class RecordingHandler:
    """The gateway's part, reduced to recording what the call asks and answering fixed lines."""

    def __init__(self) -> None:
        self.turns: list[CallerTurn] = []
        self.heard_log: list[tuple[str, str, bool]] = []
        self.silences: list[tuple[int, bool]] = []
        self.ended_with: str | None = None
        self.greeting_played = asyncio.Event()  # every sentence of the greeting was played
        self.answered = asyncio.Event()  # a caller turn reached the handler

    async def start(self, call: CallInfo) -> BotReply:
        return BotReply([Utterance("greeting", "Hello there, this is the shop. How can I help you today?")], "en")

    async def answer(self, turn: CallerTurn) -> BotReply:
        self.turns.append(turn)
        self.answered.set()
        return BotReply([Utterance(f"answer-{len(self.turns)}",
                                   "Our returns are free for fourteen days. Print the label from your e-mail. "
                                   "Then drop the parcel at any pick-up point.")], "en")

    async def silence(self, reprompts: int, final: bool) -> BotReply:
        self.silences.append((reprompts, final))
        return BotReply([Utterance(f"silence-{reprompts}", "Goodbye." if final else "Are you still there?")], "en")

    async def heard(self, utterance: Utterance, heard_text: str, interrupted: bool) -> None:
        self.heard_log.append((utterance.id, heard_text, interrupted))
        if utterance.id == "greeting" and not interrupted:
            self.greeting_played.set()

    async def ended(self, reason: str, last_words) -> None:
        self.ended_with = reason


class FakeLine:
    """Twilio's side of the socket as two queues; marks are echoed as if played at once."""

    def __init__(self, echo_marks: bool = True) -> None:
        self.incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[dict] = []
        self.echo_marks = echo_marks
        self.bot_speaking = asyncio.Event()  # the first of the bot's audio went out

    async def receive(self) -> str | None:
        return await self.incoming.get()

    async def send(self, message: str) -> None:
        event = json.loads(message)
        self.sent.append(event)
        if event["event"] == "media":
            self.bot_speaking.set()
        if event["event"] == "mark" and self.echo_marks:
            await self.incoming.put(twilio_event_mark(STREAM, event["mark"]["name"], 0))

    def events(self, kind: str) -> list[dict]:
        return [e for e in self.sent if e["event"] == kind]


def speech_frames(synthesizer: EspeakSynthesizer, text: str) -> list[str]:
    audio = to_phone_audio(synthesizer.synthesize(text, "en"), synthesizer.sample_rate)
    return [twilio_event_media(STREAM, audio[i:i + 160], 2 + n, 20 * n, chunk=n + 1)
            for n, i in enumerate(range(0, len(audio), 160))]


def silence_frames(seconds: float) -> list[str]:
    noise = np.random.default_rng(1).normal(0, 30, int(8000 * seconds)).astype("<i2").tobytes()
    audio = pcm16_to_mulaw(noise)
    return [twilio_event_media(STREAM, audio[i:i + 160], 2, 0, chunk=1) for i in range(0, len(audio), 160)]


@pytest.fixture(scope="module")
def synthesizer() -> EspeakSynthesizer:
    return EspeakSynthesizer()


def start_call(handler, synthesizer, script, line, **settings) -> tuple[VoiceCall, asyncio.Task]:
    call = VoiceCall(handler, ScriptedRecognizer(script), synthesizer, "en", CallSettings(**settings))
    task = asyncio.create_task(call.run(line.receive, line.send))
    line.incoming.put_nowait(twilio_event_start(CALL, STREAM, {"language": "en"}))
    return call, task


async def happened(event: asyncio.Event, timeout: float = 20) -> None:
    await asyncio.wait_for(event.wait(), timeout)


def test_greeting_is_sent_as_20ms_mulaw_frames_with_a_mark_per_sentence(synthesizer):
    async def scenario():
        line, handler = FakeLine(), RecordingHandler()
        _, task = start_call(handler, synthesizer, [], line)
        await happened(handler.greeting_played)
        line.incoming.put_nowait(twilio_event_stop(STREAM, CALL, 9))
        assert await task == "stop"
        return line, handler

    line, handler = asyncio.run(scenario())
    media = line.events("media")
    assert media and all(e["streamSid"] == STREAM for e in media)
    sizes = [len(base64.b64decode(e["media"]["payload"])) for e in media]
    assert max(sizes) == 160 and sizes.count(160) >= len(sizes) - 2  # a sentence's last frame may be short
    assert [e["mark"]["name"] for e in line.events("mark")] == ["greeting:0", "greeting:1"]
    assert ("greeting", "Hello there, this is the shop. How can I help you today?", False) in handler.heard_log


def test_keypad_entry_is_one_turn(synthesizer):
    async def scenario():
        line, handler = FakeLine(), RecordingHandler()
        _, task = start_call(handler, synthesizer, [], line)
        await happened(handler.greeting_played)
        for key in "4821*48213#":
            line.incoming.put_nowait(twilio_event_dtmf(STREAM, key, 3))
        await happened(handler.answered)
        line.incoming.put_nowait(None)  # the socket closed: the caller hung up
        assert await task == "hangup"
        return handler

    handler = asyncio.run(scenario())
    assert [(t.text, t.keypad, t.confidence) for t in handler.turns] == [("48213", True, 1.0)]
    assert handler.ended_with == "hangup"


def test_caller_talking_over_the_bot_clears_its_audio(synthesizer):
    async def scenario():
        line, handler = FakeLine(echo_marks=False), RecordingHandler()  # nothing is "played" yet
        _, task = start_call(handler, synthesizer, ["how do returns work", "thanks"], line)
        await happened(line.bot_speaking)
        for frame in speech_frames(synthesizer, "How do returns work?") + silence_frames(1.0):
            line.incoming.put_nowait(frame)
        await happened(handler.answered)
        line.incoming.put_nowait(twilio_event_stop(STREAM, CALL, 99))
        await task
        return line, handler

    line, handler = asyncio.run(scenario())
    assert line.events("clear"), "the bot's greeting must be cleared when the caller speaks"
    assert ("greeting", "", True) in handler.heard_log  # no mark came back: nothing of it was heard
    assert handler.turns[0].text == "how do returns work"


def test_silence_reprompts_then_says_goodbye_and_ends_the_call(synthesizer):
    async def scenario():
        line, handler = FakeLine(), RecordingHandler()
        _, task = start_call(handler, synthesizer, [], line, silence_reprompt_seconds=0.3, max_reprompts=1)
        reason = await asyncio.wait_for(task, 20)
        return reason, handler

    reason, handler = asyncio.run(scenario())
    assert reason == "goodbye"
    assert handler.silences == [(1, False), (2, True)]


def test_garbage_and_audio_before_start_do_not_break_the_call(synthesizer):
    async def scenario():
        line, handler = FakeLine(), RecordingHandler()
        call = VoiceCall(handler, ScriptedRecognizer([]), synthesizer, "en")
        task = asyncio.create_task(call.run(line.receive, line.send))
        for message in ["{", "[]", json.dumps({"event": "media", "media": {"payload": "AAAA"}}),
                        json.dumps({"event": "unknown"})]:
            line.incoming.put_nowait(message)
        line.incoming.put_nowait(twilio_event_start(CALL, STREAM, {"language": "en"}))
        line.incoming.put_nowait(json.dumps({"event": "media", "streamSid": STREAM, "media": {"payload": "A"}}))
        await happened(line.bot_speaking)
        line.incoming.put_nowait(twilio_event_stop(STREAM, CALL, 5))
        return await task, call, line

    reason, call, line = asyncio.run(scenario())
    assert reason == "stop" and call.protocol_errors >= 3 and line.events("media")
