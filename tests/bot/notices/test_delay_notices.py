"""The delay-notice job with a clock the test moves: a notice found at night waits for 8:00 and goes
once however often the job runs; the customer's channel, language and opt-outs decide where it
goes, if anywhere; the texts in Polish and English say what happened, the new date and what to do.
The monday of these stories is 23 November 2026 (Warsaw time)."""

import asyncio
import shutil
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.outbox_worker import RetryPolicy
from bot.conversations.output import OutputChannel, Recipient
from bot.conversations.texts import load_texts
from bot.models.conversation import Author, Channel, Conversation, ConversationState, Message
from bot.models.feedback import ContactOptOut
from bot.models.notices import DelayCause, DelayNotice, NoticeState
from bot.models.outbox import DeliveryStatus, OutboxMessage
from bot.models.survey import SurveyOptOut
from bot.notices.notifier import NOTICES_TOPIC, DelayNotifier, NoticeRound
from bot.notices.routing import NOTICE_CHANNELS, QuietHours
from bot.notices.scheduler import DelayNoticeJob
from bot.persistence.migrate import upgrade
from bot.realtime import Hub
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory, unit_of_work
from shop.models import Customer, Order, OrderStatus, Payment, PaymentStatus, Shipment, TrackingEvent
from shop.platforms.service import Platform, PlatformShopService
from shop.platforms.transport import ShopUnavailable
from shop.policy import cached_policy
from shop.service import SqlShopService
from testing.clock import ManualClock
from testing.fakes.engine import FakeEngine, served
from testing.shop_scenario import scenario_orders
from testing.waiting import wait_until

WARSAW = timezone(timedelta(hours=1))  # November: CET
PIOTR = "+48512345678"
POLICY = RetryPolicy(first_retry=timedelta(seconds=5), longest_retry=timedelta(seconds=40), max_attempts=3,
                     lease=timedelta(seconds=60), poll=timedelta(minutes=5))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WARSAW)


def add_order(sessions: sessionmaker[Session], number: str, phone: str | None = PIOTR, language: str = "pl",
              status=OrderStatus.SHIPPED, promised: int | None = 25,
              event: tuple[str, datetime] | None = ("delayed", at(23, 20)), paid: datetime = at(20, 9)) -> None:
    """A paid order of a customer of its own (late with the defaults: a carrier exception)."""
    with unit_of_work(sessions) as session:
        customer = Customer(email=f"customer.{number}@example.pl", full_name="Piotr Wiśniewski", phone=phone,
                            language=language, created_at=at(1, 9))
        order = Order(number=number, customer=customer, status=status, currency="PLN",
                      items_total=Decimal("299.00"), shipping_cost=Decimal("0"), shipping_method="dpd_courier",
                      delivery_name="Piotr", delivery_street="ul. Długa 17", delivery_postcode="31-042",
                      delivery_city="Kraków", delivery_country="PL", placed_at=paid - timedelta(minutes=3))
        order.payments.append(Payment(method="blik", status=PaymentStatus.PAID, amount=Decimal("299.00"),
                                      currency="PLN", provider_reference=f"PAY-{number}", created_at=paid))
        if promised is not None:
            order.shipment = Shipment(carrier="dpd", tracking_number=f"DPD{number}", shipped_at=at(20, 16),
                                      promised_delivery_date=date(2026, 11, promised))
            if event is not None:
                order.shipment.events = [TrackingEvent(code=event[0], location="Stryków", occurred_at=event[1])]
        session.add(order)


def stored_notices(sessions: sessionmaker[Session]) -> list[DelayNotice]:
    with sessions() as session:
        return list(session.scalars(select(DelayNotice).order_by(DelayNotice.id)))


class CapturingProvider(OutputChannel):
    """A provider for one channel that takes every message and remembers it."""

    through_outbox = True

    def __init__(self, channel: Channel, texts, sent: list) -> None:
        super().__init__(texts)
        self.channel = channel
        self._sent = sent

    async def send_text(self, recipient: Recipient, text: str) -> str:
        self._sent.append((self.channel, recipient.address, text))
        return f"ID{len(self._sent)}"


@dataclass
class Rig:
    """The job's notifier on a real database, with capturing providers for SMS, WhatsApp and e-mail."""

    sessions: sessionmaker[Session]
    clock: ManualClock
    notifier: DelayNotifier
    sent: list[tuple[Channel, str, str]] = field(default_factory=list)

    @classmethod
    def on(cls, database_url: str, now: datetime = at(23, 10), platform: Platform | None = None) -> "Rig":
        """On the demo shop's tables, or on a shop platform's adapter."""
        sessions = session_factory(make_engine(database_url))
        clock = ManualClock(now)
        texts = load_texts(PROJECT_ROOT / "config" / "gateway_texts.yml", "pl")
        delivery = Delivery(Hub(), sessions, POLICY, clock)
        sent: list = []
        for channel in NOTICE_CHANNELS:
            delivery.register(CapturingProvider(channel, texts, sent))
        policy = cached_policy(PROJECT_ROOT / "config" / "shop_policy.yml")
        shop = (SqlShopService(sessions, policy, clock) if platform is None
                else PlatformShopService(platform, sessions, policy, timedelta(minutes=2), clock))
        notifier = DelayNotifier(sessions, shop, delivery, load_texts(PROJECT_ROOT / "config" / "delay_notices.yml", "pl"),
                                 policy, QuietHours.parse("21:00-08:00", "Europe/Warsaw"), 3, clock)
        return cls(sessions, clock, notifier, sent)

    def add_order(self, number: str, **details) -> None:
        add_order(self.sessions, number, **details)

    def deliver_now(self, number: str) -> None:
        with unit_of_work(self.sessions) as session:
            order = session.scalar(select(Order).where(Order.number == number))
            order.status, order.shipment.delivered_at = OrderStatus.DELIVERED, self.clock()

    def conversation(self, channel: Channel, address: str, language: str, *texts: str,
                     when: datetime = at(18, 9)) -> None:
        """An earlier conversation of the customer's, with their messages."""
        with unit_of_work(self.sessions) as session:
            now = when
            conversation = Conversation(id=f"earlier-{channel.value}-{address}", channel=channel, address=address,
                                        language=language, state=ConversationState.BOT, pending_data={},
                                        created_at=now, last_activity_at=now)
            session.add(conversation)
            session.add_all(Message(conversation=conversation, author=Author.CUSTOMER, channel=channel,
                                    language=language, text=text, buttons=[], created_at=now, handled_at=now)
                            for text in texts)

    def run(self, moment: datetime) -> NoticeRound:
        self.clock.now = moment
        return asyncio.run(self.notifier.run_once())

    def notices(self) -> list[DelayNotice]:
        return stored_notices(self.sessions)


@pytest.fixture
def rig(migrated_template, tmp_path) -> Iterator[Rig]:
    copy = tmp_path / "koliber.db"
    shutil.copy(migrated_template, copy)
    yield Rig.on(f"sqlite:///{copy}")


def test_a_notice_found_at_night_waits_for_eight_and_goes_once(database_url):
    upgrade(database_url)
    rig = Rig.on(database_url)
    rig.add_order("51734")

    night = rig.run(at(23, 22))
    assert (night.planned, night.sent, night.held_back) == (1, [], True)
    assert rig.run(at(24, 7, 59)).sent == [] and rig.sent == []
    [notice] = rig.notices()
    assert (notice.state, notice.cause, notice.channel, notice.address) == (
        NoticeState.PLANNED, DelayCause.CARRIER_EXCEPTION, Channel.SMS, PIOTR)

    assert rig.run(at(24, 8)).sent == [notice.id]
    for later in (at(24, 8, 15), at(24, 12), at(24, 20, 59), at(24, 23)):
        assert rig.run(later).sent == []
    [(channel, address, text)] = rig.sent
    assert (channel, address) == (Channel.SMS, PIOTR) and "51734" in text
    [notice] = rig.notices()
    assert (notice.state, notice.sent_at, notice.text) == (NoticeState.SENT, at(24, 8), text)
    with rig.sessions() as session:
        conversation = session.get(Conversation, notice.conversation_id)
        [message] = conversation.messages
        delivery = session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message.id))
        # A reply from the number is a conversation that already knows the order.
        assert (conversation.channel, conversation.address, conversation.verified_order) == (
            Channel.SMS, PIOTR, "51734")
        assert (message.author, message.text, delivery.status) == (Author.SYSTEM, text, DeliveryStatus.SENT)


@pytest.mark.parametrize("platform", ["woocommerce", "shopify", "baselinker"])
def test_late_orders_on_a_shop_platform_are_noticed_once(migrated_template, tmp_path, shop_platforms, platform):
    """The job reads the shop's platform: a parcel past its promised day and a paid order still in the
    warehouse after its dispatch day (the scenario seen five days on) each get one notice."""
    noon = datetime.now(WARSAW).replace(hour=12, minute=0, second=0, microsecond=0)
    orders = scenario_orders(noon - timedelta(days=5))
    fake = shop_platforms[platform]
    fake.faults.reset()
    fake.load(orders.values())
    copy = tmp_path / "koliber.db"
    shutil.copy(migrated_template, copy)
    rig = Rig.on(f"sqlite:///{copy}", now=noon, platform=fake.adapter())

    late = {orders["paid"].number, orders["in_transit"].number}
    assert sorted(rig.run(noon).sent) == sorted(n.id for n in rig.notices() if n.state == NoticeState.SENT)
    assert {n.order_number for n in rig.notices() if n.state == NoticeState.SENT} == late
    assert sorted(address for _, address, _ in rig.sent) == ["+48601202303"] * 2  # Anna's phone, by SMS
    assert all(any(number in text for number in late) for _, _, text in rig.sent)
    assert rig.run(noon + timedelta(minutes=15)).sent == []

    fake.faults.down = True  # the platform down: the run fails and sends nothing; the next one goes on
    with pytest.raises(ShopUnavailable):
        rig.run(noon + timedelta(minutes=30))
    assert len(rig.sent) == 2


def test_an_order_late_for_several_reasons_gets_one_notice_then_one_for_a_new_reason(rig):
    rig.add_order("51734", promised=24, event=("delayed", at(23, 9)))
    assert len(rig.run(at(24, 9)).sent) == 1  # a carrier exception, with the promise still ahead
    assert len(rig.run(at(25, 9)).sent) == 1  # the promised day has passed since: that is news
    assert rig.run(at(25, 18)).sent == []
    assert [(n.cause, n.state) for n in rig.notices()] == [(DelayCause.CARRIER_EXCEPTION, NoticeState.SENT),
                                                          (DelayCause.PAST_EXPECTED_DATE, NoticeState.SENT)]
    silent = rig.run(at(30, 9))  # no carrier event for five business days now: a third cause, a third notice
    assert [n.cause for n in rig.notices()][-1] == DelayCause.NO_TRACKING and len(silent.sent) == 1

    rig.add_order("60001", promised=20, event=("delayed", at(20, 9)))  # late three ways at once
    assert len(rig.run(at(30, 10)).sent) == 1
    told = [(n.cause, n.state, n.skipped_reason) for n in rig.notices() if n.order_number == "60001"]
    assert told == [(DelayCause.CARRIER_EXCEPTION, NoticeState.SENT, None),
                    (DelayCause.PAST_EXPECTED_DATE, NoticeState.SKIPPED, "told_with_another"),
                    (DelayCause.NO_TRACKING, NoticeState.SKIPPED, "told_with_another")]


@pytest.mark.parametrize("language, exception, stock", [
    ("pl",
     "Sklep Koliber: przewoźnik zgłosił problem z paczką z Twojego zamówienia 51734 (opóźnienie w sortowni). "
     "Zamówienie powinno teraz dotrzeć do środy, 25 listopada. Odpisz na tę wiadomość, jeśli masz pytania – wiem, "
     "o które zamówienie chodzi. Możesz też poprosić o rozmowę z konsultantem. Nie chcesz takich powiadomień? "
     "Odpisz STOP.",
     ["72951", "nie zostało jeszcze wysłane", "Nowego terminu jeszcze nie znamy", "odpisz „anuluj”", "STOP"]),
    ("en",
     "Koliber Shop: the carrier reported a problem with the parcel from your order 51734 (delayed at the sorting "
     "centre). It should now arrive by Wednesday 25 November. Reply to this message with any question – I know "
     "which order it is about. You can also ask to talk to a person. Don't want these notices? Reply STOP.",
     ["72951", "has not been dispatched yet", "We do not know the new delivery date yet", "reply “cancel”", "STOP"]),
])
def test_the_notice_says_what_happened_the_new_date_and_what_to_do_in_the_customers_language(
        rig, language, exception, stock):
    rig.add_order("51734", language=language)
    rig.add_order("72951", phone="+48698765432", language=language, status=OrderStatus.PAID, promised=None)
    rig.run(at(24, 9))
    texts = {address: text for _, address, text in rig.sent}
    assert texts[PIOTR] == exception
    assert all(phrase in texts["+48698765432"] for phrase in stock), texts["+48698765432"]
    assert {n.language for n in rig.notices()} == {language}


def test_the_notice_goes_on_the_channel_the_customer_last_wrote_on_in_the_language_they_wrote_in(rig):
    rig.add_order("51734")  # wrote on WhatsApp last night, in English
    rig.conversation(Channel.SMS, PIOTR, "pl", "Dzień dobry", when=at(20, 9))
    rig.conversation(Channel.WHATSAPP, f"whatsapp:{PIOTR}", "en", "Hello", when=at(23, 18))
    late_reader = "+48600000005"  # wrote on WhatsApp two days ago: WhatsApp takes no free text from shops now
    rig.add_order("60003", phone=late_reader)
    rig.conversation(Channel.WHATSAPP, f"whatsapp:{late_reader}", "pl", "Dzień dobry", when=at(22, 9))
    rig.add_order("60002", phone=None)  # no phone: e-mail
    rig.run(at(24, 9))
    by_channel = {channel: (address, text) for channel, address, text in rig.sent}
    assert by_channel[Channel.WHATSAPP][0] == f"whatsapp:{PIOTR}"
    assert by_channel[Channel.WHATSAPP][1].startswith("Koliber Shop: the carrier reported")
    assert by_channel[Channel.SMS][0] == late_reader and "przewoźnik zgłosił" in by_channel[Channel.SMS][1]
    email_address, email_text = by_channel[Channel.EMAIL]
    assert email_address == "customer.60002@example.pl"
    assert "\n\nZamówienie powinno teraz dotrzeć do" in email_text and "STOP" not in email_text
    with rig.sessions() as session:
        subjects = session.scalars(select(Conversation.subject).where(Conversation.channel == Channel.EMAIL))
        assert list(subjects) == ["Zamówienie 60002: opóźnienie dostawy"]


def test_no_notice_after_an_opt_out_a_stop_reply_or_a_survey_opt_out(rig):
    opted, stopped, no_calls = "+48600000001", "+48600000002", "+48600000003"
    for number, phone in (("60001", opted), ("60002", stopped), ("60003", no_calls), ("60004", PIOTR)):
        rig.add_order(number, phone=phone)
    with unit_of_work(rig.sessions) as session:
        session.add(ContactOptOut(address=opted, topic=NOTICES_TOPIC, channel=Channel.SMS, created_at=at(1, 9)))
        session.add(SurveyOptOut(phone=no_calls, source="call", created_at=at(1, 9)))
    rig.conversation(Channel.WHATSAPP, f"whatsapp:{stopped}", "pl", "Dziękuję", " Stop ")

    done = rig.run(at(24, 9))
    assert [address for _, address, _ in rig.sent] == [PIOTR]
    assert done.skipped == 3
    assert [(n.state, n.skipped_reason) for n in rig.notices()][:3] == [(NoticeState.SKIPPED, "opted_out")] * 3
    with rig.sessions() as session:
        recorded = session.scalar(select(ContactOptOut).where(ContactOptOut.address == stopped))
        assert (recorded.topic, recorded.channel) == (NOTICES_TOPIC, Channel.WHATSAPP)


def test_a_parcel_delivered_overnight_gets_no_notice_in_the_morning(rig):
    rig.add_order("51734")
    assert rig.run(at(23, 22)).planned == 1
    rig.clock.now = at(24, 7)
    rig.deliver_now("51734")
    assert rig.run(at(24, 8)).sent == [] and rig.sent == []
    [notice] = rig.notices()
    assert (notice.state, notice.skipped_reason, notice.conversation_id) == (
        NoticeState.SKIPPED, "no_longer_late", None)


def test_a_reply_to_the_notice_reaches_the_engine_with_the_order_it_is_about(make_gateway, tmp_path):
    engine_turns = FakeEngine(keywords={"paczka": "order_status"})
    with served(engine_turns) as engine:
        gateway = make_gateway(f"sqlite:///{tmp_path / 'koliber.db'}", engine=engine.address,
                               clock=ManualClock(at(24, 9)), KOLIBER_DELAY_NOTICES="true")
        add_order(gateway.sessions, "51734")
        done = gateway.client.portal.call(gateway.client.app.state.delay_notices.run)
        [notice_text] = gateway.twilio.wait_for_messages(PIOTR, 1)
        assert len(done.sent) == 1 and "51734" in notice_text

        for sid, sender in (("SM" + "1" * 32, PIOTR), ("SM" + "2" * 32, "+48600000009")):
            gateway.twilio_webhook({"From": sender, "To": gateway.settings.twilio_sms_from, "MessageSid": sid,
                                    "Body": "Gdzie jest moja paczka?"})
        turns = wait_until(lambda: engine.received if len(engine.received) == 2 else None, 10, "both turns")
    [notice] = stored_notices(gateway.sessions)
    [reply] = [turn for turn in turns if turn.sender == notice.conversation_id]
    [stranger] = [turn for turn in turns if turn.sender != notice.conversation_id]
    assert reply.metadata["vouched_order"] == "51734" and reply.metadata["channel"] == "sms"
    assert "vouched_order" not in stranger.metadata


def test_both_languages_have_every_notice_text_with_the_same_placeholders():
    texts = yaml.safe_load((PROJECT_ROOT / "config" / "delay_notices.yml").read_text(encoding="utf-8"))
    assert set(texts) == {"pl", "en"} and set(texts["pl"]) == set(texts["en"])
    for key, polish in texts["pl"].items():
        english = texts["en"][key]
        assert bool(polish.strip()) == bool(english.strip()), key
        assert ({name for _, name, _, _ in string.Formatter().parse(polish) if name}
                == {name for _, name, _, _ in string.Formatter().parse(english) if name}), key
    assert all(cause.value in texts["pl"] and f"offer_{cause.value}" in texts["pl"] for cause in DelayCause)


def test_the_job_runs_every_interval_and_when_the_quiet_hours_end(rig):
    quiet = rig.notifier.quiet

    async def next_runs() -> dict[str, datetime | None]:
        job = DelayNoticeJob(rig.notifier, make_engine("sqlite://"), 15, quiet)
        job.start()
        try:
            return job.next_runs()
        finally:
            job.shutdown()
    runs = asyncio.run(next_runs())
    assert runs["delay-notices-morning"].astimezone(quiet.zone).time() == time(8, 0)
    assert runs["delay-notices"] - datetime.now(timezone.utc) <= timedelta(minutes=15)
