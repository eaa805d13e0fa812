"""`koliber seed --history 30d`: a labelled demo history so a newcomer sees a full dashboard.

Conversations on every channel in Polish and English (Conversation.demo), tickets claimed and
resolved by the console's agents, CSAT ratings, NPS survey answers (Survey.demo), and delay notices
sent from half-way through the period. Its own customers (addresses at HISTORY_EMAIL_DOMAIN, no
phone in the shop, so no survey call ever rings) placed its own delivered orders, which the
dashboard's shipped-order counts tell from the shop's. A fixed random seed makes it the same for the
same moment; a second run adds nothing.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.analytics.query import HISTORY_EMAIL_DOMAIN
from bot.handoff.hours import WorkingHours
from bot.models.conversation import Author, Channel, Contact, Conversation, Message
from bot.models.feedback import Rating
from bot.models.handoff import PRIORITY_RANK, Agent, AgentRole, Ticket, TicketKind, TicketStatus
from bot.models.notices import DelayCause, DelayNotice, NoticeState
from bot.models.survey import Survey, SurveyState
from contracts.survey_result import SurveyOutcome
from shop.models import Customer, Order, OrderItem, OrderStatus, Shipment
from shop.seed import CATALOGUE

SEED = 1616
CHANNELS = [(Channel.WEB, 40), (Channel.SMS, 12), (Channel.WHATSAPP, 14), (Channel.EMAIL, 12),
            (Channel.MESSENGER, 10), (Channel.VOICE, 9), (Channel.API, 3)]
FIRST_NAMES = ["Ewa", "Tomasz", "Magda", "Paweł", "Zofia", "Michał", "Ola", "Krzysztof", "Natalia", "Adam",
               "Emily", "James", "Sophie", "Daniel"]
LAST_NAMES = ["Lewandowska", "Wójcik", "Kowalczyk", "Szymański", "Dąbrowska", "Mazur", "Krawczyk", "Pietrzak",
              "Smith", "Brown"]


@dataclass(frozen=True)
class Scenario:
    intent: str
    pl: tuple[str, ...]  # what customers write, in Polish
    en: tuple[str, ...]
    weight: int
    handoff: str | None = None  # the ticket's reason when a person takes over
    confidence: tuple[float, float] = (0.7, 0.99)


SCENARIOS = [
    Scenario("order_status", ("Gdzie jest moja paczka?", "Kiedy dotrze moje zamówienie?", "gdzie moje zamówienie"),
             ("Where is my order?", "When will my parcel arrive?", "where is my package"), 26),
    Scenario("delivery_time", ("Ile trwa dostawa do paczkomatu?", "jak długo idzie kurier"),
             ("How long does delivery take?", "how long is shipping to Germany"), 8),
    Scenario("shipping_options", ("Jakie są formy dostawy?",), ("What shipping options do you have?",), 5),
    Scenario("return_policy", ("Ile mam dni na zwrot?", "czy mogę oddać buty"),
             ("How many days do I have to return?", "can I return shoes"), 9),
    Scenario("start_return", ("Chcę zwrócić kurtkę", "jak zrobić zwrot"), ("I want to return my jacket",), 7),
    Scenario("refund_status", ("Kiedy dostanę zwrot pieniędzy?",), ("When do I get my refund?",), 6),
    Scenario("get_invoice", ("Proszę o fakturę", "potrzebuję faktury na firmę"), ("Can I get an invoice?",), 5),
    Scenario("cancel_order", ("Chcę anulować zamówienie",), ("I want to cancel my order",), 4),
    Scenario("change_address", ("Chcę zmienić adres dostawy",), ("I need to change the delivery address",), 3),
    Scenario("contact_info", ("Jaki jest numer do sklepu?",), ("What is your phone number?",), 3),
    Scenario("complaint", ("Buty się rozkleiły po tygodniu", "przyszła uszkodzona lampka"),
             ("The shoes fell apart after a week", "the lamp arrived broken"), 6, handoff="complaint"),
    Scenario("payment_problem", ("Zapłaciłem dwa razy", "płatność BLIK nie przeszła"),
             ("I was charged twice", "my card payment failed"), 4, handoff="payment_problem"),
    Scenario("request_human", ("Chcę rozmawiać z konsultantem", "poproszę człowieka"),
             ("I want to talk to a person", "human please"), 5, handoff="customer_request"),
    Scenario("nlu_fallback", ("czy macie bony dla firm na święta", "a ten kolor co był w gazetce",
                              "mogę odebrać osobiście w Łodzi?"),
             ("do you do corporate gift vouchers", "is the blue one from the newsletter back"), 7,
             handoff="repeated_fallback", confidence=(0.05, 0.19)),
]
LOW_CONFIDENCE = {"pl": ("paczka chyba zgubiona albo coś", "a co z tym drugim"),
                  "en": ("parcel lost or something", "what about the other one")}
BOT_REPLY = {"pl": "Już sprawdzam. Czy mogę pomóc w czymś jeszcze?",
             "en": "Let me check. Anything else I can help with?"}
GREETING = {"pl": ("Dzień dobry", "Cześć! W czym pomóc?"), "en": ("Hi", "Hi! How can I help?")}
AGENT_REPLY = {"pl": "Dzień dobry, tu {name}. Już się tym zajmuję.", "en": "Hello, {name} here. I'm on it."}
NOTICE_TEXT = {"pl": "Twoja paczka z zamówienia {number} się spóźnia. Nowy termin: {day}. Odpisz, jeśli masz pytania.",
               "en": "Your parcel for order {number} is running late. New date: {day}. Reply if you have questions."}
CSAT_WEIGHTS = {"bot": [4, 4, 10, 30, 52], "person": [6, 5, 9, 28, 52]}
NPS_WEIGHTS = [1, 1, 1, 2, 2, 3, 5, 9, 14, 22, 20]  # scores 0-10


@dataclass
class HistoryCustomer:
    customer: Customer
    contact: Contact
    language: str
    phone: str
    orders: list[Order]


class HistoryWriter:
    def __init__(self, session: Session, now: datetime, days: int, hours: WorkingHours, agents: list[Agent]) -> None:
        self.session, self.now, self.days, self.hours, self.agents = session, now, days, hours, agents
        self.zone: ZoneInfo = hours.zone
        self.rng = random.Random(SEED)
        self.start_day = now.astimezone(self.zone).date() - timedelta(days=days - 1)
        self.notices_from = self.start_day + timedelta(days=days // 2)  # the shop switched notices on here
        self.customers: list[HistoryCustomer] = []
        self.counts = {"conversations": 0, "tickets": 0, "ratings": 0, "surveys": 0, "notices": 0, "orders": 0}

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def local(self, day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), self.zone)

    # --- customers and their orders -----------------------------------------------------------
    def add_customers(self, count: int = 140) -> None:
        for n in range(count):
            language = "en" if n % 4 == 3 else "pl"
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7) % len(LAST_NAMES)]}"
            email = f"klient{n:03d}@{HISTORY_EMAIL_DOMAIN}"
            phone = f"+48500{n:06d}"
            customer = Customer(email=email, full_name=name, phone=None, language=language,
                                created_at=self.now - timedelta(days=400))
            contact = Contact(email=email, phone=phone, display_name=name, created_at=self.now - timedelta(days=400))
            self.session.add_all([customer, contact])
            self.customers.append(HistoryCustomer(customer, contact, language, phone, []))
        self.session.flush()
        for entry in self.customers:
            entry.contact.shop_customer_id = entry.customer.id

    def add_orders(self) -> None:
        number = 700000
        for offset in range(-10, self.days):
            day = self.start_day + timedelta(days=offset)
            if day.weekday() == 6:
                continue  # nothing leaves the warehouse on Sunday
            for _ in range(self.rng.randint(18, 26)):
                number += 1
                shipped_at = self.local(day, self.rng.randint(14, 17))
                if shipped_at >= self.now - timedelta(hours=2):
                    continue
                owner = self.rng.choice(self.customers)
                sku, name, category, price = self.rng.choice(CATALOGUE)
                delivered_at = min(shipped_at + timedelta(days=self.rng.randint(1, 3), hours=self.rng.randint(0, 5)),
                                   self.now - timedelta(hours=1))
                order = Order(number=str(number), customer=owner.customer, status=OrderStatus.DELIVERED, currency="PLN",
                              items_total=Decimal(price), shipping_cost=Decimal("12.99"),
                              shipping_method="inpost_locker", delivery_name=owner.customer.full_name,
                              delivery_street="ul. Demonstracyjna 1", delivery_postcode="00-001",
                              delivery_city="Warszawa", delivery_country="PL",
                              placed_at=shipped_at - timedelta(hours=20),
                              items=[OrderItem(sku=sku, name=name, category=category, quantity=1,
                                               unit_price=Decimal(price))])
                order.shipment = Shipment(carrier="inpost", tracking_number=f"HIST{number}", shipped_at=shipped_at,
                                          promised_delivery_date=(shipped_at + timedelta(days=2)).date(),
                                          delivered_at=delivered_at)
                self.session.add(order)
                owner.orders.append(order)
                self.counts["orders"] += 1
        self.session.flush()

    # --- conversations ------------------------------------------------------------------------------
    def _address(self, who: HistoryCustomer, channel: Channel) -> str | None:
        return {Channel.WEB: None, Channel.EMAIL: who.customer.email, Channel.MESSENGER: f"psid-{who.contact.id}",
                Channel.API: f"api-{who.contact.id}"}.get(channel, who.phone)

    def _message(self, conversation: Conversation, author: Author, text: str, at: datetime, intent: str | None = None,
                 confidence: float | None = None, agent: Agent | None = None) -> None:
        self.session.add(Message(conversation_id=conversation.id, author=author, channel=conversation.channel,
                                 language=conversation.language, text=text, intent=intent, confidence=confidence,
                                 agent_id=agent.id if agent else None, created_at=at, handled_at=at))

    def _scenario(self, day: date) -> Scenario:
        weights = [s.weight for s in SCENARIOS]
        if day >= self.notices_from:  # notices answer "where is my order?" before it is asked
            weights[0] = round(weights[0] * 0.5)
        return self.rng.choices(SCENARIOS, weights)[0]

    def conversation(self, day: date) -> None:
        who = self.rng.choice(self.customers)
        language = who.language if self.rng.random() < 0.9 else ("en" if who.language == "pl" else "pl")
        channel = self.rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        hour = self.rng.choices(range(24), [1, 1, 0, 0, 0, 0, 1, 3, 6, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 10, 9, 7, 4, 2])[0]
        started = self.local(day, hour)
        if started >= self.now - timedelta(minutes=30):
            return
        scenario = self._scenario(day)
        order = self.rng.choice(who.orders) if who.orders and scenario.intent in (
            "order_status", "start_return", "refund_status", "get_invoice", "complaint", "cancel_order",
            "change_address") else None
        conversation = Conversation(id=self._id(), channel=channel, address=self._address(who, channel),
                                    contact_id=who.contact.id, language=language, demo=True, created_at=started,
                                    verified_order=order.number if order is not None and scenario.handoff is None
                                    else None)
        self.session.add(conversation)
        self.counts["conversations"] += 1
        at = started
        if self.rng.random() < 0.35:
            hello, answer = GREETING[language]
            self._message(conversation, Author.CUSTOMER, hello, at, "greet", 0.98)
            at += timedelta(seconds=5)
            self._message(conversation, Author.BOT, answer, at)
            at += timedelta(seconds=self.rng.randint(10, 60))
        text = self.rng.choice(scenario.pl if language == "pl" else scenario.en)
        self._message(conversation, Author.CUSTOMER, text, at, scenario.intent,
                      round(self.rng.uniform(*scenario.confidence), 2))
        at += timedelta(seconds=3)
        self._message(conversation, Author.BOT, BOT_REPLY[language], at)
        if self.rng.random() < 0.08:  # the bot guessed, unsure
            at += timedelta(seconds=self.rng.randint(20, 90))
            self._message(conversation, Author.CUSTOMER, self.rng.choice(LOW_CONFIDENCE[language]), at,
                          scenario.intent, round(self.rng.uniform(0.21, 0.39), 2))
            at += timedelta(seconds=3)
            self._message(conversation, Author.BOT, BOT_REPLY[language], at)
        ticket = None
        escalate = scenario.handoff is not None and (scenario.intent != "nlu_fallback" or self.rng.random() < 0.6)
        if escalate:
            ticket, at = self._ticket(conversation, scenario.handoff, order, at + timedelta(seconds=5))
        conversation.last_activity_at = at
        self._rating(conversation, ticket, who, at)

    def _ticket(self, conversation: Conversation, reason: str, order: Order | None,
                opened: datetime) -> tuple[Ticket, datetime]:
        open_now = self.hours.is_open(opened)
        kind = TicketKind.LIVE if open_now and conversation.channel != Channel.EMAIL else TicketKind.MESSAGE
        priority = "high" if reason == "complaint" else "normal"
        ticket = Ticket(conversation_id=conversation.id, kind=kind, reason=reason, priority=priority,
                        priority_rank=PRIORITY_RANK[priority], language=conversation.language,
                        channel=conversation.channel, summary=reason.replace("_", " "),
                        order_number=order.number if order else None, created_at=opened)
        self.session.add(ticket)
        self.counts["tickets"] += 1
        if kind == TicketKind.LIVE and self.rng.random() < 0.07:  # the customer gave up waiting
            ticket.status, ticket.closed_at = TicketStatus.RETURNED, opened + timedelta(minutes=self.rng.randint(3, 12))
            return ticket, ticket.closed_at
        start = self.hours.next_opening(opened) or opened
        wait = (timedelta(seconds=int(self.rng.lognormvariate(3.6, 0.8))) if kind == TicketKind.LIVE
                else timedelta(minutes=self.rng.randint(5, 90)))
        claimed = start + wait
        if claimed >= self.now - timedelta(minutes=20):  # still waiting for a person, in the history too
            ticket.status = TicketStatus.RETURNED
            ticket.closed_at = opened + timedelta(minutes=1)
            return ticket, ticket.closed_at
        agent = self.rng.choice([a for a in self.agents if conversation.language in a.language_list] or self.agents)
        replied = claimed + timedelta(seconds=self.rng.randint(8, 150))
        closed = replied + timedelta(seconds=self.rng.randint(120, 900))
        ticket.status = TicketStatus.RESOLVED if self.rng.random() < 0.9 else TicketStatus.RETURNED
        ticket.agent_id, ticket.claimed_at, ticket.closed_at = agent.id, claimed, closed
        self._message(conversation, Author.AGENT, AGENT_REPLY[conversation.language].format(name=agent.display_name),
                      replied, agent=agent)
        return ticket, closed

    def _rating(self, conversation: Conversation, ticket: Ticket | None, who: HistoryCustomer, ended: datetime) -> None:
        if (ticket is not None and ticket.claimed_at is None) or self.rng.random() > 0.7:
            return
        asked = ended + timedelta(seconds=30)
        answered = self.rng.random() < 0.55 and asked + timedelta(minutes=5) < self.now
        score = self.rng.choices(range(1, 6), CSAT_WEIGHTS["person" if ticket else "bot"])[0] if answered else None
        self.session.add(Rating(conversation_id=conversation.id, ticket_id=ticket.id if ticket else None,
                                channel=conversation.channel, language=conversation.language,
                                address=conversation.address or who.customer.email, asked_at=asked, score=score,
                                answered_at=asked + timedelta(minutes=2) if answered else None))
        self.counts["ratings"] += 1

    # --- surveys and notices ---------------------------------------------------------------------------
    def surveys(self) -> None:
        for who in self.customers:
            for order in who.orders:
                finished = order.shipment.delivered_at + timedelta(days=3, hours=2)
                if finished >= self.now or self.rng.random() > 0.3:
                    continue
                answered = self.rng.random() < 0.7
                self.session.add(Survey(
                    order_number=order.number, customer_id=who.customer.id, phone=who.phone, language=who.language,
                    categories=sorted({item.category for item in order.items}),
                    time_zone=str(self.zone), state=SurveyState.FINISHED, attempts=1,
                    outcome=SurveyOutcome.COMPLETED if answered else self.rng.choice(
                        [SurveyOutcome.NO_ANSWER, SurveyOutcome.VOICEMAIL, SurveyOutcome.REFUSED]),
                    score=self.rng.choices(range(11), NPS_WEIGHTS)[0] if answered else None,
                    answered_via="voice" if answered else None, demo=True, created_at=finished - timedelta(hours=1),
                    finished_at=finished))
                self.counts["surveys"] += 1

    def notices(self) -> None:
        for who in self.customers:
            for order in who.orders:
                shipped = order.shipment.shipped_at
                # Sent two days after dispatch: the first ones go out on the day notices were switched on.
                dispatched = shipped.astimezone(self.zone).date()
                if dispatched < self.notices_from - timedelta(days=2) or self.rng.random() > 0.06:
                    continue
                sent = shipped + timedelta(days=2, hours=self.rng.randint(-4, -1))
                if sent >= self.now:
                    continue
                channel = Channel.SMS if self.rng.random() < 0.6 else Channel.EMAIL
                address = who.phone if channel == Channel.SMS else who.customer.email
                day = (sent + timedelta(days=2)).astimezone(self.zone).date()
                text = NOTICE_TEXT[who.language].format(number=order.number, day=day.isoformat())
                conversation = Conversation(id=self._id(), channel=channel, address=address, contact_id=who.contact.id,
                                            language=who.language, demo=True, verified_order=order.number,
                                            created_at=sent, last_activity_at=sent)
                self.session.add(conversation)
                self._message(conversation, Author.BOT, text, sent)
                self.session.add(DelayNotice(order_number=order.number, cause=self.rng.choice(list(DelayCause)),
                                             state=NoticeState.SENT, channel=channel, address=address,
                                             language=who.language, new_expected_date=day, text=text,
                                             conversation_id=conversation.id, found_at=sent - timedelta(minutes=5),
                                             sent_at=sent))
                self.counts["notices"] += 1

    def write(self) -> dict[str, int]:
        self.add_customers()
        self.add_orders()
        for offset in range(self.days):
            day = self.start_day + timedelta(days=offset)
            for _ in range(self.rng.randint(8, 13) if day.weekday() >= 5 else self.rng.randint(15, 24)):
                self.conversation(day)
        self.session.flush()
        self.surveys()
        self.notices()
        self.session.flush()
        return self.counts


def history_present(session: Session) -> bool:
    return session.scalar(select(Conversation.id).where(Conversation.demo.is_(True)).limit(1)) is not None


def seed_history(session: Session, now: datetime, days: int, hours: WorkingHours) -> dict[str, int] | None:
    """Writes the demo history of the `days` up to `now`; None when one is there already (nothing is
    added twice). Tickets go to the console's agents, so there must be some (`koliber seed` adds the
    demo ones in development)."""
    if history_present(session):
        return None
    agents = list(session.scalars(select(Agent).where(Agent.role.in_([AgentRole.AGENT, AgentRole.ADMIN]))
                                  .order_by(Agent.id)))
    if not agents:
        raise ValueError("the demo history needs console agents to answer its tickets: add one with "
                         "`koliber agent add`, or run `koliber seed` in development for the demo ones")
    return HistoryWriter(session, now, days, hours, agents).write()
