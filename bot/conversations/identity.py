"""Recognises a returning customer across channels: by phone number, by an e-mail address its
mail server proved, and by a verified order.

Only verified orders link a conversation to a shop customer and their e-mail, so an agent
never sees orders on the strength of an unproven claim. A verification the guard cannot vouch
for (misses before it, or a suspect order or client) links nothing until an agent confirms it,
so a lucky guess never merges the guesser's phone into the customer's contact.
"""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models.conversation import Contact, Conversation
from bot.settings import get_settings
from db.base import utcnow
from shop.models import Customer, Order
from shop.verification_guard import GuardRules, VerificationGuard


def contact_for_phone(session: Session, phone: str) -> Contact:
    return _contact_with(session, phone=phone)


def contact_for_email(session: Session, email: str) -> Contact:
    """The contact of an address its mail server proved (DMARC): as sure as a verified order's."""
    return _contact_with(session, email=email)


def _contact_with(session: Session, **address: str) -> Contact:
    """The contact with this phone number or e-mail address, made when there is none."""
    contact = session.scalar(select(Contact).filter_by(**address))
    if contact is None:
        contact = Contact(**address)
        session.add(contact)
        session.flush()
    return contact


def contact_for_proven_phone(session: Session, phone: str) -> Contact:
    """The contact of a number the phone network vouched for: the shop customer's whose number it
    is, when there is one, else the number's own."""
    customer = session.scalar(select(Customer).where(Customer.phone == phone))
    owner = session.scalar(select(Contact).where(Contact.shop_customer_id == customer.id)) if customer else None
    return owner or contact_for_phone(session, phone)


def link_verified_order(session: Session, conversation: Conversation, order_number: str) -> Contact | None:
    """Attaches the order's customer to the conversation when it verified the order cleanly.

    Otherwise the conversation keeps the order it verified for this chat only, and the agent's
    ticket shows the identity as unconfirmed until an agent confirms it.
    """
    guard = VerificationGuard(session, GuardRules.of(get_settings()), utcnow())
    if not guard.verified_cleanly(conversation.id, order_number):
        return None
    return _attach_customer(session, conversation, _customer_of(session, order_number))


def confirm_identity(session: Session, conversation: Conversation) -> Contact | None:
    """An agent confirmed the customer is the owner of the order this conversation verified, or,
    with no order verified, the shop customer whose address the conversation comes from."""
    if conversation.verified_order is None:
        return _attach_customer(session, conversation, suggested_customer(session, conversation))
    return _attach_customer(session, conversation, _customer_of(session, conversation.verified_order))


def suggested_customer(session: Session, conversation: Conversation) -> Customer | None:
    """The shop customer whose e-mail or phone this conversation comes from, when nothing proved it
    (an unchecked From:, an SMS number) and it is linked to nobody yet: for an agent to confirm,
    never merged by itself."""
    address = (conversation.address or "").removeprefix("whatsapp:").lower()
    linked = conversation.contact is not None and conversation.contact.shop_customer_id is not None
    if not address or linked or conversation.verified_order is not None:
        return None
    column = Customer.email if "@" in address else Customer.phone
    return session.scalar(select(Customer).where(func.lower(column) == address).limit(1))


def identity_confirmed(session: Session, conversation: Conversation) -> bool:
    """False while the conversation verified an order whose customer it is not linked to."""
    if conversation.verified_order is None:
        return True
    order = session.scalar(select(Order).where(Order.number == conversation.verified_order))
    contact = conversation.contact
    return order is None or (contact is not None and contact.shop_customer_id == order.customer_id)


def _customer_of(session: Session, order_number: str) -> Customer | None:
    order = session.scalar(select(Order).where(Order.number == order_number))
    return order.customer if order is not None else None


def _attach_customer(session: Session, conversation: Conversation, customer: Customer | None) -> Contact | None:
    """Attaches the shop customer to the conversation, merging a phone-only contact into theirs."""
    if customer is None:
        return None
    try:
        with session.begin_nested():
            return _attach(session, conversation, customer)
    except IntegrityError:
        # Another conversation of the same customer created their contact at the same moment: join it.
        with session.begin_nested():
            return _attach(session, conversation, customer)


def _attach(session: Session, conversation: Conversation, customer: Customer) -> Contact:
    known = session.scalar(
        select(Contact).where((Contact.shop_customer_id == customer.id) | (Contact.email == customer.email))
    )
    # Only a contact nobody has proven yet (a bare phone number) joins the customer. One that is
    # already another customer's (a family ordering for each other) stays theirs: just this conversation moves.
    current = conversation.contact
    joinable = current if current is not None and current.shop_customer_id is None else None
    if known is None:
        known = joinable or Contact()
        if known.id is None:
            session.add(known)
    elif joinable is not None and joinable.id != known.id:
        # The same person wrote from another channel before: one contact keeps all their history.
        phone, joinable.phone = joinable.phone, None
        for other in list(joinable.conversations):
            other.contact = known
        session.flush()  # free the unique phone number before the other contact takes it
        known.phone = known.phone or phone
        session.delete(joinable)
    known.email = customer.email
    known.shop_customer_id = customer.id
    known.display_name = known.display_name or customer.full_name
    conversation.contact = known
    session.flush()
    return known
