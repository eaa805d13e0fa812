"""Finds late orders, records one delay notice per order and cause, and sends the notices that are
due: each in a conversation of its own that already knows the order, stored before it is sent, and
sent through the outbox (retried until the provider takes it). Quiet hours hold planned notices
back; an opt-out (or a STOP reply) skips them for good.

Orders are read through the shop service, so the demo tables and a shop's platform are watched
alike; a platform that does not answer is read again on the next run, and nothing is sent from a
guess."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

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
from shop.order_views import OrderView
from shop.policy import ShopPolicy
from shop.policy_settings import PolicyInForce
from shop.service import ShopService

# ContactOptOut.topic of "no more notices".
NOTICES_TOPIC = "notices"
# A reply that is only one of these words (Twilio's opt-out keywords) stops notices to that number.
STOP_WORDS = ("stop", "stop.", "stop!", "stopall", "unsubscribe")
# WhatsApp refuses a business's free-form message (no approved template) this long after the
# customer's last one: the notice then goes by SMS.
WHATSAPP_WINDOW = timedelta(hours=24)
# Orders placed this long ago are watched: a parcel still missing a month after the order is already
# a person's case, and a platform is not paged through its whole history every few minutes.
WATCHED_FOR = timedelta(days=30)
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
    def __init__(self, sessions: sessionmaker[Session], shop: ShopService, delivery: Delivery, texts: GatewayTexts,
                 policy: ShopPolicy | Callable[[], ShopPolicy], quiet: QuietHours, silent_business_days: int,
                 clock: Callable[[], datetime], channels: frozenset[Channel] = frozenset(NOTICE_CHANNELS)) -> None:
        self._sessions = sessions
        self._shop = shop
        self._delivery = delivery
        self._texts = texts
        self._in_force = PolicyInForce(policy)  # the shop's calendar and cut-off as the owner last saved them
        self.quiet = quiet
        self._silent_days = silent_business_days
        self._clock = clock
        self._channels = channels
        self._running = asyncio.Lock()  # the interval and the end of the quiet hours may fire together

    async def run_once(self) -> NoticeRound:
        """Records the notices newly found, then sends those due (none in the quiet hours)."""
        async with self._running:
            done = NoticeRound()
            watched = await asyncio.to_thread(self._watched_orders)
            done.planned, done.skipped = await write(self._sessions, lambda session: self._plan(session, watched))
            if self.quiet.cover(self._clock()):
                done.held_back = True
                return done
            for notice_id, order_number in await read(self._sessions, _planned):
                order = await asyncio.to_thread(self._shop.get_order, order_number)
                prepared = await write(self._sessions, lambda session, notice_id=notice_id, order=order:
                                       self._prepare(session, notice_id, order))
                if prepared is None:
                    done.skipped += 1
                    continue
                conversation_id, channel, view = prepared
                await self._delivery.deliver(conversation_id, channel, [view])
                done.sent.append(notice_id)
            return done

    # --- finding --------------------------------------------------------------------------------
    def _watched_orders(self) -> list[OrderView]:
        """Orders that can be late (paid, not yet in the customer's hands), from the shop service."""
        placed_since = self._clock() - WATCHED_FOR
        return [order for order in self._shop.orders_placed_since(placed_since)
                if order.status in delays.WATCHED_STATUSES]

    def _plan(self, session: Session, orders: list[OrderView]) -> tuple[int, int]:
        """A PLANNED notice for each order late for a reason not yet noticed (one per order in a run,
        the most telling; the others are recorded as told with it). Returns (planned, skipped)."""
        now = self._clock()
        noticed = set(session.execute(select(DelayNotice.order_number, DelayNotice.cause)
                                      .where(DelayNotice.order_number.in_([order.number for order in orders]))).all())
        planned = skipped = 0
        for order in orders:
            found = [delay for delay in delays.find_delays(order, self._in_force.calendar(), now, self._silent_days)
                     if (order.number, DelayCause(delay.cause)) not in noticed]
            if not found:
                continue
            route, language = self._route(session, order, now)
            first, *rest = found
            session.add(DelayNotice(order_number=order.number, cause=DelayCause(first.cause),
                                    state=NoticeState.PLANNED, channel=route.channel if route else None,
                                    address=route.address if route else None, language=language,
                                    new_expected_date=first.new_expected_date, found_at=now))
            session.add_all(DelayNotice(order_number=order.number, cause=DelayCause(delay.cause),
                                        state=NoticeState.SKIPPED, skipped_reason=TOLD_WITH_ANOTHER,
                                        language=language, found_at=now)
                            for delay in rest)
            planned, skipped = planned + 1, skipped + len(rest)
        return planned, skipped

    def _route(self, session: Session, order: OrderView, now: datetime) -> tuple[Route | None, str]:
        """Where to tell the customer (the channel they last wrote on, else SMS, else e-mail) and in
        which language (the one they last wrote in, else their account's, else their country's)."""
        latest = _latest_conversation(session, order, None)
        messaging = _latest_conversation(session, order, NOTICE_CHANNELS)
        language = self._texts.language(latest.language if latest else order.language)
        preferred = messaging.channel if messaging else None
        if preferred == Channel.WHATSAPP and messaging.last_activity_at < now - WHATSAPP_WINDOW:
            preferred = None  # WhatsApp takes a business's free text only within 24 h of the customer's
        route = choose_route(preferred, order.customer_phone, order.customer_email, self._channels)
        return route, language

    # --- sending --------------------------------------------------------------------------------
    def _prepare(self, session: Session, notice_id: int, order: OrderView | None) -> tuple[str, Channel, dict] | None:
        """Claims a planned notice and writes it into a new conversation for the order as the shop
        has it now (stored, and queued in the outbox, in this transaction); None when it is skipped
        instead."""
        claimed = session.execute(update(DelayNotice).where(DelayNotice.id == notice_id,
                                                            DelayNotice.state == NoticeState.PLANNED)
                                  .values(state=NoticeState.SENT).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            return None
        notice = session.get(DelayNotice, notice_id)
        session.refresh(notice)
        now = self._clock()
        still = {delay.cause: delay for delay in
                 delays.find_delays(order, self._in_force.calendar(), now, self._silent_days)} if order else {}
        delay = still.get(notice.cause.value)
        if delay is None:
            notice.state, notice.skipped_reason = NoticeState.SKIPPED, NO_LONGER_LATE
            return None
        # Chosen again now: the customer may have written since, and WhatsApp's window moves on overnight.
        route, notice.language = self._route(session, order, now)
        notice.channel, notice.address = (route.channel, route.address) if route else (None, None)
        reason = (UNREACHABLE if notice.address is None
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

    def compose(self, cause: DelayCause, order: OrderView, delay: delays.Delay, channel: Channel, language: str) -> str:
        """The notice: what happened, the new date (or that it is not known yet), what the customer can do."""
        channel_name = channel.value
        policy = self._in_force.policy()
        event = policy.tracking_events.get(delay.event_code or "")
        values = {"shop": policy.shop.name.in_(language), "order": order.number,
                  "event": event.in_(language) if event else delay.event_code or "",
                  # dates stay dates: the text says which preposition's case they take ({promised:by_day})
                  "promised": order.shipment.promised_delivery_date if order.shipment else None}
        if delay.new_expected_date is not None:
            when = self._texts.say("new_date", language, channel_name, date=delay.new_expected_date)
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


def _planned(session: Session) -> list[tuple[int, str]]:
    """The planned notices' ids and order numbers."""
    return [tuple(row) for row in session.execute(select(DelayNotice.id, DelayNotice.order_number)
                                                  .where(DelayNotice.state == NoticeState.PLANNED)
                                                  .order_by(DelayNotice.id))]


def _latest_conversation(session: Session, order: OrderView,
                         channels: tuple[Channel, ...] | None) -> Conversation | None:
    """The order's customer's latest real conversation (on `channels`): from their number or address,
    or linked to them (a demo-shop customer) by a verified order."""
    addresses = [order.customer_email.lower()]
    if order.customer_phone:
        addresses += [order.customer_phone, f"whatsapp:{order.customer_phone}"]
    theirs = Conversation.address.in_(addresses)
    if order.customer_id is not None:
        theirs = or_(theirs, Conversation.contact_id.in_(select(Contact.id)
                                                          .where(Contact.shop_customer_id == order.customer_id)))
    query = (select(Conversation).where(theirs, Conversation.demo.is_(False))
             .order_by(Conversation.last_activity_at.desc()).limit(1))
    if channels is not None:
        query = query.where(Conversation.channel.in_(channels))
    return session.scalar(query)
