"""One customer's history with the demo shop, made through the gateway (engine down): Anna Nowak
texts twice and writes through the API, an agent confirms her orders and notes something on her
ticket, and she has a survey call, an opt-out, a complaint, a labelled message and a verification
attempt. Piotr writes too: his data must survive her erasure. Also a scan of every column of
every table for what must not remain."""

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, MetaData, select

from bot.conversations.identity import confirm_identity
from bot.handoff.agents import create_agent
from bot.models.conversation import Author, CallStream, Channel, Conversation, Message
from bot.models.feedback import ContactOptOut, Rating
from bot.models.handoff import AgentRole, Ticket
from bot.models.notices import DelayCause, DelayNotice, NoticeState
from bot.models.review import AuditEntry, ReviewAction, ReviewDecision
from bot.models.survey import CallStatusEvent, Survey, SurveyCall, SurveyOptOut, SurveyState
from contracts.survey_result import SurveyOutcome
from db.base import utcnow
from db.sessions import unit_of_work
from shop.models import CachedPlatformOrder, ComplaintCase, Order
from shop.policy import ShopPolicy
from shop.seed import seed_demo_shop
from shop.verification_guard import VerificationAttempt
from tests.bot.console.console_client import ConsoleBrowser

ANNA_EMAIL = "anna.nowak@example.pl"
ANNA_PHONE = "+48601234567"
PIOTR_EMAIL = "piotr.wisniewski@example.pl"
PIOTR_PHONE = "+48512345678"
ANNA_SMS = ["Dzień dobry, tu Anna Nowak, gdzie jest moja paczka?", "Jestem w domu przy Lipowej do osiemnastej"]
ANNA_API = "I would like to return the Tatra boots please"
NOTE = "Klientka prosi o telefon po siedemnastej"
SURVEY_REASON = "Kurier zostawił paczkę u sąsiadki Krystyny"
COMPLAINT = "Buty Sprint przemakają po tygodniu"
RATING_COMMENT = "Konsultantka Basia nie oddzwoniła"
PIOTR_SMS = "Czy słuchawki Echo już wysłane?"
# What must be gone from every table once Anna is erased.
ANNA_TRACES = [ANNA_EMAIL, ANNA_PHONE, ANNA_PHONE.removeprefix("+48"), "Anna Nowak", "Lipow", *ANNA_SMS, ANNA_API,
               NOTE, SURVEY_REASON, COMPLAINT, RATING_COMMENT]


@dataclass
class Story:
    anna_conversations: list[str]
    piotr_conversation: str
    anna_ticket: int
    sms_message_ids: list[int]


def sms_webhook(sid: str, body: str, sender: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
            "To": "+48221002030", "Body": body, "NumMedia": "0"}


def anna_and_piotr(gateway, policy: ShopPolicy) -> Story:
    with unit_of_work(gateway.sessions) as session:
        seed_demo_shop(session, policy, utcnow(), filler_orders=3)
    for number, text in enumerate(ANNA_SMS, 1):
        gateway.twilio_webhook(sms_webhook(f"SM{number:032d}", text, ANNA_PHONE))
        gateway.twilio.wait_for_messages(ANNA_PHONE, number)  # the engine is down: an apology each
    gateway.twilio_webhook(sms_webhook("SM" + "9" * 32, PIOTR_SMS, PIOTR_PHONE))
    gateway.twilio.wait_for_messages(PIOTR_PHONE, 1)
    api = gateway.post_message(ANNA_API, sender="shop-app-7781")
    assert api.status_code == 200, api.text
    gateway.add_agent("ola", ["pl", "en"])
    with unit_of_work(gateway.sessions) as session:
        sms, piotr = (session.scalar(select(Conversation).where(Conversation.address == phone))
                      for phone in (ANNA_PHONE, PIOTR_PHONE))
        api_conversation = session.get(Conversation, api.json()["conversation_id"])
        for conversation, order in ((api_conversation, "36620"), (sms, "48213")):
            conversation.verified_order = order  # as the engine reports a verified order...
            confirm_identity(session, conversation)  # ...and an agent confirms it is hers
        ticket = session.scalar(select(Ticket).where(Ticket.conversation_id == sms.id))
        sms_messages = list(session.scalars(select(Message.id).where(Message.conversation_id == sms.id,
                                                                      Message.author == Author.CUSTOMER)))
        story = Story([sms.id, api_conversation.id], piotr.id, ticket.id, sms_messages)
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", "agent-password")
    assert ola.post(f"/console/api/tickets/{story.anna_ticket}/notes", json={"text": NOTE}).status_code == 200
    _records_beyond_the_chat(gateway, story)
    return story


def _records_beyond_the_chat(gateway, story: Story) -> None:
    now = utcnow()
    with unit_of_work(gateway.sessions) as session:
        delivered = session.scalar(select(Order).where(Order.number == "36620"))
        survey = Survey(order_number=delivered.number, customer_id=delivered.customer_id, phone=ANNA_PHONE, language="pl",
                        time_zone="Europe/Warsaw", state=SurveyState.FINISHED, outcome=SurveyOutcome.COMPLETED,
                        attempts=1, score=4, reason=SURVEY_REASON, answered_via="voice", created_at=now,
                        finished_at=now)
        session.add(survey)
        session.flush()
        session.add_all([
            SurveyCall(survey_id=survey.id, attempt=1, call_sid="CA" + "7" * 32, status="completed",
                       placed_at=now - timedelta(minutes=5), ended_at=now, duration_seconds=80),
            CallStatusEvent(call_sid="CA" + "7" * 32, status="completed", received_at=now),
            SurveyOptOut(phone=ANNA_PHONE, customer_id=delivered.customer_id, source="call", created_at=now),
            CallStream(token_hash="f" * 64, call_sid="CA" + "8" * 32, caller=ANNA_PHONE, language="pl",
                       expires_at=now + timedelta(minutes=5)),
            ComplaintCase(code="RK-2026-0001", order_id=delivered.id, conversation_id=story.anna_conversations[1],
                          language="pl", description=COMPLAINT, created_at=now),
            VerificationAttempt(order_number="48213", conversation_id=story.anna_conversations[0],
                                client=f"phone:{ANNA_PHONE}", succeeded=True, attempted_at=now),
            Rating(conversation_id=story.anna_conversations[0], channel=Channel.SMS, language="pl",
                   address=ANNA_PHONE, asked_at=now, score=1, comment=RATING_COMMENT, answered_at=now),
            ContactOptOut(address=ANNA_PHONE, topic="notices", channel=Channel.SMS, created_at=now),
            DelayNotice(order_number=delivered.number, cause=DelayCause.NO_TRACKING, state=NoticeState.SENT,
                        channel=Channel.SMS, address=ANNA_PHONE, language="pl", found_at=now, sent_at=now,
                        text="Anna Nowak, Twoja paczka się spóźnia", conversation_id=story.anna_conversations[0]),
            # Copies a shop platform's adapter cached (its JSON names the customer as the platform does).
            CachedPlatformOrder(platform="woocommerce", number="1201", fetched_at=now, data=json.dumps(
                {"order": {"number": "1201", "billing": {"email": ANNA_EMAIL.upper(), "first_name": "Anna",
                                                          "last_name": "Nowak"}}})),
            CachedPlatformOrder(platform="woocommerce", number="1202", fetched_at=now, data=json.dumps(
                {"order": {"number": "1202", "billing": {"email": PIOTR_EMAIL, "phone": PIOTR_PHONE}}})),
        ])
        trainer = create_agent(session, "teo", "Teo", "agent-password", ["pl"], AgentRole.TRAINER)
        session.flush()
        example = f"[{ANNA_SMS[0]}]"
        session.add(ReviewDecision(message_id=story.sms_message_ids[0], action=ReviewAction.LABELLED,
                                   intent="order_status", example=example, entities=[{"entity": "name",
                                                                                      "value": "Anna Nowak"}],
                                   agent_id=trainer.id, decided_at=now))
        session.add(AuditEntry(agent_id=trainer.id, action="label", created_at=now, details={
            "message_ids": story.sms_message_ids[:1], "intent": "order_status", "example": example}))


def traces(engine: Engine, needles: list[str]) -> list[str]:
    """Every table.column (of every table in the database, whoever added it) holding a needle."""
    metadata = MetaData()
    metadata.reflect(bind=engine)
    found = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)).mappings():
                for column, value in row.items():
                    text = _as_text(value).casefold()
                    found += [f"{table.name}.{column}: {needle!r}" for needle in needles if needle.casefold() in text]
    return found


def _as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
