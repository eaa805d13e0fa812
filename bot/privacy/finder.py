"""Finds every record about one person in the app database, from an e-mail address or a phone number.

A contact or shop customer found by one of them brings its other addresses along (they were linked
by a verified order), so asking by e-mail also finds the SMS conversations from the same person's
phone. Every table is listed below, either with the person's data in it or with why it has none.
"""

from dataclasses import dataclass, field

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from bot.models.conversation import CallStream, Contact, Conversation
from bot.models.feedback import ContactOptOut, Rating
from bot.models.handoff import Ticket
from bot.models.notices import DelayNotice
from bot.models.outbox import OutboxMessage
from bot.models.review import AuditEntry, ReviewDecision
from bot.models.survey import CallStatusEvent, Survey, SurveyOptOut
from shop.models import CachedPlatformOrder, ComplaintCase, Customer, Order
from shop.verification_guard import LockKind, VerificationAttempt, VerificationLock
from text.identifiers import normalize_email, normalize_phone

# Tables that can hold a customer's data, and what an erasure does to it there.
PERSONAL_TABLES = {
    "customers": "anonymised: name, e-mail and phone replaced; the row stays for its orders",
    "orders": "delivery name and address replaced; number, amounts and dates kept for accounting",
    "contacts": "deleted (by retention too, once none of their conversations is left)",
    "conversations": "address, e-mail subject, contact, resume token, call id and pending data cleared",
    "messages": "text, heard text, payload, buttons, proven sender and e-mail/Messenger ids cleared; author, "
                "channel, intent and times kept",
    "attachments": "deleted",
    "call_streams": "deleted (a call's caller number)",
    "outbox": "deleted: nothing more is sent, and a provider's refusal may quote the number",
    "tickets": "summary, contact details, order and customer links cleared; reason and times kept",
    "ticket_notes": "text replaced",
    "surveys": "phone and reason replaced, link token cleared, unfinished surveys closed; score kept",
    "survey_calls": "Twilio call id cleared",
    "survey_call_events": "deleted (keyed by the Twilio call id)",
    "survey_opt_outs": "deleted (the phone number is gone from every other table)",
    "complaint_cases": "description replaced",
    "review_decisions": "example and entities replaced",
    "trainer_audit_log": "the quoted example or text replaced",
    "verification_attempts": "deleted",
    "verification_locks": "locks on the person as a client (their phone) deleted",
    "ratings": "comment replaced, address and link token cleared; score and times kept",
    "contact_opt_outs": "deleted (the address is gone from every other table)",
    "delay_notices": "address and text cleared; order, cause and times kept",
    "platform_order_cache": "deleted: copies of the person's orders from the shop's platform (the platform holds "
                            "the originals, and erasing there is the shop's)",
}
# Tables without a customer's personal data, or kept whole by law.
OTHER_TABLES = {
    "order_items": "products and prices",
    "payments": "amounts and the payment provider's reference, kept for accounting",
    "shipments": "carrier, tracking number and dates of an order",
    "tracking_events": "the carrier's scans (depot towns)",
    "returns": "an order's return codes and states",
    "return_items": "returned products",
    "refunds": "amounts, kept for accounting",
    "invoices": "invoice numbers, amounts and tax id, kept for accounting (5 years)",
    "agents": "staff accounts",
    "agent_sessions": "staff log-in sessions",
    "password_links": "one-time links for staff to set a password (hashes only)",
    "shop_settings": "the shop's own settings (hours, shipping, returns, contact, widget)",
    "setting_changes": "who of the staff changed which shop setting",
    "login_failures": "failed staff log-ins",
    "audit_log": "counts and ids only",
    "anonymised_conversations": "conversation ids only",
    "platform_journal_positions": "how far the shop platform's event journal was read",
}


class UnknownIdentifier(ValueError):
    """Neither an e-mail address nor a phone number."""


def parse_identifier(raw: str) -> tuple[str, str]:
    """("email", address) or ("phone", number), normalised as the database stores them."""
    email = normalize_email(raw)
    if email:
        return "email", email
    phone = normalize_phone(raw)
    if phone:
        return "phone", phone
    raise UnknownIdentifier(f"{raw!r} is neither an e-mail address nor a phone number")


@dataclass
class PersonRecords:
    """What the database holds about one person, loaded in the caller's session."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    customers: list[Customer] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    status_events: list[CallStatusEvent] = field(default_factory=list)
    opt_outs: list[SurveyOptOut] = field(default_factory=list)
    contact_opt_outs: list[ContactOptOut] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    delay_notices: list[DelayNotice] = field(default_factory=list)
    complaints: list[ComplaintCase] = field(default_factory=list)
    review_decisions: list[ReviewDecision] = field(default_factory=list)
    trainer_audit: list[AuditEntry] = field(default_factory=list)
    call_streams: list[CallStream] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    verification_attempts: list[VerificationAttempt] = field(default_factory=list)
    verification_locks: list[VerificationLock] = field(default_factory=list)
    cached_orders: list[CachedPlatformOrder] = field(default_factory=list)

    @property
    def conversation_ids(self) -> list[str]:
        return [conversation.id for conversation in self.conversations]

    @property
    def message_ids(self) -> set[int]:
        return {message.id for conversation in self.conversations for message in conversation.messages}

    @property
    def orders(self) -> list[Order]:
        return [order for customer in self.customers for order in customer.orders]

    @property
    def clients(self) -> set[str]:
        """The person as the verification guard names whoever writes ("phone:…", "api:<sender>")."""
        return {*(f"phone:{phone}" for phone in self.phones),
                *(f"api:{address}" for address in (*self.phones, *self.emails))}

    def counts(self) -> dict[str, int]:
        return {
            "shop_customers": len(self.customers), "orders": len(self.orders), "contacts": len(self.contacts),
            "conversations": len(self.conversations), "messages": len(self.message_ids),
            "tickets": len(self.tickets), "ticket_notes": sum(len(ticket.notes) for ticket in self.tickets),
            "surveys": len(self.surveys), "survey_opt_outs": len(self.opt_outs),
            "contact_opt_outs": len(self.contact_opt_outs),
            "complaint_cases": len(self.complaints), "review_decisions": len(self.review_decisions),
        }

    def record_ids(self) -> dict[str, list]:
        """Which records are involved, by id: enough for the audit log to retrace, nothing personal."""
        return {"customer_ids": [customer.id for customer in self.customers],
                "conversation_ids": self.conversation_ids,
                "ticket_ids": [ticket.id for ticket in self.tickets],
                "survey_ids": [survey.id for survey in self.surveys]}

    @property
    def found(self) -> bool:
        return any(self.counts().values())


def find_person(session: Session, raw: str) -> PersonRecords:
    kind, value = parse_identifier(raw)
    person = PersonRecords(emails={value} if kind == "email" else set(), phones={value} if kind == "phone" else set())
    _widen(session, person)
    addresses = {*person.emails, *person.phones, *(f"whatsapp:{phone}" for phone in person.phones)}
    customer_ids = [customer.id for customer in person.customers]
    person.surveys = _all(session, select(Survey).where(or_(Survey.customer_id.in_(customer_ids),
                                                            Survey.phone.in_(person.phones))).order_by(Survey.id))
    survey_conversations = {survey.link_conversation_id for survey in person.surveys} | {
        call.conversation_id for survey in person.surveys for call in survey.calls}
    person.tickets = _all(session, select(Ticket).where(or_(
        Ticket.shop_customer_id.in_(customer_ids), Ticket.contact_details.in_(addresses))))
    ticket_conversations = {ticket.conversation_id for ticket in person.tickets}
    person.conversations = _all(session, select(Conversation).where(or_(
        Conversation.contact_id.in_([contact.id for contact in person.contacts]),
        Conversation.address.in_(addresses),
        Conversation.id.in_((survey_conversations | ticket_conversations) - {None}),
    )).order_by(Conversation.created_at))
    conversation_ids = person.conversation_ids
    person.tickets = _all(session, select(Ticket).where(or_(
        Ticket.id.in_([ticket.id for ticket in person.tickets]), Ticket.conversation_id.in_(conversation_ids)))
        .order_by(Ticket.id))
    call_sids = {conversation.call_sid for conversation in person.conversations} | {
        call.call_sid for survey in person.surveys for call in survey.calls}
    call_sids.discard(None)
    person.status_events = _all(session, select(CallStatusEvent).where(CallStatusEvent.call_sid.in_(call_sids)))
    person.call_streams = _all(session, select(CallStream).where(or_(CallStream.call_sid.in_(call_sids),
                                                                     CallStream.caller.in_(person.phones))))
    person.outbox = _all(session, select(OutboxMessage).where(OutboxMessage.conversation_id.in_(conversation_ids)))
    person.opt_outs = _all(session, select(SurveyOptOut).where(or_(SurveyOptOut.phone.in_(person.phones),
                                                                   SurveyOptOut.customer_id.in_(customer_ids))))
    person.contact_opt_outs = _all(session, select(ContactOptOut).where(ContactOptOut.address.in_(addresses)))
    person.ratings = _all(session, select(Rating).where(Rating.conversation_id.in_(conversation_ids)))
    person.delay_notices = _all(session, select(DelayNotice).where(or_(
        DelayNotice.order_number.in_([order.number for order in person.orders]),
        DelayNotice.conversation_id.in_(conversation_ids))))
    person.complaints = _all(session, select(ComplaintCase).where(or_(
        ComplaintCase.order_id.in_([order.id for order in person.orders]),
        ComplaintCase.conversation_id.in_(conversation_ids))))
    message_ids = person.message_ids
    person.review_decisions = _all(session, select(ReviewDecision).where(ReviewDecision.message_id.in_(message_ids)))
    person.trainer_audit = [entry for entry in session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(("label", "dismiss")))) if message_ids & set(entry.details.get("message_ids") or [])]
    person.verification_attempts = _all(session, select(VerificationAttempt).where(or_(
        VerificationAttempt.conversation_id.in_(conversation_ids),
        VerificationAttempt.client.in_(person.clients))))
    person.verification_locks = _all(session, select(VerificationLock).where(
        VerificationLock.kind == LockKind.CLIENT, VerificationLock.subject.in_(person.clients)))
    # The platform's JSON names the customer's e-mail and phone as the platform spells them.
    person.cached_orders = _all(session, select(CachedPlatformOrder).where(or_(
        false(), *(func.lower(CachedPlatformOrder.data).contains(email.lower()) for email in person.emails),
        *(CachedPlatformOrder.data.contains(phone) for phone in person.phones))))
    return person


def _widen(session: Session, person: PersonRecords) -> None:
    """Contacts and shop customers with any of the person's addresses, until no new address turns up."""
    while True:
        emails, phones = set(person.emails), set(person.phones)
        customers = _all(session, select(Customer).where(or_(
            func.lower(Customer.email).in_(emails), Customer.phone.in_(phones))).order_by(Customer.id))
        contacts = _all(session, select(Contact).where(or_(
            func.lower(Contact.email).in_(emails), Contact.phone.in_(phones),
            Contact.shop_customer_id.in_([customer.id for customer in customers]))).order_by(Contact.id))
        person.customers, person.contacts = customers, contacts
        for record in (*customers, *contacts):
            if record.email:
                person.emails.add(record.email.lower())
            if record.phone and normalize_phone(record.phone):
                person.phones.add(normalize_phone(record.phone))
        if (person.emails, person.phones) == (emails, phones):
            return


def _all(session: Session, query) -> list:
    return list(session.scalars(query).unique())
