"""Agents act for the customer from the ticket page: a return after the window, a refund or goodwill credit
up to the limit, an invoice sent again, a new address after dispatch. Each goes through the shop, is in
the audit log with its reason, and is confirmed to the customer on their channel, in their language."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel
from bot.models.handoff import PRIORITY_RANK, AgentRole, Ticket, TicketKind
from bot.models.privacy import AuditLogEntry
from db.sessions import unit_of_work
from shop.models import Invoice, Order, Refund
from testing.waiting import wait_until
from tests.bot.channels.test_twilio_messaging import _sms
from tests.bot.console.console_client import ConsoleBrowser
from tests.bot.conversations.test_identity import start, verify
from tests.conftest import FIXED_NOW

PASSWORD = "console-password"
KASIA = "+48698765432"  # Polish: 27145 delivered over a month ago, 72951 paid and not shipped
JOHN = "+4915112345678"  # English: 12874 on its way to Berlin (EUR)
ANNAS_ORDER = "48213"


def open_ticket(session, phone: str, order: str, language: str) -> int:
    """A customer texting from their number, who verified `order`, waiting for a person."""
    conversation = start(session, Channel.SMS, phone)
    conversation.language = language
    verify(session, conversation, order)
    ticket = Ticket(conversation_id=conversation.id, kind=TicketKind.LIVE, reason="other", priority="normal",
                    priority_rank=PRIORITY_RANK["normal"], language=language, channel=Channel.SMS,
                    order_number=order, order_verified=True, created_at=FIXED_NOW)
    session.add(ticket)
    session.flush()
    return ticket.id


class Clock:
    """The gateway's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):
        return self.now


@pytest.fixture
def desk(shop, make_gateway, database_url):
    clock = Clock()
    gateway = make_gateway(database_url, clock=clock)
    gateway.clock = clock
    with unit_of_work(gateway.sessions) as session:
        for username, languages, role in (("ola", ["pl"], AgentRole.AGENT), ("ewa", ["pl"], AgentRole.AGENT),
                                          ("tom", ["en"], AgentRole.AGENT), ("tess", ["pl"], AgentRole.TRAINER)):
            create_agent(session, username, username.title(), PASSWORD, languages, role)
        tickets = {"pl": open_ticket(session, KASIA, "27145", "pl"), "en": open_ticket(session, JOHN, "12874", "en")}
    return gateway, tickets


def act(browser, ticket: int, kind: str, order: str, key: str | None = None, reason: str = "Klientka czekała za długo",
        **fields):
    body = {"kind": kind, "order_number": order, "reason": reason, "key": key or uuid.uuid4().hex, **fields}
    return browser.post(f"/console/api/tickets/{ticket}/actions", json=body)


def test_agents_act_for_customers_who_hear_of_it_on_their_channel_in_their_language(desk):
    """One gateway for both languages: starting one costs more than the checks."""
    gateway, tickets = desk
    a_polish_customer_is_told_by_sms_of_each_action_and_each_is_logged(gateway, tickets["pl"])
    an_english_customer_hears_of_a_new_address_and_a_credit_in_english(gateway, tickets["en"])
    the_customer_writing_again_waits_first_for_the_agent_who_served_them(gateway, tickets["pl"])


def a_polish_customer_is_told_by_sms_of_each_action_and_each_is_logged(gateway, ticket: int) -> None:
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", PASSWORD)
    assert act(ola, ticket, "goodwill", "27145", amount="10").status_code == 409  # not claimed yet
    assert ola.post(f"/console/api/tickets/{ticket}/claim").status_code == 200
    gateway.twilio.wait_for_messages(KASIA, 1)  # "Ola joined"

    late = act(ola, ticket, "late_return", "27145", key="click-late-return")
    assert late.status_code == 200, late.text
    code = late.json()["action"]["code"]
    assert code.startswith("ZW-27145-")
    sms = gateway.twilio.wait_for_messages(KASIA, 2)[-1]
    assert "Przyjmujemy zwrot zamówienia 27145" in sms and code in sms

    # A double click: the same key again does nothing again.
    again = act(ola, ticket, "late_return", "27145", key="click-late-return")
    assert again.status_code == 200 and again.json()["repeated"] is True and again.json()["message"] is None

    refund = act(ola, ticket, "refund", "72951", key="click-refund", amount="100.00")
    assert refund.status_code == 200, refund.text
    assert act(ola, ticket, "refund", "72951", key="click-refund", amount="100.00").json()["repeated"] is True
    sms = gateway.twilio.wait_for_messages(KASIA, 3)[-1]
    assert "Zleciliśmy zwrot 100,00" in sms and "zł za zamówienie 72951" in sms

    over = act(ola, ticket, "goodwill", "27145", amount="600")
    assert over.status_code == 403 and "over the agents' limit of 500.00 PLN" in over.json()["detail"]

    invoice = act(ola, ticket, "resend_invoice", "27145", reason="Nie dostała faktury")
    assert invoice.status_code == 200, invoice.text
    sms = gateway.twilio.wait_for_messages(KASIA, 4)[-1]
    assert sms.startswith("Wysłaliśmy ponownie fakturę FV/") and "na adres k.zielinska@example.pl" in sms

    # Refused: no reason, another customer's order, an agent not holding the ticket, a trainer.
    assert act(ola, ticket, "goodwill", "27145", reason=" ", amount="5").status_code == 422
    assert act(ola, ticket, "goodwill", ANNAS_ORDER, amount="5").status_code == 403
    assert act(ConsoleBrowser.logged_in(gateway.client, "ewa", PASSWORD), ticket, "goodwill", "27145",
               amount="5").status_code == 409
    assert act(ConsoleBrowser.logged_in(gateway.client, "tess", PASSWORD), ticket, "goodwill", "27145",
               amount="5").status_code == 403

    with gateway.sessions() as session:
        log = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)).all()
        assert [(entry.actor, entry.action) for entry in log] == [
            ("agent:ola", "agent_late_return"), ("agent:ola", "agent_refund"), ("agent:ola", "agent_resend_invoice")]
        assert log[1].details["reason"] == "Klientka czekała za długo" and log[1].details["amount"] == "100.00"
        assert "k.zielinska@example.pl" not in str(log[2].details)  # the log keeps no personal data
        refunds = session.scalars(select(Refund).join(Order).where(Order.number == "72951")).all()
        assert [(str(r.amount), r.method) for r in refunds] == [("100.00", "blik")]  # once, however many clicks
        assert session.scalar(select(Invoice.resent_at).join(Order).where(Order.number == "27145")) == FIXED_NOW
    assert len(gateway.twilio.messages_to(KASIA)) == 4  # nothing for the repeated or refused clicks


def an_english_customer_hears_of_a_new_address_and_a_credit_in_english(gateway, ticket: int) -> None:
    tom = ConsoleBrowser.logged_in(gateway.client, "tom", PASSWORD)
    assert tom.post(f"/console/api/tickets/{ticket}/claim").status_code == 200
    gateway.twilio.wait_for_messages(JOHN, 1)

    address = {"street": "Torstraße 1", "postcode": "10119", "city": "Berlin"}
    moved = act(tom, ticket, "new_address", "12874", reason="Moved office", address=address)
    assert moved.status_code == 200, moved.text
    sms = gateway.twilio.wait_for_messages(JOHN, 2)[-1]
    assert sms == "We've changed the delivery address of order 12874 to: Torstraße 1, 10119 Berlin."

    over = act(tom, ticket, "goodwill", "12874", reason="Late parcel", amount="150")
    assert over.status_code == 403 and "limit of 120.00 EUR" in over.json()["detail"]
    credit = act(tom, ticket, "goodwill", "12874", reason="Late parcel", amount="20")
    assert credit.status_code == 200, credit.text
    sms = gateway.twilio.wait_for_messages(JOHN, 3)[-1]
    assert "we've added €20.00 to your shop account" in sms
    assert act(tom, ticket, "refund", "12874", reason="x").status_code == 422  # no amount, no reason

    with gateway.sessions() as session:
        order = session.scalar(select(Order).where(Order.number == "12874"))
        assert (order.delivery_street, order.delivery_postcode) == ("Torstraße 1", "10119")
        assert [(str(r.amount), r.method) for r in order.refunds] == [("20.00", "store_credit")]
        english = select(AuditLogEntry).where(AuditLogEntry.actor == "agent:tom").order_by(AuditLogEntry.id)
        assert [entry.details["reason"] for entry in session.scalars(english)] == ["Moved office", "Late parcel"]


def the_customer_writing_again_waits_first_for_the_agent_who_served_them(gateway, served: int) -> None:
    ola, ewa = (ConsoleBrowser.logged_in(gateway.client, name, PASSWORD) for name in ("ola", "ewa"))
    assert ola.post(f"/console/api/tickets/{served}/resolve").status_code == 200
    for agent in (ola, ewa):
        assert agent.post("/console/status", data={"status": "available"}).status_code == 303
    # Kasia texts again; the engine is down here, so her message waits for a person.
    assert gateway.twilio_webhook(_sms("SM" + "b" * 32, "Jeszcze jedno pytanie", KASIA)).status_code == 200

    [waiting] = wait_until(lambda: ola.get("/console/api/queue").json()["tickets"], what="Kasia's new ticket")
    assert waiting["summary"] == "Jeszcze jedno pytanie" and waiting["for_you"] is True
    others = ewa.get("/console/api/queue").json()
    assert others["tickets"] == [] and others["refresh_in_seconds"] == 120
    assert ewa.post(f"/console/api/tickets/{waiting['id']}/claim").status_code == 409

    gateway.clock.now += timedelta(seconds=120)  # nobody took it in time: everyone sees it
    assert [t["id"] for t in ewa.get("/console/api/queue").json()["tickets"]] == [waiting["id"]]
    assert ewa.post(f"/console/api/tickets/{waiting['id']}/claim").status_code == 200
