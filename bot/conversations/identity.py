"""Recognises a returning customer across channels: by phone number, and by a verified order.

Only verified orders link a conversation to a shop customer and their e-mail, so an agent
never sees orders on the strength of an unproven claim.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversations.models import Contact, Conversation
from bot.shop.models import Order


def contact_for_phone(session: Session, phone: str) -> Contact:
    contact = session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None:
        contact = Contact(phone=phone)
        session.add(contact)
        session.flush()
    return contact


def link_verified_order(session: Session, conversation: Conversation, order_number: str) -> Contact | None:
    """Attaches the order's customer to the conversation, merging a phone-only contact into it."""
    order = session.scalar(select(Order).where(Order.number == order_number))
    if order is None:
        return None
    customer = order.customer
    known = session.scalar(
        select(Contact).where((Contact.shop_customer_id == customer.id) | (Contact.email == customer.email))
    )
    current = conversation.contact
    if known is None:
        known = current or Contact()
        if known.id is None:
            session.add(known)
    elif current is not None and current.id != known.id:
        # The same person wrote from another channel before: one contact keeps all their history.
        phone, current.phone = current.phone, None
        for other in list(current.conversations):
            other.contact = known
        session.flush()  # free the unique phone number before the other contact takes it
        known.phone = known.phone or phone
        session.delete(current)
    known.email = customer.email
    known.shop_customer_id = customer.id
    known.display_name = known.display_name or customer.full_name
    conversation.contact = known
    session.flush()
    return known
