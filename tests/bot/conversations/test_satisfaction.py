"""CSAT when a conversation ends, on each channel, against a fake engine (milliseconds a turn): a digit
by SMS, stars in the web chat after an agent resolved the ticket, the keypad on a call, a link by
e-mail; a comment and a follow-up ticket after a low score; never twice within 24 h, never after an
opt-out, never in a survey call. What the database decides (the quiet period, opt-outs, survey calls,
the follow-up ticket) runs on SQLite and PostgreSQL; the channels' own paths on SQLite."""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.conversations.calls import GatewayCallHandler
from bot.conversations.satisfaction import score_in
from bot.models.conversation import Channel, Conversation, ConversationState
from bot.models.feedback import ContactOptOut, Rating
from bot.models.handoff import Ticket, TicketKind
from bot.models.survey import Survey, SurveyCall, SurveyState
from contracts.handoff import HandoffSignal
from db.base import utcnow
from db.sessions import unit_of_work
from testing.clock import ManualClock
from testing.fakes.engine import FakeEngine, ReceivedTurn, served
from testing.shop_rows import delivered_order
from tests.bot.channels.chat_client import ChatSocket
from tests.bot.console.console_client import ConsoleBrowser
from voice.call import CallerTurn

PHONE = "+48600100300"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KEYWORDS = {"order": "order_status", "paczka": "order_status", "thank": "thank", "dzięk": "thank",
            "bye": "goodbye", "hello": "greet", "cześć": "greet", "person": "request_human"}


def answer(turn: ReceivedTurn) -> list[dict]:
    if "person" in turn.message:
        signal = HandoffSignal("customer_request", turn.metadata.get("language", "en"), summary=turn.message)
        return [{"recipient_id": turn.sender, "custom": signal.to_message()}]
    return [{"recipient_id": turn.sender, "text": f"You said: {turn.message}"}]


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with served(FakeEngine(answer=answer, keywords=KEYWORDS)) as fake:
        yield fake


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(utcnow())


@pytest.fixture
def shop(make_gateway, database_url, engine, clock):
    return make_gateway(database_url, engine=engine.address, clock=clock)


def sms(gateway, text: str, expect: int, sender: str = PHONE) -> list[str]:
    """Sends an SMS and returns every text sent to the customer once there are `expect` of them."""
    sid = "SM" + uuid.uuid4().hex
    gateway.twilio_webhook({"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
                            "To": "+48221002030", "Body": text, "NumMedia": "0"})
    return gateway.twilio.wait_for_messages(sender, expect)


@pytest.mark.parametrize("text, payload, score", [
    ("4", None, 4), (" 5. ", None, 5), ("★★", "!rate:2", 2), ("0", None, None), ("12", None, None),
    ("²", None, None), ("4 stars, thanks", None, None), ("9", "!rate:9", None)])
def test_a_score_is_a_star_or_a_lone_digit_from_1_to_5(text, payload, score):
    assert score_in(text, payload) == score


def ratings(gateway) -> list[Rating]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Rating).order_by(Rating.id)))


def satisfaction(gateway):
    return gateway.client.app.state.gateway.satisfaction


@SQLITE_ONLY
@pytest.mark.parametrize("hello, request_text, thanks, question, thanked", [
    ("Cześć", "Gdzie jest moja paczka?", "Dzięki!", "Odpisz jedną cyfrą od 1 (źle) do 5", "Dziękuję za ocenę!"),
    ("Hello", "Where is my order?", "Thanks a lot", "Reply with one digit from 1 (poor) to 5",
     "Thank you for your rating!"),
], ids=["pl", "en"])
def test_an_sms_conversation_the_assistant_finished_is_rated_with_a_digit(shop, engine, hello, request_text, thanks,
                                                                          question, thanked):
    sms(shop, hello, 1)
    sms(shop, thanks, 2)
    assert ratings(shop) == []  # a greeting and thanks alone: nothing was asked of the assistant
    sms(shop, request_text, 3)
    assert question in sms(shop, thanks, 5)[4]
    assert sms(shop, "4", 6)[5] == thanked
    assert engine.texts_received() == [hello, thanks, request_text, thanks]  # the score never reached it
    [rating] = ratings(shop)
    assert (rating.score, rating.channel, rating.address, rating.ticket_id) == (4, Channel.SMS, PHONE, None)
    assert rating.language == ("pl" if thanked.startswith("Dzi") else "en") and rating.answered_at is not None


def test_a_low_score_asks_what_went_wrong_and_a_person_follows_up_with_the_transcript(shop, engine):
    shop.add_agent("ola", ["en"])
    sms(shop, "Where is my order?", 1)
    sms(shop, "thanks", 3)
    assert sms(shop, "1", 4)[3].startswith("I'm sorry it didn't go well. What went wrong?")
    reply = sms(shop, "Stop sending parcels this late", 5)[4]  # a comment, even one that starts with "stop"
    [rating] = ratings(shop)
    assert (rating.score, rating.comment) == (1, "Stop sending parcels this late")
    assert f"ticket no. {rating.follow_up_ticket_id}" in reply
    assert engine.texts_received() == ["Where is my order?", "thanks"]
    with shop.sessions() as session:
        ticket = session.get(Ticket, rating.follow_up_ticket_id)
        assert (ticket.reason, ticket.kind, ticket.conversation_id) == ("low_csat", TicketKind.MESSAGE,
                                                                          rating.conversation_id)
        assert "1/5" in ticket.summary and "Stop sending parcels this late" in ticket.summary
        assert session.scalar(select(func.count()).select_from(ContactOptOut)) == 0
        assert session.get(Conversation, rating.conversation_id).state == ConversationState.BOT
    ola = ConsoleBrowser.logged_in(shop.client, "ola", "agent-password")
    assert rating.follow_up_ticket_id in [t["id"] for t in ola.request("GET", "/console/api/queue").json()["tickets"]]
    details = ola.request("GET", f"/console/api/tickets/{rating.follow_up_ticket_id}").json()
    assert [m["text"] for m in details["messages"]][:2] == ["Where is my order?", "You said: Where is my order?"]


def test_not_asked_twice_within_24_hours_and_never_after_an_opt_out(shop, engine, clock):
    sms(shop, "Where is my order?", 1)
    sms(shop, "thanks", 3)
    sms(shop, "5", 4)
    clock.advance(hours=2)
    sms(shop, "Where is my order again?", 5)
    sms(shop, "thanks", 6)  # the same customer, within 24 h: no question
    assert len(ratings(shop)) == 1
    clock.advance(hours=23)  # a day after the question: asked again (in a new conversation)
    sms(shop, "Where is my order?", 7)
    assert "Reply with one digit" in sms(shop, "thank you", 9)[8]
    sms(shop, "One more thing: can I pay by card?", 10)  # no answer to the question: it is dropped
    assert sms(shop, "5", 11)[10] == "You said: 5"  # so a digit is the assistant's again
    clock.advance(hours=25)
    sms(shop, "Where is my order?", 12)
    sms(shop, "thanks", 14)
    assert sms(shop, "STOP", 15)[14] == "Understood, we won't ask you to rate conversations again."
    clock.advance(hours=48)
    sms(shop, "Where is my order?", 16)
    sms(shop, "thanks", 17)
    assert [r.score for r in ratings(shop)] == [5, None, None]
    with shop.sessions() as session:
        [opt_out] = session.scalars(select(ContactOptOut)).all()
        assert (opt_out.address, opt_out.topic, opt_out.channel) == (PHONE, "feedback", Channel.SMS)


@SQLITE_ONLY
def test_a_polish_opt_out_by_whatsapp_counts_for_the_number_on_sms_too(shop):
    whatsapp = f"whatsapp:{PHONE}"
    sms(shop, "Gdzie jest moja paczka?", 1, sender=whatsapp)
    assert "odpisz STOP" in sms(shop, "Dzięki", 3, sender=whatsapp)[2]
    assert sms(shop, "Nie pytaj mnie więcej", 4, sender=whatsapp)[3].startswith("Rozumiem")
    sms(shop, "Gdzie jest moja paczka?", 1)
    sms(shop, "Dzięki", 2)
    assert [r.channel for r in ratings(shop)] == [Channel.WHATSAPP]


@SQLITE_ONLY
def test_web_chat_stars_after_an_agent_resolved_the_ticket(shop):
    shop.add_agent("ola", ["en"])
    with shop.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("en")
        chat.say("I want a person please")
        chat.replies_until_idle()
        ola = ConsoleBrowser.logged_in(shop.client, "ola", "agent-password")
        [ticket] = ola.request("GET", "/console/api/queue").json()["tickets"]
        ola.request("POST", f"/console/api/tickets/{ticket['id']}/claim")
        ola.request("POST", f"/console/api/tickets/{ticket['id']}/resolve")
        chat.next_message("system")  # "Ola has joined the chat."
        assert "closed the chat" in chat.next_message("system")["text"]
        question = chat.next_message("system")
        assert question["text"] == "How would you rate this conversation? Choose from 1 to 5 stars."
        assert [b["payload"] for b in question["buttons"]] == [f"!rate:{n}" for n in range(1, 6)]
        chat.say("★★★★★", payload="!rate:5")
        assert chat.reply_texts() == "Thank you for your rating!"
    [rating] = ratings(shop)
    assert (rating.score, rating.ticket_id, rating.channel) == (5, ticket["id"], Channel.WEB)


@SQLITE_ONLY
def test_a_caller_rates_the_call_on_the_keypad_and_the_call_ends(shop, engine):
    gateway = shop.client.app.state.gateway
    handler = GatewayCallHandler(gateway.core, gateway.texts, streams=None, transfer=None)

    async def call() -> list:
        handler.conversation_id = await gateway.core.open_call("CA" + uuid.uuid4().hex, "+48600777888", "en")
        return [await handler.answer(CallerTurn("where is my order", "en", 0.9, keypad=False)),
                await handler.answer(CallerTurn("thanks, bye", "en", 0.9, keypad=False)),
                await handler.answer(CallerTurn("4", "en", 1.0, keypad=True))]

    _, goodbye, rated = shop.client.portal.call(call)
    assert goodbye.choices == 5 and not goodbye.hang_up  # one key answers
    assert goodbye.utterances[-1].text == ("Before you go: how would you rate this call? "
                                           "Press a key from 1, poor, to 5, great.")  # no stars read out
    assert rated.hang_up and rated.utterances[-1].text == "Thank you for your rating. Goodbye!"
    [rating] = ratings(shop)
    assert (rating.score, rating.channel, rating.address) == (4, Channel.VOICE, "+48600777888")


def _emailed_link(shop, clock, address: str, language: str) -> str:
    """The rating link in the question an e-mail conversation gets when it ends."""
    with unit_of_work(shop.sessions) as session:
        conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.EMAIL, address=address, language=language,
                                    state=ConversationState.BOT, pending_data={}, created_at=clock(),
                                    last_activity_at=clock())
        session.add(conversation)
        session.flush()
        question = satisfaction(shop).ask(session, conversation, clock())
        return re.search(r"http\S+/rate/(\S+)", question.text).group(1)


@SQLITE_ONLY
def test_an_email_link_opens_a_rating_page_in_the_customers_language(shop, clock):
    polish = _emailed_link(shop, clock, "anna@example.pl", "pl")
    english = _emailed_link(shop, clock, "tom@example.com", "en")
    assert all(r.link_token_hash and polish not in r.link_token_hash for r in ratings(shop))  # only a hash is kept
    page = shop.client.get(f"/rate/{polish}")
    assert page.status_code == 200 and "Jak oceniasz naszą pomoc?" in page.text and 'lang="pl"' in page.text
    assert shop.client.post(f"/rate/{polish}", data={"score": "9"}).status_code == 422
    assert "Co poszło nie tak?" in shop.client.post(f"/rate/{polish}", data={"score": "2"}).text
    thanks = shop.client.post(f"/rate/{polish}/comment", data={"comment": "Za długo czekałam"})
    assert 'data-state="comment_thanks"' in thanks.text and "przekazaliśmy" in thanks.text
    assert 'data-state="answered"' in shop.client.post(f"/rate/{polish}", data={"score": "5"}).text
    assert "How would you rate our help?" in shop.client.get(f"/rate/{english}").text
    assert "Thank you for your rating!" in shop.client.post(f"/rate/{english}", data={"score": "4"}).text
    low, high = ratings(shop)
    assert (low.score, low.comment, low.channel, high.score, high.follow_up_ticket_id) == (
        2, "Za długo czekałam", Channel.EMAIL, 4, None)
    with shop.sessions() as session:
        assert session.get(Ticket, low.follow_up_ticket_id).reason == "low_csat"
    assert shop.client.get("/rate/not-a-token").status_code == 404


def test_never_asked_in_a_survey_call(shop, clock):
    with unit_of_work(shop.sessions) as session:
        order = delivered_order(session, clock() - timedelta(days=2))
        survey = Survey(order_number=order.number, customer_id=order.customer_id, phone="+48600100200", language="pl",
                        time_zone="Europe/Warsaw", state=SurveyState.CALLING)
        calls = []
        for _ in range(2):
            conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.VOICE, address="+48600100200",
                                        language="pl", state=ConversationState.BOT, pending_data={},
                                        created_at=clock(), last_activity_at=clock())
            session.add(conversation)
            calls.append(conversation)
        session.add(survey)
        session.flush()
        session.add(SurveyCall(survey_id=survey.id, attempt=1, call_sid="CA" + uuid.uuid4().hex,
                               conversation_id=calls[0].id, placed_at=clock()))
        session.flush()
        assert satisfaction(shop).ask(session, calls[0], clock()) is None
        assert satisfaction(shop).ask(session, calls[1], clock()) is not None  # the same number, another call
    with shop.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Rating)) == 1
