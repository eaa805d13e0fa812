"""Finds late orders, records one delay notice per order and cause, and sends the notices that are
due: each in a conversation of its own that already knows the order, stored before it is sent, and
sent through the outbox (retried until the provider takes it). Quiet hours hold planned notices
back; an opt-out (or a STOP reply) skips them for good."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.conversations.delivery import Delivery
from bot.conversations.identity import contact_for_phone
from bot.conversations.replies import SystemReplies
from bot.conversations.texts import GatewayTexts
from bot.conversations.views import message_view
from bot.models.conversation import Author, Channel, Contact, Conversation, ConversationState, Message
from bot.models.feedback import ContactOptOut
from bot.models.notices import DelayCause, DelayNotice, NoticeState
from bot.models.survey import SurveyOptOut
from bot.notices.routing import NOTICE_CHANNELS, QuietHours, Route, choose_route, opt_out_address
from db.sessions import read, write
from shop import delays
from shop.calendar import BusinessCalendar
from shop.models import Customer, Order, OrderStatus, Shipment
from shop.policy import ShopPolicy
from shop.service import order_view
from text import formatting

# ContactOptOut.topic of "no more notices".
NOTICES_TOPIC = "notices"
# A reply that is only one of these words (Twilio's opt-out keywords) stops notices to that number.
STOP_WORDS = ("stop", "stop.", "stop!", "stopall", "unsubscribe")
# WhatsApp refuses a business's free-form message (no approved template) this long after the
# customer's last one: the notice then goes by SMS.
WHATSAPP_WINDOW = timedelta(hours=24)
# DelayNotice.skipped_reason
TOLD_WITH_ANOTHER = "told_with_another"  # late for several reasons at once: the first one is told
OPTED_OUT = "opted_out"
UNREACHABLE = "no_address"
NO_LONGER_LATE = "no_longer_late"  # delivered, dispatched or cancelled while the notice waited


@dataclass
class NoticeRound:
    """What one run of the job did."""

    planned: int = 0
    sent: list[int] = field(default_factory=list)  # notice ids
    skipped: int = 0
    held_back: bool = False  # quiet hours: planned notices wait


class DelayNotifier:
    def __init__(self, sessions: sessionmaker[Session], delivery: Delivery, texts: GatewayTexts, policy: ShopPolicy,
                 quiet: QuietHours, silent_business_days: int, clock: Callable[[], datetime],
                 channels: frozenset[Channel] = frozenset(NOTICE_CHANNELS)) -> None:
        self._sessions = sessions
        self._delivery = delivery
        self._texts = texts
        self._policy = policy
        self._calendar = BusinessCalendar(policy.calendar, policy.shop.timezone)
        self.quiet = quiet
        self._silent_days = silent_business_days
        self._clock = clock
        self._channels = channels
        self._running = asyncio.Lock()  # the interval and the end of the quiet hours may fire together

    async def run_once(self) -> NoticeRound:
        """Records the notices newly found, then sends those due (none in the quiet hours)."""
        async with self._running:
            done = NoticeRound()
            done.planned, done.skipped = await write(self._sessions, self._plan)
            if self.quiet.cover(self._clock()):
                done.held_back = True
                return done
            for notice_id in await read(self._sessions, _planned_ids):
                prepared = await write(self._sessions,
                                       lambda session, notice_id=notice_id: self._prepare(session, notice_id))
                if prepared is None:
                    done.skipped += 1
                    continue
                conversation_id, channel, view = prepared
                await self._delivery.deliver(conversation_id, channel, [view])
                done.sent.append(notice_id)
            return done

    # --- finding --------------------------------------------------------------------------------
    def _plan(self, session: Session) -> tuple[int, int]:
        """A PLANNED notice for each order late for a reason not yet noticed (one per order in a run,
        the most telling; the others are recorded as told with it). Returns (planned, skipped)."""
        now = self._clock()
        orders = session.scalars(_watched_orders()).all()
        noticed = set(session.execute(select(DelayNotice.order_id, DelayNotice.cause)
                                      .where(DelayNotice.order_id.in_([order.id for order in orders]))).all())
        planned = skipped = 0
        for order in orders:
            found = [delay for delay in delays.find_delays(order_view(order), self._calendar, now, self._silent_days)
                     if (order.id, DelayCause(delay.cause)) not in noticed]
            if not found:
                continue
            route, language = self._route(session, order.customer, now)
            first, *rest = found
            session.add(DelayNotice(order_id=order.id, cause=DelayCause(first.cause), state=NoticeState.PLANNED,
                                    channel=route.channel if route else None, address=route.address if route else None,
                                    language=language, new_expected_date=first.new_expected_date, found_at=now))
            session.add_all(DelayNotice(order_id=order.id, cause=DelayCause(delay.cause), state=NoticeState.SKIPPED,
                                        skipped_reason=TOLD_WITH_ANOTHER, language=language, found_at=now)
                            for delay in rest)
            planned, skipped = planned + 1, skipped + len(rest)
        return planned, skipped

    def _route(self, session: Session, customer: Customer, now: datetime) -> tuple[Route | None, str]:
        """Where to tell the customer (the channel they last wrote on, else SMS, else e-mail) and in
        which language (the one they last wrote in, else their account's)."""
        latest = _latest_conversation(session, customer, None)
        messaging = _latest_conversation(session, customer, NOTICE_CHANNELS)
        language = self._texts.language(latest.language if latest else customer.language)
        preferred = messaging.channel if messaging else None
        if preferred == Channel.WHATSAPP and messaging.last_activity_at < now - WHATSAPP_WINDOW:
            preferred = None  # WhatsApp takes a business's free text only within 24 h of the customer's
        route = choose_route(preferred, customer.phone, customer.email, self._channels)
        return route, language

    # --- sending --------------------------------------------------------------------------------
    def _prepare(self, session: Session, notice_id: int) -> tuple[str, Channel, dict] | None:
        """Claims a planned notice and writes it into a new conversation for the order (stored, and
        queued in the outbox, in this transaction); None when it is skipped instead."""
        claimed = session.execute(update(DelayNotice).where(DelayNotice.id == notice_id,
                                                            DelayNotice.state == NoticeState.PLANNED)
                                  .values(state=NoticeState.SENT).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            return None
        notice = session.get(DelayNotice, notice_id)
        session.refresh(notice)
        now = self._clock()
        order = session.scalars(_watched_orders(everything=True).where(Order.id == notice.order_id)).one()
        still = {delay.cause: delay for delay in
                 delays.find_delays(order_view(order), self._calendar, now, self._silent_days)}
        delay = still.get(notice.cause.value)
        # Chosen again now: the customer may have written since, and WhatsApp's window moves on overnight.
        route, notice.language = self._route(session, order.customer, now)
        notice.channel, notice.address = (route.channel, route.address) if route else (None, None)
        reason = (NO_LONGER_LATE if delay is None else UNREACHABLE if notice.address is None
                  else OPTED_OUT if self._opted_out(session, notice.address, now) else None)
        if reason is not None:
            notice.state, notice.skipped_reason = NoticeState.SKIPPED, reason
            return None
        notice.new_expected_date = delay.new_expected_date
        text = self.compose(notice.cause, order, delay, notice.channel, notice.language)
        conversation = Conversation(
            id=str(uuid.uuid4()), channel=notice.channel, address=notice.address, language=notice.language,
            subject=self._texts.say("subject", notice.language, order=order.number)
            if notice.channel == Channel.EMAIL else None,
            # The shop wrote to the order's own number or address: a reply needs no verification for it.
            verified_order=order.number, state=ConversationState.BOT, pending_data={}, created_at=now,
            last_activity_at=now)
        if notice.channel != Channel.EMAIL:
            conversation.contact = contact_for_phone(session, opt_out_address(notice.address))
        session.add(conversation)
        session.flush()
        message = SystemReplies.outbound(session, conversation, Author.SYSTEM, text, None, now)
        notice.text, notice.sent_at, notice.conversation_id = text, now, conversation.id
        session.flush()
        return conversation.id, conversation.channel, message_view(message)

    def compose(self, cause: DelayCause, order: Order, delay: delays.Delay, channel: Channel, language: str) -> str:
        """The notice: what happened, the new date (or that it is not known yet), what the customer can do."""
        channel_name = channel.value
        event = self._policy.tracking_events.get(delay.event_code or "")
        values = {"shop": self._policy.shop.name.in_(language), "order": order.number,
                  "event": event.in_(language) if event else delay.event_code or "",
                  "promised": formatting.day(order.shipment.promised_delivery_date, language) if order.shipment else ""}
        if delay.new_expected_date is not None:
            when = self._texts.say("new_date", language, channel_name,
                                   date=formatting.day(delay.new_expected_date, language))
        else:
            when = self._texts.say("no_new_date", language, channel_name)
        parts = [self._texts.say(cause.value, language, channel_name, **values), when,
                 self._texts.say(f"offer_{cause.value}", language, channel_name),
                 self._texts.say("reply", language, channel_name), self._texts.say("opt_out", language, channel_name)]
        return ("\n\n" if channel == Channel.EMAIL else " ").join(part for part in parts if part)

    @staticmethod
    def _opted_out(session: Session, address: str, now: datetime) -> bool:
        """The customer said no more notices: an opt-out on record, "don't call me again" from a
        survey call, or a STOP reply from the number (recorded as an opt-out when first seen)."""
        key = opt_out_address(address)
        if session.scalar(select(exists().where(ContactOptOut.address == key, ContactOptOut.topic == NOTICES_TOPIC))):
            return True
        if not key.startswith("+"):
            return False
        if session.scalar(select(exists().where(SurveyOptOut.phone == key))):
            return True
        stopped_on = session.scalar(
            select(Conversation.channel).join(Message, Message.conversation_id == Conversation.id)
            .where(Conversation.address.in_((key, f"whatsapp:{key}")), Message.author == Author.CUSTOMER,
                   func.lower(func.trim(Message.text)).in_(STOP_WORDS)).limit(1))
        if stopped_on is None:
            return False
        session.add(ContactOptOut(address=key, topic=NOTICES_TOPIC, channel=stopped_on, created_at=now))
        return True


def _watched_orders(everything: bool = False):
    """Orders that can be late (all orders when `everything`), with what the rules read."""
    query = select(Order).options(selectinload(Order.customer), selectinload(Order.payments),
                                  selectinload(Order.shipment).selectinload(Shipment.events))
    if not everything:
        query = query.where(Order.status.in_([OrderStatus(status) for status in delays.WATCHED_STATUSES]))
    return query.order_by(Order.id)


def _planned_ids(session: Session) -> list[int]:
    return list(session.scalars(select(DelayNotice.id).where(DelayNotice.state == NoticeState.PLANNED)
                                .order_by(DelayNotice.id)))


def _latest_conversation(session: Session, customer: Customer,
                         channels: tuple[Channel, ...] | None) -> Conversation | None:
    """The customer's latest real conversation (on `channels`): from their number or address, or
    linked to them by a verified order."""
    addresses = [customer.email.lower()]
    if customer.phone:
        addresses += [customer.phone, f"whatsapp:{customer.phone}"]
    theirs = select(Contact.id).where(Contact.shop_customer_id == customer.id)
    query = (select(Conversation).where(or_(Conversation.address.in_(addresses), Conversation.contact_id.in_(theirs)),
                                        Conversation.demo.is_(False))
             .order_by(Conversation.last_activity_at.desc()).limit(1))
    if channels is not None:
        query = query.where(Conversation.channel.in_(channels))
    return session.scalar(query)
