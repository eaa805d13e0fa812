"""What the shop knows about the customer in a conversation (name, street, e-mail, phone), so those
exact words are replaced even where no pattern would find them."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.conversation import Contact, Conversation
from bot.trainer.data.personal_data import Kind, Known
from shop.models import Customer, Order


def _name_parts(full_name: str | None) -> list[Known]:
    # Customers sign with a first name alone ("tu Anna"), so each part counts too.
    if not full_name:
        return []
    return [(Kind.NAME, full_name), *((Kind.NAME, part) for part in full_name.split() if len(part) > 2)]


def _customer(customer: Customer | None) -> list[Known]:
    if customer is None:
        return []
    return [*_name_parts(customer.full_name), (Kind.EMAIL, customer.email), (Kind.PHONE, customer.phone or "")]


def known_personal_data(session: Session, conversation_ids: Iterable[str]) -> dict[str, list[Known]]:
    known: dict[str, list[Known]] = {}
    for conversation in session.scalars(select(Conversation).where(Conversation.id.in_(set(conversation_ids)))):
        values: list[Known] = []
        contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
        if contact is not None:
            values += [*_name_parts(contact.display_name), (Kind.EMAIL, contact.email or ""), (Kind.PHONE, contact.phone or "")]
            if contact.shop_customer_id:
                values += _customer(session.get(Customer, contact.shop_customer_id))
        if conversation.verified_order:
            order = session.scalar(select(Order).where(Order.number == conversation.verified_order))
            if order is not None:
                values += [*_name_parts(order.delivery_name), (Kind.ADDRESS, order.delivery_street)]
                values += _customer(order.customer)
        known[conversation.id] = [(kind, value) for kind, value in values if value]
    return known
