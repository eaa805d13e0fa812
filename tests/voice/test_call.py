"""One call through VoiceCall's Pipecat pipeline over a real WebSocket, driven by the call
simulator with Twilio's own events: greeting, keypad entry, barge-in, silence, hang-up, bad
frames, and a handler that answers slowly. Real espeak-ng speech, Silero VAD and Smart Turn; the
recogniser is the scripted test double."""

import asyncio
import json
import threading

import pytest
from fastapi import FastAPI, WebSocket

from testing.served import ServedApp
from testing.waiting import wait_until
from voice.call import BotReply, CallerTurn, CallInfo, CallSettings, Utterance, VoiceCall
from voice.simulator import CallSimulator
from voice.stt.scripted import ScriptedRecognizer
from voice.tts.espeak import EspeakSynthesizer

RETURNS = ("Our returns are free for fourteen days. Print the label from your e-mail. "
           "Then drop the parcel at any pick-up point.")


class RecordingHandler:
    """The gateway's part, reduced to recording what the call asks and answering fixed lines."""

    def __init__(self, answer_delay: float = 0.0) -> None:
        self.answer_delay = answer_delay
        self.language = "en"
        self.digits = 0  # the greeting asks for a number this long
        self.ends = False  # every answer ends the dialogue (a finished survey)
        self.transfers = False  # every answer moves the call to a person
        self.turns: list[CallerTurn] = []
        self.heard_log: list[tuple[str, str, bool]] = []
        self.silences: list[tuple[int, bool]] = []
        self.silenced = threading.Event()
        self.ended_with: tuple[str, CallerTurn | None] | None = None
        self.done = threading.Event()  # set on the server's loop, awaited on the test's

    async def start(self, call: CallInfo) -> BotReply:
        return BotReply([Utterance("greeting", "Hello there, this is the shop. How can I help you today?")],
                        self.language, digits=self.digits)

    async def answer(self, turn: CallerTurn) -> BotReply:
        self.turns.append(turn)
        await asyncio.sleep(self.answer_delay)  # a slow engine
        return BotReply([Utterance(f"answer-{len(self.turns)}", RETURNS)], self.language,
                        hang_up=self.ends or self.transfers, transferred=self.transfers)

    async def silence(self, reprompts: int, final: bool) -> BotReply:
        self.silences.append((reprompts, final))
        self.silenced.set()
        goodbye = "I cannot hear anyone on the line, so I will end this call now. Goodbye."
        return BotReply([Utterance(f"silence-{reprompts}", goodbye if final else "Are you still there?")], "en")

    async def heard(self, utterance: Utterance, heard_text: str, interrupted: bool) -> None:
        self.heard_log.append((utterance.id, heard_text, interrupted))

    async def ended(self, reason: str, last_words: CallerTurn | None) -> None:
        self.ended_with = (reason, last_words)
        self.done.set()


@pytest.fixture(scope="module")
def synthesizer() -> EspeakSynthesizer:
    return EspeakSynthesizer()


class Line:
    """A served app whose /media socket plays one VoiceCall per connection with this handler."""

    def __init__(self, synthesizer: EspeakSynthesizer) -> None:
        self.synthesizer = synthesizer
        self.handler = RecordingHandler()
        self.recognizer = ScriptedRecognizer([])
        self.settings = CallSettings(silence_reprompt_seconds=30)
        self.calls: list[tuple[VoiceCall, str]] = []
        self.call_over = threading.Event()
        self.hung_up: list[str] = []  # calls ended through Twilio's REST API
        app = FastAPI()

        async def hang_up(call_sid: str) -> None:
            self.hung_up.append(call_sid)

        @app.websocket("/media")
        async def media(socket: WebSocket) -> None:
            await socket.accept()
            call = VoiceCall(self.handler, self.recognizer, self.synthesizer, "en", self.settings, hang_up)
            self.calls.append((call, await call.run(socket)))
            self.call_over.set()

        self.server = ServedApp(app).__enter__()

    def caller(self) -> CallSimulator:
        return CallSimulator(f"ws://127.0.0.1:{self.server.port}/media", synthesizer=self.synthesizer,
                             language="en", call_sid="CA1")


@pytest.fixture
def line(synthesizer):
    served = Line(synthesizer)
    yield served
    served.server.__exit__()


def test_greeting_is_played_with_a_mark_per_sentence_and_heard_in_full(line):
    async def call():
        async with line.caller() as caller:
            greeting = await caller.listen()
            marks = list(caller.marks_echoed)
        assert await asyncio.to_thread(line.handler.done.wait, 20)
        return greeting, marks

    greeting, marks = asyncio.run(call())
    assert greeting.audio_ms > 2000
    assert marks == ["greeting:0", "greeting:1"]
    assert ("greeting", "Hello there, this is the shop. How can I help you today?", False) in line.handler.heard_log
    assert line.handler.ended_with == ("stop", None)
    assert line.call_over.wait(20) and line.calls[0][1] == "stop"


def test_keypad_entry_is_one_turn(line):
    async def call():
        async with line.caller() as caller:
            await caller.listen()
            answer = await caller.press("4821*48213#")
            assert answer.audio_ms > 2000

    asyncio.run(call())
    assert [(t.text, t.keypad, t.confidence) for t in line.handler.turns] == [("48213", True, 1.0)]


def test_caller_talking_over_the_bot_clears_its_audio_and_only_what_was_heard_counts(line):
    line.recognizer = ScriptedRecognizer(["how do returns work", "thanks"])

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            await caller.say("How do returns work?", "en", wait_for_answer=False)
            await caller.wait_until_speaking()
            answer = await caller.say("Thanks, that is all.", "en")
            return answer

    answer = asyncio.run(call())
    assert answer.cleared >= 1
    [(utterance, heard, interrupted)] = [h for h in line.handler.heard_log if h[0] == "answer-1"]
    assert interrupted and RETURNS.startswith(heard) and heard != RETURNS
    assert [t.text for t in line.handler.turns] == ["how do returns work", "thanks"]


@pytest.mark.parametrize("transfers", [True, False], ids=["transfer", "end of the dialogue"])
def test_a_caller_who_talks_over_the_last_words_is_transferred_or_hung_up_all_the_same(line, transfers):
    line.handler.ends, line.handler.transfers = True, transfers
    line.recognizer = ScriptedRecognizer(["put me through to a person", "hello"])

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            await caller.say("Put me through to a person, please.", "en", wait_for_answer=False)
            await caller.wait_until_speaking()
            await caller.say("Hello?", "en", wait_for_answer=False)
            await caller.wait_until_hung_up(timeout=30)
            return caller.ended_by_bot

    assert asyncio.run(call())
    assert line.call_over.wait(20) and line.calls[0][1] == "goodbye"
    [(_, heard, interrupted)] = [h for h in line.handler.heard_log if h[0] == "answer-1"]
    assert interrupted and heard != RETURNS
    assert [t.text for t in line.handler.turns] == ["put me through to a person"]  # "hello" is not answered
    assert line.hung_up == ([] if transfers else ["CA1"])


def test_silence_reprompts_then_says_goodbye_and_ends_the_call(line):
    line.settings = CallSettings(silence_reprompt_seconds=0.5, max_reprompts=1)

    async def call():
        async with line.caller() as caller:
            await caller.wait_until_hung_up(timeout=30)
            return caller.ended_by_bot

    assert asyncio.run(call())
    assert line.handler.silences == [(1, False), (2, True)]
    assert line.call_over.wait(20) and line.calls[0][1] == "goodbye"


def test_a_caller_who_talks_over_the_silence_goodbye_keeps_the_line(line):
    line.settings = CallSettings(silence_reprompt_seconds=3, max_reprompts=0)  # not again before the answer
    line.recognizer = ScriptedRecognizer(["sorry I am still here"])

    async def call():
        async with line.caller() as caller:
            await asyncio.to_thread(line.handler.silenced.wait, 30)
            await caller.wait_until_speaking()
            answer = await caller.say("Sorry, I am still here.", "en")
            return answer, caller.ended_by_bot

    answer, ended_by_bot = asyncio.run(call())
    assert line.handler.silences == [(1, True)]
    assert answer.cleared and answer.audio_ms > 2000 and not ended_by_bot
    assert [t.text for t in line.handler.turns] == ["sorry I am still here"]
    assert line.hung_up == []


def test_garbage_frames_are_counted_and_dropped_and_the_call_goes_on(line):
    async def call():
        async with line.caller() as caller:
            for message in ["{", "[]", json.dumps({"event": "media", "media": {"payload": "A"}}),
                            json.dumps({"event": "unknown"}), json.dumps({"event": "dtmf", "dtmf": {"digit": "x"}})]:
                await caller.send_raw(message)
            greeting = await caller.listen()
            return greeting

    greeting = asyncio.run(call())
    assert greeting.audio_ms > 2000
    assert line.call_over.wait(20)
    call, reason = line.calls[0]
    assert reason == "stop" and call.protocol_errors == 5


def test_a_slow_answer_does_not_hold_up_keys_barge_in_or_the_hang_up(line):
    """The handler takes 3 s to answer the keys; meanwhile the caller's speech is heard (Pipecat
    interrupts and sends `clear`), and `stop` ends the call at once, keeping what they said."""
    line.handler.answer_delay = 3.0
    line.recognizer = ScriptedRecognizer(["where is my order"])

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            await caller.press("1#", wait_for_answer=False)  # its answer takes 3 s
            spoken = await caller.say("Where is my order?", "en", wait_for_answer=False)
            await caller.hang_up()
        assert await asyncio.to_thread(line.handler.done.wait, 2.5)  # before the 3 s answer is back
        return spoken

    spoken = asyncio.run(call())
    assert spoken.cleared >= 1
    reason, last_words = line.handler.ended_with
    assert reason == "stop" and last_words.text == "where is my order"
    assert [t.text for t in line.handler.turns] == ["1"]


def _with_pause(synthesizer: EspeakSynthesizer, first: str, second: str, language: str, pause_s: float) -> bytes:
    silence = bytes(2 * int(synthesizer.sample_rate * pause_s))
    return synthesizer.synthesize(first, language) + silence + synthesizer.synthesize(second, language)


# The caller hesitates mid-sentence. Smart Turn judges by the sound, and on espeak's voice it is
# reliable only for such hesitations and for questions (see the issue-14 note): the tests check
# that the pipeline acts on its judgement, not how good the model is on a synthetic voice. So no
# comma before the filler (espeak pauses 160-170 ms there, which Silero sometimes takes for the end
# of a stretch, and "Mój numer zamówienia to" alone sounds finished to Smart Turn, p 0.7-0.9), and a
# Polish wording it hears as unfinished in every run measured (p 0.07-0.30 over 7 calls; "Mój numer
# zamówienia to eee" went from 0.11 to 0.70).
@pytest.mark.parametrize("language, first, second", [
    ("en", "My order number is um", "four eight two one three."),
    ("pl", "Numer mojego zamówienia to jest eee", "cztery osiem dwa jeden trzy."),
])
def test_smart_turn_keeps_a_pause_mid_sentence_in_the_same_turn(line, language, first, second):
    line.recognizer = ScriptedRecognizer(["my order number is 48213"])
    line.settings = CallSettings(silence_reprompt_seconds=30, turn_silence_seconds=3.0)

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            pcm = _with_pause(line.synthesizer, first, second, language, pause_s=1.0)
            answer = await caller.play_audio(pcm, line.synthesizer.sample_rate)
            assert answer.audio_ms > 2000

    asyncio.run(call())
    assert len(line.recognizer.segment_ms) >= 2, "the pause should split the speech in two stretches"
    assert [t.text for t in line.handler.turns] == ["my order number is 48213"]
    assert line.recognizer.extra_utterances == 0


@pytest.mark.parametrize("language, question", [("en", "Where is my order?"), ("pl", "Gdzie jest moja paczka?")])
def test_smart_turn_answers_a_finished_question_without_waiting_for_a_long_silence(line, language, question):
    line.recognizer = ScriptedRecognizer(["where is my order"])
    line.settings = CallSettings(silence_reprompt_seconds=30, turn_silence_seconds=3.0)

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            await caller.say(question, language)

    asyncio.run(call())
    assert line.call_over.wait(20)
    [timing] = line.calls[0][0].timings
    # Smart Turn ended the turn, not the 3 s of silence it falls back on.
    assert timing.endpointing_ms < 1500, timing


@pytest.mark.parametrize("language, answer", [("pl", "Tak."), ("pl", "Nie."), ("en", "No.")])
def test_a_one_word_answer_is_a_turn(line, language, answer):
    line.recognizer = ScriptedRecognizer([answer.lower().strip(".")])
    line.settings = CallSettings()  # the product's reprompt

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            # Silero misses a lone espeak "Tak." or "Nie." about once in 18 starting points (never
            # "No."); a caller who is not heard says it again after the reprompt, and only the
            # answer that was heard is a turn.
            for _ in range(3):
                reply = await caller.say(answer, language)
                if line.handler.turns:
                    break
            assert reply.audio_ms > 2000

    asyncio.run(call())
    assert [t.text for t in line.handler.turns] == [answer.lower().strip(".")]


@pytest.mark.parametrize("language, first, second, script", [
    ("en", "One two eight.", "Seven four.", ["one two eight", "seven four"]),
    ("pl", "Jeden dwa osiem.", "Siedem cztery.", ["jeden dwa osiem", "siedem cztery"]),
])
def test_an_order_number_said_in_two_goes_is_one_answer(line, language, first, second, script):
    line.handler.language, line.handler.digits = language, 5
    line.recognizer = ScriptedRecognizer(script)
    # The caller goes on well within the pause, even on a loaded machine (a late start is a caller
    # who stopped: test_a_number_shorter_than_expected_is_answered_once_the_caller_stops).
    line.settings = CallSettings(silence_reprompt_seconds=30, digit_pause_seconds=4)
    rest = line.synthesizer.synthesize(second, language)

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            await caller.say(first, language, wait_for_answer=False)
            # The first part has ended a turn of its own (and is held): the caller goes on.
            await asyncio.to_thread(wait_until, lambda: line.recognizer.remaining == 1, 20, "the first part's turn")
            answer = await caller.play_audio(rest, line.synthesizer.sample_rate)
            assert answer.audio_ms > 2000

    asyncio.run(call())
    assert [t.text for t in line.handler.turns] == [" ".join(script)]


def test_a_number_shorter_than_expected_is_answered_once_the_caller_stops(line):
    line.handler.digits = 5
    line.recognizer = ScriptedRecognizer(["one two eight"])

    async def call():
        async with line.caller() as caller:
            await caller.listen()
            answer = await caller.say("One, two, eight.", "en")
            assert answer.audio_ms > 2000

    asyncio.run(call())
    assert [t.text for t in line.handler.turns] == ["one two eight"]
