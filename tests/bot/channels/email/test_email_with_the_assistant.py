"""Customers write to the real trained assistant by e-mail, in Polish and English: a sender whose
mail server proved the address needs only the order number; anyone else is asked for the second
factor, as in the chat, and answers in the same thread."""

import pytest
from sqlalchemy import func, select, update

from bot.models.conversation import Author, Channel, Message
from bot.models.handoff import OPEN_STATUSES, Ticket, TicketStatus
from bot.models.outbox import OutboxMessage
from db.base import utcnow
from db.sessions import unit_of_work
from testing.waiting import wait_until
from tests.bot.channels.email.conftest import customer_email, mail_settings, text_of

ANNA = "anna.nowak@example.pl"  # order 48213, InPost, delivery postcode 00-950
JOHN = "john.miller@example.com"  # order 12874, DHL, delivery postcode 10115


@pytest.fixture
def assistant_by_email(make_gateway, stack, mailboxes):
    gateway = make_gateway(stack.database_url, engine=stack.engine, **mail_settings(mailboxes.servers, mailboxes.shop))
    yield gateway
    # The engine's database is the whole session's: tickets left open here would wait in later tests' queues.
    with unit_of_work(gateway.sessions) as session:
        session.execute(update(Ticket).where(Ticket.channel == Channel.EMAIL, Ticket.status.in_(OPEN_STATUSES))
                        .values(status=TicketStatus.RESOLVED, closed_at=utcnow()))


def _answers_to(mailboxes, address: str, sent, count: int = 1):
    """The shop's answers in the thread of `sent` (the customer's address is shared between tests)."""
    def thread():
        found = [m for m in mailboxes.inbox(address) if sent["Message-ID"] in (m["References"] or "")]
        return found if len(found) >= count else None
    return wait_until(thread, 60, f"{count} answers to {sent['Message-ID']}")


@pytest.mark.parametrize(("sender", "subject", "text", "order", "carrier"), [
    (ANNA, "Zamówienie 48213", "Dzień dobry, gdzie jest moje zamówienie 48213?", "48213", "InPost"),
    (JOHN, "Order 12874", "Hello, where is my order 12874?", "12874", "DHL"),
])
def test_a_proven_sender_gets_the_order_status_without_being_asked_anything(assistant_by_email, mailboxes, sender,
                                                                           subject, text, order, carrier):
    sent = customer_email(sender, subject, text, proven=True, to=mailboxes.shop)
    mailboxes.send(sent)
    [answer] = _answers_to(mailboxes, sender, sent)
    body = text_of(answer)
    assert order in body and carrier in body, body
    assert answer["In-Reply-To"] == sent["Message-ID"]


@pytest.mark.parametrize(("sender", "subject", "text", "second_factor", "order", "carrier", "asked"), [
    (ANNA, "Paczka", "Gdzie jest moje zamówienie 48213?", "Kod pocztowy: 00-950", "48213", "InPost", "kod pocztowy"),
    (JOHN, "Parcel", "Where is my order 12874?", "The postcode is 10115", "12874", "DHL", "postcode"),
])
def test_an_unproven_sender_is_asked_for_the_second_factor_and_answers_in_the_thread(
        assistant_by_email, mailboxes, sender, subject, text, second_factor, order, carrier, asked):
    sent = customer_email(sender, subject, text, to=mailboxes.shop)  # no Authentication-Results: not proven
    mailboxes.send(sent)
    [question] = _answers_to(mailboxes, sender, sent)
    assert asked in text_of(question).lower() and carrier not in text_of(question)
    quoted = "\n".join(f"> {line}" for line in text_of(question).splitlines())
    attribution = "W dniu 6.12.2026 o 10:00 Sklep napisał(a):" if sender == ANNA else "On Sun, 6 Dec 2026 Shop wrote:"
    reply = customer_email(sender, f"Re: {subject}", f"{second_factor}\n\n{attribution}\n{quoted}\n",
                           replying_to=question, to=mailboxes.shop)
    mailboxes.send(reply)
    answers = _answers_to(mailboxes, sender, sent, 2)
    status = text_of(next(m for m in answers if m["In-Reply-To"] == reply["Message-ID"]))
    assert order in status and carrier in status, status


@pytest.mark.parametrize(("sender", "text", "answered", "unanswered"), [
    (ANNA, "Dzień dobry,\n\nGdzie jest moje zamówienie 48213?\n\nJaka będzie jutro pogoda w Krakowie?",
     ["48213", "InPost"], "Na pozostałe pytania nasz zespół odpowie"),
    (JOHN, "Hello,\n\nWhere is my order 12874?\n\nWhat will the weather be like in Krakow tomorrow?",
     ["12874", "DHL"], "Our team will answer your other questions"),
])
def test_an_email_asking_several_things_gets_one_answer_and_a_person_for_the_rest(
        assistant_by_email, mailboxes, sender, text, answered, unanswered):
    sent = customer_email(sender, "?", text, proven=True, to=mailboxes.shop)
    mailboxes.send(sent)
    [answer] = _answers_to(mailboxes, sender, sent)
    body = text_of(answer)
    assert all(part in body for part in answered) and unanswered in body, body
    with assistant_by_email.sessions() as session:
        conversation = session.scalar(select(Message.conversation_id).where(Message.external_id == sent["Message-ID"]))
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == conversation))
        # The parts' answers were joined before anything was stored: no second e-mail waits to be sent.
        stored = session.scalars(select(Message.text).where(Message.conversation_id == conversation,
                                                            Message.author != Author.CUSTOMER)).all()
        queued = session.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.conversation_id == conversation))
    assert ticket.reason == "unanswered_question" and "Krak" in ticket.summary
    assert len(stored) == 1 and queued == 1, stored
