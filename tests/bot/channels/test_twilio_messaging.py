"""SMS and WhatsApp over Twilio: signatures checked, retries not duplicated, replies sent through
Twilio's REST API (a local fake speaking its wire format)."""

from sqlalchemy import func, select

from bot.models.conversation import Author, Channel, Contact, Conversation, Message

PHONE = "+48600100200"


def _sms(sid: str, body: str, sender: str = PHONE) -> dict[str, str]:
    return {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
            "To": "+48221002030", "Body": body, "NumMedia": "0"}


def _customer_messages(gateway) -> list[Message]:
    with gateway.sessions() as session:
        return list(session.scalars(select(Message).where(Message.author == Author.CUSTOMER).order_by(Message.id)))


def test_unsigned_or_forged_webhooks_are_rejected_and_nothing_is_stored(gateway):
    assert gateway.twilio_webhook(_sms("SM1", "Hej"), signature="").status_code == 403
    assert gateway.twilio_webhook(_sms("SM1", "Hej"), signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    # A valid signature for other parameters does not cover a changed body.
    response = gateway.client.post("/twilio/messaging", content=b"From=%2B48600100200&Body=x",
                                   headers={"Content-Type": "application/json", "X-Twilio-Signature": "x"})
    assert response.status_code == 415
    assert gateway.twilio_webhook({"Body": "no sender"}).status_code == 400
    assert _customer_messages(gateway) == []


def test_a_retried_webhook_is_stored_and_answered_once(gateway):
    first = gateway.twilio_webhook(_sms("SM" + "a" * 32, "Gdzie jest moja paczka?"))
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/xml")
    assert "<Response" in first.text
    replies = gateway.twilio.wait_for_messages(PHONE, 1)
    retry = gateway.twilio_webhook(_sms("SM" + "a" * 32, "Gdzie jest moja paczka?"))
    assert retry.status_code == 200
    assert [m.text for m in _customer_messages(gateway)] == ["Gdzie jest moja paczka?"]
    # The engine is down here: the customer still gets a Polish apology by SMS, once.
    assert len(gateway.twilio.messages_to(PHONE)) == 1 and "Przepraszam" in replies[0]
    assert gateway.twilio.sent[0].from_ == gateway.settings.twilio_sms_from


def test_whatsapp_and_sms_from_one_number_are_one_customer(gateway):
    gateway.twilio_webhook(_sms("SM" + "b" * 32, "Hello, where is my refund?"))
    gateway.twilio_webhook(_sms("SM" + "c" * 32, "Hello again from WhatsApp", sender=f"whatsapp:{PHONE}"))
    gateway.twilio.wait_for_messages(f"whatsapp:{PHONE}", 1)
    # The SMS's reply may go out after the WhatsApp one: each is sent in the background.
    [whatsapp_reply] = [m for m in gateway.twilio.sent if m.to == f"whatsapp:{PHONE}"]
    assert whatsapp_reply.from_ == gateway.settings.twilio_whatsapp_from
    with gateway.sessions() as session:
        conversations = list(session.scalars(select(Conversation).order_by(Conversation.created_at)))
        assert [c.channel for c in conversations] == [Channel.SMS, Channel.WHATSAPP]
        assert conversations[0].contact_id == conversations[1].contact_id is not None
        assert session.scalar(select(func.count()).select_from(Contact)) == 1


def test_live_sms_conversation_answers_with_the_real_assistant(live_gateway):
    phone = "+48600999888"
    live_gateway.twilio_webhook(_sms("SM" + "d" * 32, "Gdzie jest moje zamówienie?", sender=phone))
    asked = live_gateway.twilio.wait_for_messages(phone, 1)
    assert "numer" in asked[0].lower()
    live_gateway.twilio_webhook(_sms("SM" + "e" * 32, "48213", sender=phone))
    live_gateway.twilio_webhook(_sms("SM" + "f" * 32, "anna.nowak@example.pl", sender=phone))
    status = "\n".join(live_gateway.twilio.wait_for_messages(phone, 3)[2:])
    assert "48213" in status and "InPost" in status
