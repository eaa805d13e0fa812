"""Recognising a returning customer on the demo shop: by phone number and by a verified order."""

import uuid

import pytest
from sqlalchemy import func, select

from bot.conversations.identity import confirm_identity, contact_for_phone, identity_confirmed, link_verified_order
from bot.models.conversation import Channel, Contact, Conversation, ConversationState
from db.sessions import unit_of_work
from shop.models import Customer
from shop.verification_guard import GuardRules, VerificationGuard
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


def verify(session, conversation: Conversation, order_number: str = ANNAS_ORDER, misses: int = 0,
           client: str | None = None) -> Contact | None:
    """What a verification leaves behind: the action server's guard records (`misses` wrong pairs,
    then the right one), then the gateway's link when the engine reports the verified order."""
    guard = VerificationGuard(session, GuardRules(), FIXED_NOW)
    for _ in range(misses):
        guard.record_failure(order_number, conversation.id, client)
    guard.record_success(order_number, conversation.id, client)
    conversation.verified_order = order_number
    return link_verified_order(session, conversation, order_number)


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
        contact = verify(session, conversation)
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
        assert verify(session, conversation).id == phone_contact
    with sessions() as session:
        contact = session.get(Contact, phone_contact)
        assert (contact.phone, contact.email) == (SMS_NUMBER, ANNA)
        assert contacts(session) == 1


def test_sms_and_web_chat_of_one_customer_merge_into_one_contact(sessions):
    with unit_of_work(sessions) as session:  # first an SMS, nothing verified yet
        sms_id = start(session, Channel.SMS, SMS_NUMBER).id
    with unit_of_work(sessions) as session:  # then a web chat with a verified order
        web = start(session)
        verify(session, web)
        web_id, email_contact = web.id, web.contact_id
    with unit_of_work(sessions) as session:  # the SMS conversation verifies the same order
        verify(session, session.get(Conversation, sms_id))
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
        assert verify(session, web, "99999") is None
        assert verify(session, sms, "99999") is None
        assert web.contact is None
        assert sms.contact.email is None and sms.contact.shop_customer_id is None
        assert contacts(session) == 1


def test_a_phone_that_verified_after_a_miss_is_not_merged(sessions):
    with unit_of_work(sessions) as session:  # Anna's own contact, from a clean web chat
        anna = verify(session, start(session)).id
    with unit_of_work(sessions) as session:  # someone else's phone guesses, then gets it right
        guesser = start(session, Channel.SMS, SMS_NUMBER)
        assert verify(session, guesser, misses=1) is None
        guesser_id, phone_contact = guesser.id, guesser.contact_id
    with sessions() as session:
        guesser = session.get(Conversation, guesser_id)
        assert guesser.contact_id == phone_contact != anna
        assert (guesser.contact.email, guesser.contact.shop_customer_id) == (None, None)
        assert session.get(Contact, anna).phone is None  # the guesser's number is not Anna's
        assert guesser.verified_order == ANNAS_ORDER and not identity_confirmed(session, guesser)


def test_a_client_that_missed_in_another_chat_is_not_merged(sessions):
    client = f"phone:{SMS_NUMBER}"
    with unit_of_work(sessions) as session:
        VerificationGuard(session, GuardRules(), FIXED_NOW).record_failure(ANNAS_ORDER, "an-earlier-chat", client)
        fresh_chat = start(session, Channel.SMS, SMS_NUMBER)
        assert verify(session, fresh_chat, client=client) is None
        assert fresh_chat.contact.email is None and not identity_confirmed(session, fresh_chat)


def test_a_clean_verification_still_merges(sessions):
    with unit_of_work(sessions) as session:
        anna = verify(session, start(session)).id
    with unit_of_work(sessions) as session:
        sms = start(session, Channel.SMS, SMS_NUMBER)
        assert verify(session, sms, client=f"phone:{SMS_NUMBER}").id == anna
        assert identity_confirmed(session, sms)
    with sessions() as session:
        assert session.get(Contact, anna).phone == SMS_NUMBER and contacts(session) == 1


def test_an_agents_confirmation_merges(sessions):
    with unit_of_work(sessions) as session:
        anna = verify(session, start(session)).id
        sms = start(session, Channel.SMS, SMS_NUMBER)
        verify(session, sms, misses=2)
        sms_id = sms.id
    with unit_of_work(sessions) as session:  # the agent talked to her and is satisfied
        assert confirm_identity(session, session.get(Conversation, sms_id)).id == anna
    with sessions() as session:
        sms = session.get(Conversation, sms_id)
        assert sms.contact_id == anna and identity_confirmed(session, sms)
        assert session.get(Contact, anna).phone == SMS_NUMBER and contacts(session) == 1


def test_a_phone_already_known_as_another_customer_stays_theirs(sessions):
    with unit_of_work(sessions) as session:  # Piotr's phone, proven with his own order
        piotr = verify(session, start(session, Channel.SMS, SMS_NUMBER), "51734").id
    with unit_of_work(sessions) as session:  # the same phone checks Anna's order (they are family)
        sms = start(session, Channel.SMS, SMS_NUMBER)
        anna = verify(session, sms).id
        sms_id = sms.id
    with sessions() as session:
        assert anna != piotr and session.get(Conversation, sms_id).contact_id == anna
        piotrs = session.get(Contact, piotr)
        assert (piotrs.phone, piotrs.email) == (SMS_NUMBER, "piotr.wisniewski@example.pl")
        assert session.get(Contact, anna).phone is None and len(piotrs.conversations) == 1
