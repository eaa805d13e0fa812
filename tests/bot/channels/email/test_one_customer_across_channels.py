"""One customer across channels, with the real assistant: someone who verified their order in a
chat and then writes from the address their mail server proves gets that order's status by
e-mail without giving its number again. In Polish and in English."""

import uuid

import pytest

from testing.waiting import wait_until
from tests.bot.channels.email.conftest import customer_email, mail_settings, text_of


@pytest.fixture
def gateway(make_gateway, stack, mailboxes):
    return make_gateway(stack.database_url, engine=stack.engine, **mail_settings(mailboxes.servers, mailboxes.shop))


@pytest.mark.parametrize(("language", "chat", "address", "subject", "question", "order", "carrier"), [
    ("pl", ["Gdzie jest moje zamówienie?", "48213", "00-950"], "anna.nowak@example.pl", "Paczka",
     "Dzień dobry, kiedy dotrze moja paczka?", "48213", "InPost"),
    ("en", ["Where is my order?", "12874", "10115"], "john.miller@example.com", "Parcel",
     "Hello, when will my parcel arrive?", "12874", "DHL"),
])
def test_an_order_verified_in_the_chat_is_known_by_email_from_the_proven_address(
        gateway, mailboxes, language, chat, address, subject, question, order, carrier):
    sender = f"chat-{uuid.uuid4().hex[:8]}"
    conversation = None
    for text in chat:
        reply = gateway.post_message(text, sender=sender, language=language,
                                     **({"conversation_id": conversation} if conversation else {})).json()
        conversation = reply["conversation_id"]
    assert carrier in " ".join(r["text"] for r in reply["replies"])  # verified in the chat

    sent = customer_email(address, subject, question, proven=True, to=mailboxes.shop)  # no order number in it
    mailboxes.send(sent)
    answer = wait_until(lambda: next((m for m in mailboxes.inbox(address) if m["In-Reply-To"] == sent["Message-ID"]),
                                     None), 60, "the answer by e-mail")
    assert order in text_of(answer) and carrier in text_of(answer), text_of(answer)
