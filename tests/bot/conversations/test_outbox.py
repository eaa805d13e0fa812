"""Outbound SMS are never lost: the gateway keeps them in its outbox until Twilio (a local fake
speaking its wire format and its error JSON) accepts them, retries an outage, gives up at once on
a number Twilio refuses for good and shows that to agents, survives a restart, and shares the work
with another gateway on one PostgreSQL database without sending anything twice."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.conversations import outbox
from bot.conversations.replies import SystemReplies
from bot.models.conversation import Author, Channel, Conversation, ConversationState
from bot.models.outbox import DeliveryStatus, OutboxMessage
from bot.persistence.migrate import upgrade
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from testing.clock import ManualClock
from testing.waiting import wait_until
from tests.bot.channels.test_twilio_messaging import _sms
from tests.bot.console.console_client import ConsoleBrowser

PHONE = "+48600100300"
QUICK_POLL = {"KOLIBER_OUTBOX_POLL_SECONDS": "0.02"}


def _deliveries(gateway) -> list[OutboxMessage]:
    with gateway.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.message_id)))


def _latest_delivery(gateway, status: DeliveryStatus, attempts: int) -> OutboxMessage:
    def reached() -> OutboxMessage | None:
        latest = _deliveries(gateway)[-1:]
        return latest[0] if latest and (latest[0].status, latest[0].attempts) == (status, attempts) else None
    return wait_until(reached, what=f"the latest message to be {status.value} after {attempts} attempts")


def _agent_view(agent: ConsoleBrowser) -> tuple[dict, dict]:
    """The agent's ticket in the queue and the ticket's latest message, as the console shows them."""
    queue = agent.get("/console/api/queue").json()
    [ticket] = queue["tickets"] + queue["mine"]
    details = agent.get(f"/console/api/tickets/{ticket['id']}").json()
    return ticket, details["messages"][-1]


def test_a_reply_twilio_refuses_in_an_outage_is_retried_and_reaches_the_customer_once(database_url, make_gateway):
    clock = ManualClock(utcnow())
    gateway = make_gateway(database_url, clock=clock, **QUICK_POLL)
    gateway.add_agent("ola", ["pl"])
    gateway.twilio.fail_next(2, 503, 20503, "Service Unavailable")
    gateway.twilio_webhook(_sms("SM" + "1" * 32, "Gdzie jest moja paczka?", sender=PHONE))

    _latest_delivery(gateway, DeliveryStatus.PENDING, attempts=1)
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", "agent-password")
    ticket, reply = _agent_view(ola)
    assert ticket["delivery_problem"] == "retrying"
    assert reply["delivery"]["problem"] == "retrying" and reply["delivery"]["error"] == "Service Unavailable"
    assert gateway.twilio.messages_to(PHONE) == []

    clock.advance(minutes=1)  # the first retry falls due: Twilio is still down
    _latest_delivery(gateway, DeliveryStatus.PENDING, attempts=2)
    clock.advance(minutes=1)  # the second retry: Twilio is back
    delivered = _latest_delivery(gateway, DeliveryStatus.SENT, attempts=3)

    [text] = gateway.twilio.messages_to(PHONE)
    assert "Przepraszam" in text and text == reply["text"]
    assert delivered.provider_id == gateway.twilio.sent[0].sid
    assert [refused.body for refused, _ in gateway.twilio.refused] == [text, text]
    ticket, reply = _agent_view(ola)
    assert ticket["delivery_problem"] is None
    assert reply["delivery"]["status"] == "sent" and reply["delivery"]["problem"] is None


def test_a_reply_twilio_refuses_for_good_is_not_retried_and_the_agent_sees_why(gateway):
    gateway.add_agent("ola", ["pl"])
    gateway.twilio_webhook(_sms("SM" + "2" * 32, "Halo, potrzebuję pomocy", sender=PHONE))
    gateway.twilio.wait_for_messages(PHONE, 1)  # the apology: the engine is down here
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", "agent-password")
    [ticket] = ola.get("/console/api/queue").json()["tickets"]
    ola.post(f"/console/api/tickets/{ticket['id']}/claim")
    gateway.twilio.wait_for_messages(PHONE, 2)  # "Ola joined"

    gateway.twilio.fail_next(1, 400, 21610, "Attempt to send to unsubscribed recipient")
    sent = ola.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "Dzień dobry, tu Ola."})
    assert sent.status_code == 200

    ticket, reply = _agent_view(ola)
    assert reply["id"] == sent.json()["message"]["id"]
    assert {key: reply["delivery"][key] for key in ("status", "problem", "attempts", "error", "error_code")} == {
        "status": "failed", "problem": "failed", "attempts": 1,
        "error": "Attempt to send to unsubscribed recipient", "error_code": "21610"}
    assert ticket["delivery_problem"] == "failed"  # the queue's "unreachable" badge
    assert len(gateway.twilio.refused) == 1 and len(gateway.twilio.messages_to(PHONE)) == 2
    assert _deliveries(gateway)[-1].status == DeliveryStatus.FAILED  # final: nothing left to retry


def test_a_reply_left_in_the_outbox_is_sent_when_the_gateway_starts_again(database_url, make_gateway):
    first = make_gateway(database_url)
    first.twilio_webhook(_sms("SM" + "3" * 32, "Halo?", sender=PHONE))
    [apology] = first.twilio.wait_for_messages(PHONE, 1)
    first.twilio.fail_next(1, 503, 20503, "Service Unavailable")
    first.twilio_webhook(_sms("SM" + "4" * 32, "Jest tam ktoś?", sender=PHONE))
    _latest_delivery(first, DeliveryStatus.PENDING, attempts=1)
    first.client.__exit__(None, None, None)  # stopped with the reply still waiting for its retry

    second = make_gateway(database_url, clock=lambda: utcnow() + timedelta(minutes=5))  # the retry is due
    _latest_delivery(second, DeliveryStatus.SENT, attempts=2)
    texts = second.twilio.messages_to(PHONE)
    assert len(texts) == 2 and texts[0] == apology  # the one sent before the restart is not sent again
    assert [d.status for d in _deliveries(second)] == [DeliveryStatus.SENT, DeliveryStatus.SENT]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_gateways_on_one_postgresql_database_never_send_a_message_twice(database_url, make_gateway, twilio_cloud):
    upgrade(database_url)
    clock = ManualClock(utcnow())
    conversations = _waiting_messages(database_url, due=clock.now + timedelta(minutes=1), customers=20, each=2)
    twilio_cloud.latency = 0.02  # long enough for the two gateways' claims to overlap
    first = make_gateway(database_url, clock=clock, TWILIO_SMS_FROM="+48221002030", **QUICK_POLL)
    make_gateway(database_url, clock=clock, TWILIO_SMS_FROM="+48221002031", **QUICK_POLL)

    clock.advance(minutes=2)
    wait_until(lambda: all(d.status == DeliveryStatus.SENT for d in _deliveries(first)), what="every message sent")
    for phone, texts in conversations.items():
        assert twilio_cloud.messages_to(phone) == texts  # each once, in order
    assert len(twilio_cloud.sent) == 40
    assert {message.from_ for message in twilio_cloud.sent} == {"+48221002030", "+48221002031"}  # both worked


def _waiting_messages(database_url: str, due, customers: int, each: int) -> dict[str, list[str]]:
    """SMS replies stored and queued, due at `due`, each customer in a conversation of their own."""
    sessions = session_factory(make_engine(database_url))
    queued: dict[str, list[str]] = {}
    with unit_of_work(sessions) as session:
        for customer in range(customers):
            phone = f"+4860020{customer:04d}"
            conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.SMS, address=phone, language="pl",
                                        state=ConversationState.BOT, pending_data={}, created_at=due,
                                        last_activity_at=due)
            session.add(conversation)
            session.flush()
            queued[phone] = [f"Wiadomość {number} dla {phone}" for number in range(each)]
            for text in queued[phone]:
                outbox.enqueue(session, SystemReplies.outbound(session, conversation, Author.BOT, text, None, due), due)
    return queued
