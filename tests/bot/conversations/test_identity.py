"""Recognising a returning customer on the demo shop: by phone number and by a verified order."""

import uuid

import pytest
from sqlalchemy import func, select

from bot.conversations.identity import contact_for_phone, link_verified_order
from bot.conversations.models import Channel, Contact, Conversation, ConversationState
from bot.persistence.database import unit_of_work
from bot.shop.models import Customer
from tests.conftest import FIXED_NOW

ANNA = "anna.nowak@example.pl"
ANNAS_ORDER = "48213"
SMS_NUMBER = "+48600111222"


@pytest.fixture
def sessions(shop):
    return shop._sessions


def start(session, channel: Channel = Channel.WEB, phone: str | None = None) -> Conversation:
    conversation = Conversation(id=str(uuid.uuid4()), channel=channel, address=phone, language="pl",
                                state=ConversationState.BOT, pending_data={}, created_at=FIXED_NOW,
                                last_activity_at=FIXED_NOW)
    if phone:
        conversation.contact = contact_for_phone(session, phone)
    session.add(conversation)
    session.flush()
    return conversation


def contacts(session) -> int:
    return session.scalar(select(func.count()).select_from(Contact))


def test_the_same_phone_is_the_same_contact(sessions):
    with unit_of_work(sessions) as session:
        first = start(session, Channel.SMS, SMS_NUMBER).contact_id
    with unit_of_work(sessions) as session:
        assert start(session, Channel.WHATSAPP, SMS_NUMBER).contact_id == first
        assert start(session, Channel.SMS, "+48600999888").contact_id != first
        assert contacts(session) == 2


def test_a_verified_order_links_the_customer(sessions):
    with unit_of_work(sessions) as session:
        conversation = start(session)
        contact = link_verified_order(session, conversation, ANNAS_ORDER)
        conversation_id = conversation.id
    with sessions() as session:
        contact = session.get(Conversation, conversation_id).contact
        anna = session.scalar(select(Customer).where(Customer.email == ANNA))
        assert contact.email == ANNA and contact.shop_customer_id == anna.id
        assert contact.display_name == "Anna Nowak"


def test_a_phone_contact_becomes_the_verified_customer(sessions):
    with unit_of_work(sessions) as session:
        conversation = start(session, Channel.SMS, SMS_NUMBER)
        phone_contact = conversation.contact_id
        assert link_verified_order(session, conversation, ANNAS_ORDER).id == phone_contact
    with sessions() as session:
        contact = session.get(Contact, phone_contact)
        assert (contact.phone, contact.email) == (SMS_NUMBER, ANNA)
        assert contacts(session) == 1


def test_sms_and_web_chat_of_one_customer_merge_into_one_contact(sessions):
    with unit_of_work(sessions) as session:  # first an SMS, nothing verified yet
        sms_id = start(session, Channel.SMS, SMS_NUMBER).id
    with unit_of_work(sessions) as session:  # then a web chat with a verified order
        web = start(session)
        link_verified_order(session, web, ANNAS_ORDER)
        web_id, email_contact = web.id, web.contact_id
    with unit_of_work(sessions) as session:  # the SMS conversation verifies the same order
        link_verified_order(session, session.get(Conversation, sms_id), ANNAS_ORDER)
    with sessions() as session:
        sms, web = session.get(Conversation, sms_id), session.get(Conversation, web_id)
        assert sms.contact_id == web.contact_id == email_contact
        assert (web.contact.phone, web.contact.email) == (SMS_NUMBER, ANNA)
        assert contacts(session) == 1  # the phone-only contact is gone
        assert contact_for_phone(session, SMS_NUMBER).id == email_contact  # the next SMS finds her


def test_an_unknown_order_links_nothing(sessions):
    with unit_of_work(sessions) as session:
        web = start(session)
        sms = start(session, Channel.SMS, SMS_NUMBER)
        assert link_verified_order(session, web, "99999") is None
        assert link_verified_order(session, sms, "99999") is None
        assert web.contact is None
        assert sms.contact.email is None and sms.contact.shop_customer_id is None
        assert contacts(session) == 1
