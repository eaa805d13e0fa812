"""Leaving a message or asking for a call-back, when nobody can answer live: the gateway's own
small dialogue, in both languages, ending in a ticket with the contact details."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.conversations.replies import CALLBACK, LEAVE_MESSAGE
from bot.models.handoff import Ticket, TicketKind
from contracts.handoff import HandoffSignal
from testing.fakes.engine import FakeEngine, ReceivedTurn, served
from tests.bot.channels.chat_client import ChatSocket
from tests.bot.conftest import CLOSED


def _tickets(gateway) -> list[Ticket]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_web_visitor_leaves_a_message_and_is_asked_how_to_reach_them(gateway):
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("en")
        chat.say("Leave a message", payload=LEAVE_MESSAGE)
        assert "Write your message" in chat.reply_texts()
        chat.say("The zip of my new jacket broke after two days.")
        assert "How can we reach you" in chat.reply_texts()
        chat.say("no idea")
        assert "doesn't look like an e-mail" in chat.reply_texts()
        chat.say("you can write to jan.kowalski@example.com please")
        done = chat.reply_texts()
    assert "ticket no." in done and "by " in done
    [ticket] = _tickets(gateway)
    assert ticket.kind == TicketKind.MESSAGE and ticket.language == "en"
    assert ticket.summary == "The zip of my new jacket broke after two days."
    assert ticket.contact_details == "jan.kowalski@example.com"


def hand_off(turn: ReceivedTurn) -> list[dict]:
    return [{"recipient_id": turn.sender, "custom": HandoffSignal("customer_request", "pl").to_message()}]


@pytest.fixture
def handing_off_engine() -> Iterator[FakeEngine]:
    with served(FakeEngine(answer=hand_off)) as engine:
        yield engine


def test_polish_call_back_request_asks_for_the_number(make_gateway, database_url, handing_off_engine):
    gateway = make_gateway(database_url, engine=handing_off_engine.address, handoff_config=CLOSED)
    with gateway.client.websocket_connect("/chat/ws") as socket:
        chat = ChatSocket(socket)
        chat.hello("pl")
        chat.say("Chcę rozmawiać z konsultantem")
        [offer] = chat.replies_until_idle()  # nobody works now: a message or a call-back
        assert CALLBACK in [button["payload"] for button in offer["buttons"]]
        chat.say("Poproś o telefon", payload=CALLBACK)
        assert "Pod jaki numer" in chat.reply_texts()
        chat.say("jan@example.pl")  # an e-mail is no number to call
        assert "Spróbuj jeszcze raz" in chat.reply_texts()
        chat.say("600 100 200")
        done = chat.reply_texts()
    assert "oddzwonimy pod numer 600100200" in done
    [ticket] = _tickets(gateway)
    assert ticket.kind == TicketKind.CALLBACK and ticket.contact_details == "600100200"
