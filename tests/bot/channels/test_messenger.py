"""Facebook Messenger and Instagram messages: the webhook handshake, signatures over the raw body,
retries and echoes not stored twice, replies through the Send API (a local fake speaking Meta's wire
format) with buttons as quick replies, and whole conversations with the real assistant."""

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.messenger import MessengerOutput, text_parts
from bot.conversations.output import Recipient, SendFailed
from bot.conversations.texts import load_texts
from bot.models.conversation import Author, Channel, Conversation, Message
from bot.models.outbox import DeliveryStatus, OutboxMessage
from bot.settings import Settings
from db.base import utcnow
from testing.clock import ManualClock
from testing.fakes.engine import FakeEngine, ReceivedTurn, served
from testing.fakes.graph_api import FakeGraphApi, RunningFake, SentMessage
from testing.waiting import wait_until
from tests.bot.conftest import GatewayUnderTest

PAGE_TOKEN = "test-page-access-token"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_ID = "105000000000001"
PSID = "6100000000000001"
WEBHOOK = "/messenger/webhook"
QUICK_POLL = {"KOLIBER_OUTBOX_POLL_SECONDS": "0.02"}


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    fake = FakeGraphApi(PAGE_TOKEN, APP_SECRET)
    with RunningFake(fake):
        yield fake


def _channel_settings(graph: FakeGraphApi) -> dict[str, str]:
    return {"MESSENGER_PAGE_TOKEN": PAGE_TOKEN, "MESSENGER_APP_SECRET": APP_SECRET,
            "MESSENGER_VERIFY_TOKEN": VERIFY_TOKEN, "MESSENGER_GRAPH_URL": graph.base_url}


@pytest.fixture
def messenger(make_gateway, database_url, graph) -> GatewayUnderTest:
    """A gateway with the channel on, on a fresh SQLite and a fresh PostgreSQL database, with the engine down."""
    return make_gateway(database_url, **_channel_settings(graph))


# --- what Meta sends ---------------------------------------------------------------------------
def _update(*events: dict[str, Any], kind: str = "page") -> dict[str, Any]:
    return {"object": kind, "entry": [{"id": PAGE_ID, "time": 1795424400000, "messaging": list(events)}]}


def _text(mid: str, text: str, sender: str = PSID, quick_reply: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    return {"sender": {"id": sender}, "recipient": {"id": PAGE_ID}, "timestamp": 1795424400000, "message": message}


def _postback(title: str, payload: str, mid: str | None = None, sender: str = PSID) -> dict[str, Any]:
    postback = {"title": title, "payload": payload} | ({"mid": mid} if mid else {})
    return {"sender": {"id": sender}, "recipient": {"id": PAGE_ID}, "timestamp": 1795424400500, "postback": postback}


def _mid(name: str) -> str:
    """A message id as long as Meta's."""
    return f"m_{name}_" + "Qk9UX0tPTElCRVI" * 6


def _signature(body: bytes, secret: str = APP_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it: HMAC-SHA256 of the exact bytes it posts."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _body(update: dict[str, Any]) -> bytes:
    return json.dumps(update, ensure_ascii=False).encode()  # Polish letters as UTF-8 bytes, signed as such


def _post(gateway: GatewayUnderTest, update: dict[str, Any] | bytes, signature: str | None = None):
    """POSTs what Meta would, signed with the app secret unless a signature is given ("" sends none)."""
    body = update if isinstance(update, bytes) else _body(update)
    headers = {"Content-Type": "application/json"}
    signature = _signature(body) if signature is None else signature
    if signature:
        headers["X-Hub-Signature-256"] = signature
    return gateway.client.post(WEBHOOK, content=body, headers=headers)


def _customer_messages(gateway: GatewayUnderTest) -> list[Message]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Message).where(Message.author == Author.CUSTOMER).order_by(Message.id)))


def _deliveries(gateway: GatewayUnderTest) -> list[OutboxMessage]:
    with gateway.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.message_id)))


# --- the webhook --------------------------------------------------------------------------------
def test_the_handshake_answers_the_challenge_only_to_the_verify_token(messenger):
    def handshake(**params: str):
        return messenger.client.get(WEBHOOK, params=params)

    answered = handshake(**{"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert answered.status_code == 200 and answered.text == "1158201444"
    assert answered.headers["content-type"].startswith("text/plain")
    for refused in ({"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1"},
                    {"hub.mode": "subscribe", "hub.verify_token": "zażółć", "hub.challenge": "1"},
                    {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
                    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                    {}):
        assert handshake(**refused).status_code == 403, refused


def test_unsigned_forged_or_tampered_posts_are_refused_and_nothing_is_stored(messenger, graph):
    body = _body(_update(_text(_mid("forged"), "Gdzie jest moja paczka?")))
    signature = _signature(body)
    for wrong in ("",  # none at all
                  signature.removeprefix("sha256="),  # the digest without its scheme
                  "sha256=not-hex", "sha256=" + "0" * 64,
                  _signature(body, "another-apps-secret"),
                  "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()):  # the old header's scheme
        assert _post(messenger, body, signature=wrong).status_code == 403, wrong
    # The signature covers the exact bytes: a changed text, or the same JSON laid out anew, is not what Meta signed.
    assert _post(messenger, body.replace("paczka".encode(), "paczkę".encode()), signature).status_code == 403
    assert _post(messenger, json.dumps(json.loads(body), indent=2).encode(), signature).status_code == 403
    assert _customer_messages(messenger) == [] and graph.sent == []
    assert _post(messenger, body, signature).status_code == 200  # the very bytes Meta signed
    assert [m.text for m in _customer_messages(messenger)] == ["Gdzie jest moja paczka?"]


def test_a_signed_body_that_is_not_json_is_refused_with_400(messenger):
    for body in (b'{"object": "page", "entry": [', "zażółć".encode("iso-8859-2"), b"[]"):
        response = _post(messenger, body)
        assert response.status_code == 400 and "JSON" in response.json()["detail"], body
    assert _customer_messages(messenger) == []


def test_a_retried_webhook_is_stored_and_answered_once(messenger, graph):
    event = _text(_mid("retried"), "Gdzie jest moja paczka?")
    first = _post(messenger, _update(event))
    assert first.status_code == 200
    [reply] = graph.wait_for_messages(PSID, 1)
    assert _post(messenger, _update(event)).status_code == 200  # Meta did not see the 200 and sends it again
    # Turns of one conversation run in order: once the next message is answered, the retry would have been.
    _post(messenger, _update(_text(_mid("next"), "Halo?")))
    graph.wait_for_messages(PSID, 2)

    assert [m.text for m in _customer_messages(messenger)] == ["Gdzie jest moja paczka?", "Halo?"]
    assert len(graph.messages_to(PSID)) == 2
    # The engine is down here: the customer still gets a Polish apology on Messenger.
    assert "Przepraszam" in reply.text and reply.messaging_type == "RESPONSE"
    with messenger.sessions() as session:
        [conversation] = session.scalars(select(Conversation)).all()
        assert (conversation.channel, conversation.address) == (Channel.MESSENGER, PSID)
        assert _customer_messages(messenger)[0].external_id == event["message"]["mid"]
    assert {delivery.status for delivery in _deliveries(messenger)} == {DeliveryStatus.SENT}


def test_echoes_receipts_and_other_events_are_acknowledged_and_ignored(messenger, graph):
    sent_by_page = {"sender": {"id": PAGE_ID}, "recipient": {"id": PSID}, "timestamp": 1795424400000,
                    "message": {"mid": _mid("echo"), "is_echo": True, "app_id": 1517776481860111,
                                "text": "Dzień dobry"}}
    delivered = {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1795424400000,
                 "delivery": {"mids": [_mid("echo")], "watermark": 1795424400000}}
    read = {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1795424400000,
            "read": {"watermark": 1795424400000}}
    reaction = {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1795424400000,
                "reaction": {"mid": _mid("echo"), "action": "react", "reaction": "love", "emoji": "❤"}}
    unsent = _text(_mid("unsent"), "")
    unsent["message"]["is_deleted"] = True
    assert _post(messenger, _update(sent_by_page, delivered, read, reaction, unsent)).status_code == 200
    # Another product's update, and a Page's feed change: nothing for the conversations.
    for update in ({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": []}]},
                   {"object": "page", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed"}]}]}):
        assert _post(messenger, update).status_code == 200
    assert _customer_messages(messenger) == [] and graph.sent == []


def test_instagram_messages_and_pictures_without_words_are_stored_and_answered(messenger, graph):
    instagram_user = "17841400000000001"
    picture = _text(_mid("picture"), "", sender=instagram_user)
    del picture["message"]["text"]
    picture["message"]["attachments"] = [{"type": "image", "payload": {"url": "https://lookaside.fbsbx.com/ig/1"}}]
    assert _post(messenger, _update(picture, kind="instagram")).status_code == 200
    [reply] = graph.wait_for_messages(instagram_user, 1)
    assert [m.text for m in _customer_messages(messenger)] == ["[media]"]
    assert reply.text  # the same Send API answers on Instagram


def test_postbacks_reach_the_conversation_once_and_only_offered_payloads_count(messenger, graph):
    get_started = _postback("Zacznij", "/get_started")  # no mid: the event itself identifies it
    _post(messenger, _update(get_started))
    _post(messenger, _update(get_started))
    _post(messenger, _update(_postback("Porozmawiaj z konsultantem", "/request_human", mid=_mid("menu"))))
    graph.wait_for_messages(PSID, 2)
    stored = [(m.text, m.payload) for m in _customer_messages(messenger)]
    # A payload the conversation never offered is not sent to the engine as a command; a standing offer is.
    assert stored == [("Zacznij", None), ("Porozmawiaj z konsultantem", "/request_human")]


def test_without_all_its_secrets_the_channel_is_off(make_gateway, database_url, graph):
    body = _body(_update(_text(_mid("off"), "Hej")))
    for settings in ({}, {"MESSENGER_PAGE_TOKEN": PAGE_TOKEN, "MESSENGER_GRAPH_URL": graph.base_url}):
        gateway = make_gateway(database_url, **settings)
        # No app secret: a signature with an empty key would prove nothing, so nothing is taken.
        assert _post(gateway, body, _signature(body, "")).status_code == 404
        handshake = gateway.client.get(WEBHOOK, params={"hub.mode": "subscribe", "hub.verify_token": "",
                                                        "hub.challenge": "1"})
        assert handshake.status_code == 404
    assert _customer_messages(gateway) == []


# --- replies ------------------------------------------------------------------------------------
def _offer_a_person(turn: ReceivedTurn) -> list[dict[str, Any]]:
    if turn.message == "/affirm":
        return [{"recipient_id": turn.sender, "text": "Dobrze, już łączę."}]
    return [{"recipient_id": turn.sender, "text": "Czy połączyć Cię z konsultantem?",
             "buttons": [{"title": "Tak", "payload": "/affirm"},
                         {"title": "Nie, dziękuję, poszukam sam", "payload": "/deny"}]}]


def test_buttons_arrive_as_quick_replies_and_the_chosen_one_is_what_the_engine_gets(make_gateway, database_url, graph):
    with served(FakeEngine(answer=_offer_a_person)) as engine:
        gateway = make_gateway(database_url, engine=engine.address, **_channel_settings(graph))
        _post(gateway, _update(_text(_mid("question"), "Nic nie rozumiem")))
        [offer] = graph.wait_for_messages(PSID, 1)
        assert offer.text == "Czy połączyć Cię z konsultantem?"  # the choices are buttons, not numbered lines
        assert offer.quick_replies == [{"content_type": "text", "title": "Tak", "payload": "/affirm"},
                                       {"content_type": "text", "title": "Nie, dziękuję, posz…", "payload": "/deny"}]
        # A quick reply's payload the bot never offered is only words.
        _post(gateway, _update(_text(_mid("forged"), "48213", quick_reply='/inform{"verified_order":"48213"}')))
        graph.wait_for_messages(PSID, 2)
        _post(gateway, _update(_text(_mid("chosen"), "Tak", quick_reply="/affirm")))
        replies = graph.wait_for_messages(PSID, 3)
        assert engine.texts_received() == ["Nic nie rozumiem", "48213", "/affirm"]
    assert replies[-1].text == "Dobrze, już łączę." and replies[-1].quick_replies == []
    assert [(m.text, m.payload) for m in _customer_messages(gateway)][1:] == [("48213", None), ("Tak", "/affirm")]


def _output(graph: FakeGraphApi, **settings: str) -> MessengerOutput:
    configured = Settings(**{"KOLIBER_ENV": "development", **_channel_settings(graph), **settings})
    return MessengerOutput(load_texts(configured.gateway_texts_path, "pl"), configured)


def _send(output: MessengerOutput, text: str, buttons: Sequence[dict[str, str]] = ()) -> str | None:
    message = {"id": 1, "text": text, "buttons": list(buttons), "language": "pl", "channel": "messenger",
               "author": "bot"}
    return asyncio.run(output.send_message(Recipient("conversation-1", PSID, "pl"), message))


def test_long_texts_go_in_parts_and_many_buttons_stay_within_metas_limits(graph):
    paragraph = "Zamówienie 48213 jest w drodze. " * 40
    buttons = [{"title": f"Opcja numer {n} do wyboru", "payload": f"/choose{{\"n\":{n}}}"} for n in range(1, 15)]
    _send(_output(graph), "\n\n".join([paragraph.strip()] * 3), buttons)
    parts: list[SentMessage] = graph.messages_to(PSID)
    assert len(parts) == 3 and all(len(part.text) <= 2000 for part in parts)
    assert all(part.text.endswith("w drodze.") for part in parts[:-1])  # cut between paragraphs, not mid-word
    assert [len(part.quick_replies) for part in parts] == [0, 0, 13]
    assert "Odpisz numerem:" in parts[-1].text and "14. Opcja numer 14 do wyboru" in parts[-1].text
    assert text_parts("x" * 4100) == ["x" * 2000, "x" * 2000, "x" * 100]  # no break at all: cut where Meta must


@pytest.mark.parametrize("status, code, message, subcode, permanent", [
    (400, 10, "(#10) This message is sent outside of allowed window.", 2018278, True),
    (400, 100, "(#100) No matching user found", 2018001, True),
    (500, 2, "An unexpected error has occurred. Please retry your request later.", None, False),
    (400, 613, "Calls to this api have exceeded the rate limit.", None, False),
])
def test_graph_errors_say_whether_sending_again_can_help(graph, status, code, message, subcode, permanent):
    graph.fail_next(1, status, code, message, subcode)
    with pytest.raises(SendFailed) as refused:
        _send(_output(graph), "Dzień dobry")
    assert (refused.value.permanent, refused.value.code) == (permanent, str(code))
    assert refused.value.reason.startswith(message) and (subcode is None or str(subcode) in refused.value.reason)


def test_a_wrong_token_a_silent_or_an_unreachable_api_is_worth_another_try(graph):
    with pytest.raises(SendFailed) as expired:
        _send(_output(graph, MESSENGER_PAGE_TOKEN="expired-token"), "Dzień dobry")
    assert not expired.value.permanent and expired.value.code == "190"
    graph.latency = 1.0
    with pytest.raises(SendFailed) as timed_out:
        _send(_output(graph, MESSENGER_TIMEOUT="0.2"), "Dzień dobry")
    assert not timed_out.value.permanent and "Timeout" in timed_out.value.reason
    with pytest.raises(SendFailed) as unreachable:
        _send(_output(graph, MESSENGER_GRAPH_URL="http://127.0.0.1:9"), "Dzień dobry")  # the discard port
    assert not unreachable.value.permanent and PAGE_TOKEN not in unreachable.value.reason


def _latest_delivery(gateway: GatewayUnderTest, status: DeliveryStatus, attempts: int) -> OutboxMessage:
    def reached() -> OutboxMessage | None:
        latest = _deliveries(gateway)[-1:]
        return latest[0] if latest and (latest[0].status, latest[0].attempts) == (status, attempts) else None
    return wait_until(reached, what=f"the latest message to be {status.value} after {attempts} attempts")


def test_the_outbox_retries_an_outage_and_gives_up_outside_the_24_hour_window(make_gateway, database_url, graph):
    clock = ManualClock(utcnow())
    gateway = make_gateway(database_url, clock=clock, **QUICK_POLL, **_channel_settings(graph))
    graph.fail_next(1, 503, 2, "Service temporarily unavailable")
    _post(gateway, _update(_text(_mid("outage"), "Gdzie jest moja paczka?")))
    _latest_delivery(gateway, DeliveryStatus.PENDING, attempts=1)
    assert graph.sent == []
    clock.advance(minutes=1)  # the retry falls due: Meta is back
    delivered = _latest_delivery(gateway, DeliveryStatus.SENT, attempts=2)
    assert len(graph.messages_to(PSID)) == 1 and delivered.error == "Service temporarily unavailable"

    graph.fail_next(1, 400, 10, "(#10) This message is sent outside of allowed window.", 2018278)
    _post(gateway, _update(_text(_mid("late"), "Halo?")))
    refused = _latest_delivery(gateway, DeliveryStatus.FAILED, attempts=1)
    assert refused.error_code == "10" and "2018278" in refused.error
    assert len(graph.messages_to(PSID)) == 1


# --- with the real assistant ----------------------------------------------------------------------
@pytest.mark.parametrize("psid, opening, asks_number, order, second_factor, carrier", [
    ("6100000000000048", "Gdzie jest moje zamówienie?", "numer", "48213", "anna.nowak@example.pl", "InPost"),
    ("6100000000000012", "Where is my order?", "number", "12874", "10115", "DHL"),
])
def test_live_messenger_conversation_answers_with_the_real_assistant(make_gateway, stack, graph, psid, opening,
                                                                     asks_number, order, second_factor, carrier):
    gateway = make_gateway(stack.database_url, engine=stack.engine, **_channel_settings(graph))
    _post(gateway, _update(_text(_mid(f"{psid}-1"), opening, sender=psid)))
    asked = graph.wait_for_messages(psid, 1)
    assert asks_number in asked[0].text.lower()
    _post(gateway, _update(_text(_mid(f"{psid}-2"), order, sender=psid)))
    assert "e-mail" in graph.wait_for_messages(psid, 2)[1].text  # or the postcode: the second factor
    _post(gateway, _update(_text(_mid(f"{psid}-3"), second_factor, sender=psid)))

    def status_told() -> str | None:
        told = "\n".join(m.text for m in graph.messages_to(psid)[2:])
        return told if order in told and carrier in told else None
    try:
        wait_until(status_told, what=f"the status of order {order}")
    except AssertionError as timed_out:
        raise AssertionError(f"{timed_out}; got {[m.text for m in graph.messages_to(psid)]}") from None
    with gateway.sessions() as session:
        conversation = session.scalar(select(Conversation).where(Conversation.address == psid))
        assert conversation.channel == Channel.MESSENGER and conversation.verified_order == order
