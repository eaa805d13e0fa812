"""One customer across channels with the real assistant, in Polish and English: they verify their
order in a chat, write about it by e-mail from the address their mail server proves, then phone
from the number their carrier vouches for (STIR/SHAKEN attestation A), and never give the order
number again. The calls' speech is replayed by ScriptedRecognizer (no Polish model is available
offline; recognition has its own tests): the rest of the call, audio and synthesis included, is real."""

import asyncio
import uuid

import httpx
import pytest

from bot.channels.speech_engines import SpeechEngines
from bot.main import create_app
from testing.served import ServedApp
from testing.waiting import wait_until
from tests.bot.channels.email.conftest import customer_email, mail_settings, text_of
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, TWILIO_TOKEN, gateway_settings
from voice.simulator import dial
from voice.stt.scripted import ScriptedRecognizer
from voice.tts.espeak import EspeakSynthesizer

DIALLED = {"pl": "+48221002030", "en": "+442038000000"}
ATTESTED = "TN-Validation-Passed-A"

ANNA = {"language": "pl", "chat": ["Gdzie jest moje zamówienie?", "48213", "00-950"], "email": "anna.nowak@example.pl",
        "phone": "+48601234567", "subject": "Paczka", "question": "Dzień dobry, kiedy dotrze moja paczka?",
        "spoken": ["gdzie jest moja paczka", "tak"], "offer": "w sprawie zamówienia 48213", "order": "48213",
        "carrier": "InPost"}
JOHN = {"language": "en", "chat": ["Where is my order?", "12874", "10115"], "email": "john.miller@example.com",
        "phone": "+4915112345678", "subject": "Parcel", "question": "Hello, when will my parcel arrive?",
        "spoken": ["where is my parcel", "yes"], "offer": "about order 12874", "order": "12874", "carrier": "DHL"}


@pytest.fixture
def gateway(stack, twilio_cloud, mailboxes):
    """A gateway on a real port, reading this test's shop mailbox and answering calls; the scripted
    caller's words are set per test."""
    served = []

    def start(spoken: list[str]) -> ServedApp:
        settings = gateway_settings(stack.database_url, stack.engine, ALWAYS_OPEN, twilio_cloud,
                                    KOLIBER_CALL_SILENCE_SECONDS="30",
                                    **mail_settings(mailboxes.servers, mailboxes.shop))
        speech = SpeechEngines(ScriptedRecognizer(spoken), EspeakSynthesizer(rate_wpm=165))
        served.append(ServedApp(create_app(settings, speech=speech)).__enter__())
        return served[-1]

    yield start
    for server in served:
        server.__exit__()


def _chat(server: ServedApp, customer: dict) -> str:
    """The customer verifies their order in a chat (the REST API's channel); the bot's last answer."""
    conversation, sender = None, f"chat-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as client:
        for text in customer["chat"]:
            body = {"text": text, "sender": sender, "language": customer["language"]}
            reply = client.post("/api/v1/messages", json={**body, **({"conversation_id": conversation}
                                                                    if conversation else {})}).json()
            conversation = reply["conversation_id"]
    return " ".join(r["text"] for r in reply["replies"])


def _email(mailboxes, customer: dict) -> str:
    sent = customer_email(customer["email"], customer["subject"], customer["question"], proven=True, to=mailboxes.shop)
    mailboxes.send(sent)
    answer = wait_until(lambda: next((m for m in mailboxes.inbox(customer["email"])
                                      if m["In-Reply-To"] == sent["Message-ID"]), None), 60, "the answer by e-mail")
    return text_of(answer)


async def _call(server: ServedApp, customer: dict) -> list[str]:
    synthesizer = EspeakSynthesizer(rate_wpm=165)
    async with await dial(f"{server.base_url}/twilio/voice", TWILIO_TOKEN, caller=customer["phone"],
                          called=DIALLED[customer["language"]], synthesizer=synthesizer,
                          stir_verstat=ATTESTED) as caller:
        await caller.listen()
        for words in customer["spoken"]:
            await caller.say(words, customer["language"])
        call_sid = caller.call_sid
    response = httpx.get(f"{server.base_url}/api/v1/calls/{call_sid}", headers={"Authorization": f"Bearer {API_KEY}"})
    return [m["text"] for m in response.json()["messages"] if m["author"] == "bot"]


@pytest.mark.parametrize("customer", [ANNA, JOHN], ids=["pl", "en"])
def test_chat_then_email_then_phone_without_giving_the_order_number_again(gateway, mailboxes, customer):
    server = gateway(customer["spoken"])
    assert customer["carrier"] in _chat(server, customer)  # verified in the chat: order number and postcode

    by_email = _email(mailboxes, customer)  # no order number in the e-mail
    assert customer["order"] in by_email and customer["carrier"] in by_email, by_email

    bot_said = asyncio.run(_call(server, customer))  # no order number on the phone either
    assert customer["offer"] in bot_said[-2], bot_said
    assert customer["order"] in bot_said[-1] and customer["carrier"] in bot_said[-1], bot_said
