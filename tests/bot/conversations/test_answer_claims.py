"""Two gateways on one database answer each customer message once, on SQLite and PostgreSQL: a copy
sent to the other gateway while the first is answering gets no second answer, and a message whose
gateway died mid-turn is answered by another gateway once its hold runs out."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.conversations.core import InboundMessage, Receipt
from bot.models.conversation import Author, Channel, Message
from db.base import utcnow
from testing.fakes.engine import FakeEngine, served

CUSTOMER = "claims-customer"
LONGER_THAN_ANY_HOLD = timedelta(minutes=10)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with served(FakeEngine()) as fake:
        yield fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateways(make_gateway, database_url, engine, clock):
    return [make_gateway(database_url, engine=engine.address, clock=clock) for _ in range(2)]


def _core(gateway):
    return gateway.client.app.state.gateway.core


def _stored_and_never_answered(gateway, message_id: str) -> Receipt:
    """What a gateway that dies mid-turn leaves: the message stored (and held by it), no answer."""
    inbound = InboundMessage(channel=Channel.API, text="where is my order?", address=CUSTOMER,
                             external_id=message_id, language="en")
    return gateway.client.portal.call(_core(gateway).accept, inbound)


def _answers(gateway, conversation_id: str) -> list[str]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Message.text).where(Message.conversation_id == conversation_id,
                                                               Message.author != Author.CUSTOMER)))


def test_a_copy_sent_to_another_gateway_while_the_first_answers_gets_no_second_answer(gateways, engine, clock):
    first, second = gateways
    receipt = _stored_and_never_answered(first, "claims-copy-1")

    copy = second.post_message("where is my order?", sender=CUSTOMER, message_id="claims-copy-1").json()
    assert copy["duplicate"] and copy["replies"] == [] and engine.received == []

    clock.now += LONGER_THAN_ANY_HOLD  # the first gateway never finished: the copy is answered now
    again = second.post_message("where is my order?", sender=CUSTOMER, message_id="claims-copy-1").json()
    assert [reply["text"] for reply in again["replies"]] == ["Hello from the fake engine."]
    late = first.post_message("where is my order?", sender=CUSTOMER, message_id="claims-copy-1").json()
    assert late["replies"] == [] and len(engine.received) == 1
    assert _answers(first, receipt.conversation_id) == ["Hello from the fake engine."]


def test_a_message_left_by_a_gateway_that_died_is_answered_once_by_another(gateways, engine, clock):
    dead, alive = gateways
    receipt = _stored_and_never_answered(dead, "claims-left-1")

    assert alive.client.portal.call(_core(alive).answer_unanswered) == 0  # still held: maybe being answered
    clock.now += LONGER_THAN_ANY_HOLD
    assert alive.client.portal.call(_core(alive).answer_unanswered) == 1
    assert alive.client.portal.call(_core(alive).answer_unanswered) == 0
    assert dead.client.portal.call(_core(dead).answer_unanswered) == 0
    assert len(engine.received) == 1 and engine.received[0].message == "where is my order?"
    assert _answers(alive, receipt.conversation_id) == ["Hello from the fake engine."]
