"""Web chat end to end through the real trained engine and action server: an order status with
verification, a handoff into the queue, and a handoff outside working hours."""

import re

from sqlalchemy import select

from bot.models.conversation import Author, Conversation, Message
from bot.models.handoff import Ticket, TicketKind
from tests.bot.channels.chat_client import ChatSocket
from tests.bot.conftest import CLOSED


def test_order_status_after_verification_links_the_customer(live_gateway):
    with live_gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("pl")
        ack = chat.say("gdzie jest moja paczka")
        assert "numer" in chat.reply_texts().lower()
        chat.say("48213")
        chat.reply_texts()
        chat.say("anna.nowak@example.pl")
        status = chat.reply_texts()
    assert "48213" in status and "InPost" in status
    with live_gateway.sessions() as session:
        conversation = session.get(Conversation, ack["conversation_id"])
        assert conversation.verified_order == "48213" and conversation.contact.email == "anna.nowak@example.pl"
        first = session.get(Message, ack["message_id"])
        assert first.intent == "order_status" and first.confidence > 0.5 and first.language == "pl"


def test_asking_for_a_person_joins_the_queue_with_place_and_wait(live_gateway):
    live_gateway.add_agent("kasia-live", ["pl", "en"])
    with live_gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        welcome = chat.hello("en")
        assert welcome["availability"]["live"] is True
        ack = chat.say("I want to talk to a human")
        replies = chat.reply_texts()
        assert "passing you to one of our team" in replies
        assert re.search(r"You're \d+(st|nd|rd|th) in the queue, and the expected wait is about \d+ minutes?\.", replies)
        assert chat.latest("queue")["position"] >= 1
        chat.say("what are your opening hours?")  # still answered by the assistant while waiting
        assert chat.reply_texts()
    with live_gateway.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == ack["conversation_id"]))
        assert ticket.kind == TicketKind.LIVE and ticket.reason == "customer_request" and ticket.language == "en"


def test_outside_working_hours_the_bot_offers_a_message_or_a_call_back(make_gateway, stack):
    gateway = make_gateway(stack.database_url, engine=stack.engine, handoff_config=CLOSED)
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        assert chat.hello("pl")["availability"]["live"] is False
        ack = chat.say("chcę rozmawiać z konsultantem")
        replies = chat.replies_until_idle()
        text = "\n".join(m["text"] for m in replies)
        assert "nie może teraz odpisać na żywo" in text and "Przekazuję rozmowę konsultantowi" not in text
        offer = replies[-1]
        assert [b["payload"] for b in offer["buttons"]] == ["!leave_message", "!callback"]
        chat.say(offer["buttons"][1]["title"], payload=offer["buttons"][1]["payload"])
        assert "numer" in chat.reply_texts()
        chat.say("+48 600 700 800")
        assert "oddzwonimy" in chat.reply_texts()
    with gateway.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == ack["conversation_id"]))
        assert ticket.kind == TicketKind.CALLBACK and ticket.contact_details == "+48600700800"
        authors = session.scalars(select(Message.author).where(Message.conversation_id == ack["conversation_id"])).all()
        assert authors.count(Author.CUSTOMER) == 3
