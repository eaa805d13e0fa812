"""Each dashboard definition on hand-built conversations, Polish and English customers alike: no database."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.analytics import definitions as d
from bot.analytics.definitions import (
    ConversationRecord,
    FallbackMessage,
    NoticeRecord,
    RatingRecord,
    SurveyRecord,
    TicketRecord,
)
from bot.handoff.hours import WorkingHours, load_handoff_config
from bot.settings import PROJECT_ROOT

# Monday 23 November 2026, 10:00 in Warsaw (UTC+1).
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SHOP_HOURS = WorkingHours(load_handoff_config(PROJECT_ROOT / "config" / "handoff.yml")).opening_hours


def at(hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, days=days)


def chat(id: str, customer: str = "contact:1", start: datetime = T0, intents: tuple[str, ...] = ("order_status",),
         order: str | None = None, tickets: tuple[TicketRecord, ...] = (), channel: str = "web",
         language: str = "pl") -> ConversationRecord:
    return ConversationRecord(id, channel, language, customer, start, start + timedelta(minutes=5), intents, order,
                              tickets)


def ticket(status: str = "resolved", claimed: bool = True, kind: str = "live", reason: str = "complaint",
           opened: datetime = T0, wait_s: int = 30, reply_s: int | None = 20, handle_s: int = 300,
           agent: str = "Anna", id: int = 1) -> TicketRecord:
    claimed_at = opened + timedelta(seconds=wait_s) if claimed else None
    closed = (claimed_at or opened) + timedelta(seconds=handle_s) if status in ("resolved", "returned") else None
    reply = claimed_at + timedelta(seconds=reply_s) if claimed_at and reply_s is not None else None
    return TicketRecord(id, kind, status, reason, opened, claimed_at, closed, agent if claimed else None, reply)


# --- containment -----------------------------------------------------------------------------------
def test_a_conversation_the_bot_finished_with_no_repeat_is_contained():
    only = [chat("a")]
    assert d.containment(only, only) == d.Share(1, 1)
    assert d.containment(only, only).pct == 100.0


def test_a_handoff_is_not_contained():
    handed = [chat("a", tickets=(ticket(),))]
    assert d.containment(handed, handed).count == 0


@pytest.mark.parametrize("later_start, later_intents, later_order, repeated", [
    (at(days=3), ("greet", "order_status"), None, True),  # same topic after small talk, 3 days later
    (at(days=6.9), ("return_policy",), "48213", True),  # another topic, but the same order
    (at(days=8), ("order_status",), None, False),  # more than 7 days after it ended
    (at(days=2), ("return_policy",), None, False),  # another topic, no order in common
])
def test_a_repeat_contact_about_the_same_order_or_topic_within_7_days_undoes_containment(
        later_start, later_intents, later_order, repeated):
    first = chat("a", order="48213")
    later = chat("b", start=later_start, intents=later_intents, order=later_order)
    assert d.contacted_again(first, [first, later]) is repeated
    assert d.containment([first], [first, later]).count == (0 if repeated else 1)


def test_another_customer_asking_the_same_is_no_repeat_and_an_english_repeat_on_whatsapp_is_one():
    first = chat("a", customer="contact:1", language="en", intents=("order_status",))
    stranger = chat("b", customer="contact:2", start=at(days=1), language="en")
    same_on_whatsapp = chat("c", customer="contact:1", start=at(days=1), channel="whatsapp", language="en")
    assert d.containment([first], [first, stranger]).count == 1
    assert d.containment([first], [first, same_on_whatsapp]).count == 0


def test_small_talk_alone_names_no_topic_so_two_greetings_are_not_the_same_issue():
    first, later = chat("a", intents=("greet",)), chat("b", start=at(days=1), intents=("greet", "thank"))
    assert first.topic is None
    assert d.containment([first], [first, later]).count == 1


# --- first-contact resolution --------------------------------------------------------------------------
def test_first_contact_resolution_counts_the_bot_and_people_but_not_open_or_unclaimed_tickets():
    conversations = [chat("bot", customer="c:1"),
                     chat("person", customer="c:2", tickets=(ticket("resolved"),)),
                     chat("returned", customer="c:3", tickets=(ticket("returned"),)),
                     chat("waiting", customer="c:4", tickets=(ticket("queued", claimed=False),)),
                     chat("abandoned", customer="c:5", tickets=(ticket("returned", claimed=False),))]
    assert d.first_contact_resolution(conversations, conversations) == d.Share(3, 5)
    assert d.containment(conversations, conversations) == d.Share(1, 5)


def test_a_resolved_ticket_with_a_repeat_contact_is_not_first_contact_resolution():
    first = chat("a", tickets=(ticket("resolved"),), order="48213")
    again = chat("b", start=at(days=1), intents=("complaint",), order="48213")
    assert d.first_contact_resolution([first], [first, again]).count == 0


# --- handoffs, CSAT, NPS -------------------------------------------------------------------------------
def test_handoff_rate_and_reasons():
    conversations = [chat("a", tickets=(ticket(reason="complaint"),)), chat("b"),
                     chat("c", tickets=(ticket(reason="customer_request"), ticket(reason="complaint", id=2))),
                     chat("d")]
    assert d.handoff_rate(conversations) == d.Share(2, 4)
    assert d.handoff_reasons(conversations) == [("complaint", 2), ("customer_request", 1)]


def test_csat_average_distribution_and_answer_rate():
    ratings = [RatingRecord(5, "web", "pl"), RatingRecord(4, "sms", "en"), RatingRecord(1, "web", "pl"),
               RatingRecord(None, "email", "pl")]
    result = d.csat(ratings)
    assert (result.asked, result.responses, result.average) == (4, 3, 3.33)
    assert result.distribution == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert (result.satisfied_pct, result.response_pct) == (66.7, 75.0)
    assert d.csat([]).average is None


def test_nps_and_its_trend_by_week_in_warsaw_time():
    # Sunday 22 November 23:30 in Warsaw is still the week of Monday 16 November.
    sunday_night = datetime(2026, 11, 22, 22, 30, tzinfo=timezone.utc)
    surveys = [SurveyRecord(10, "pl", sunday_night), SurveyRecord(3, "en", sunday_night),
               SurveyRecord(9, "pl", at()), SurveyRecord(8, "en", at()), SurveyRecord(6, "pl", at(days=1)),
               SurveyRecord(4, "en", at(days=2))]
    overall = d.nps(s.score for s in surveys)
    assert (overall.promoters, overall.passives, overall.detractors, overall.score) == (2, 1, 3, -17)
    weeks = d.nps_by_week(surveys)
    assert [(week.isoformat(), result.score, result.responses) for week, result in weeks] == [
        ("2026-11-16", 0, 2), ("2026-11-23", -25, 4)]


# --- agents and the queue --------------------------------------------------------------------------------
def test_first_response_and_handle_time_per_agent():
    tickets = [ticket(wait_s=30, reply_s=20, handle_s=300, agent="Anna"),
               ticket(wait_s=30, reply_s=40, handle_s=500, agent="Anna", id=2),
               ticket(wait_s=30, reply_s=None, handle_s=100, agent="Tom", id=3),
               ticket("queued", claimed=False, id=4)]
    overall, per_agent = d.agent_times(tickets)
    assert (overall.tickets, overall.first_response_median, overall.handle_median) == (3, 30, 300)
    assert per_agent == [d.AgentTimes("Anna", 2, 30, 400), d.AgentTimes("Tom", 1, None, 100)]


def test_open_seconds_count_only_the_shops_opening_hours():
    # Friday 20 November 2026: open 8-20 in Warsaw; Saturday 9-15; Sunday closed.
    friday_19_59 = datetime(2026, 11, 20, 18, 59, tzinfo=timezone.utc)
    saturday_9_00_30 = datetime(2026, 11, 21, 8, 0, 30, tzinfo=timezone.utc)
    assert d.open_seconds(friday_19_59, saturday_9_00_30, SHOP_HOURS) == 90
    saturday_15 = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)
    monday_8_01 = datetime(2026, 11, 23, 7, 1, tzinfo=timezone.utc)
    assert d.open_seconds(saturday_15, monday_8_01, SHOP_HOURS) == 60  # nobody waits through Sunday
    assert d.open_seconds(monday_8_01, friday_19_59, SHOP_HOURS) == 0


def test_queue_wait_abandonment_and_a_service_level_counted_in_business_hours():
    night = datetime(2026, 11, 20, 18, 59, tzinfo=timezone.utc)  # Friday 19:59, claimed Saturday 9:00:30
    tickets = [ticket(wait_s=20), ticket(wait_s=90, id=2),
               TicketRecord(3, "live", "resolved", "complaint", night, night + timedelta(hours=13, seconds=90),
                            night + timedelta(hours=14), "Anna"),
               ticket("returned", claimed=False, id=4),  # the customer left the queue
               ticket("queued", claimed=False, opened=at(hours=-2), id=5),  # waited 2 hours: gone
               ticket("queued", claimed=False, opened=at(hours=-0.1), id=6),  # still waiting: not counted yet
               ticket(kind="message", wait_s=4000, id=7)]  # left a message: not a live chat
    stats = d.queue_stats(tickets, now=T0, target_seconds=60, opening_hours=SHOP_HOURS)
    assert (stats.live_tickets, stats.answered, stats.abandoned) == (5, 3, 2)
    assert stats.within_target == 1  # 20 s; the night chat waited 90 business seconds, like the second
    assert (stats.service_level_pct, stats.abandonment_pct) == (20.0, 40.0)
    assert stats.wait_median == 90
    assert d.queue_stats(tickets, T0, 90, SHOP_HOURS).within_target == 3


# --- volume and fallbacks ---------------------------------------------------------------------------------
def test_volume_by_channel_language_topic_and_hour_of_the_week():
    conversations = [chat("a", channel="web", language="pl"),  # Monday 10:xx in Warsaw
                     chat("b", channel="sms", language="en", start=at(hours=10)),  # Monday 20:xx
                     chat("c", channel="web", language="pl", intents=("greet",), start=at(days=6))]  # Sunday 10:xx
    volume = d.volume(conversations)
    assert volume.by_channel == [("web", 2), ("sms", 1)]
    assert volume.by_language == [("pl", 2), ("en", 1)]
    assert volume.by_intent == [("order_status", 2), ("", 1)]
    assert volume.by_hour_of_week[0][10] == 1 and volume.by_hour_of_week[0][20] == 1
    assert volume.by_hour_of_week[6][10] == 1
    assert sum(map(sum, volume.by_hour_of_week)) == 3


def test_fallbacks_group_intents_and_phrases_in_both_languages():
    messages = [FallbackMessage("Gdzie jest moja paczka?!", "nlu_fallback", 0.1, "pl", "web"),
                FallbackMessage("gdzie jest moja  paczka", "nlu_fallback", 0.15, "pl", "sms"),
                FallbackMessage("parcel lost or something", "order_status", 0.3, "en", "web"),
                FallbackMessage("where is my order", "order_status", 0.95, "en", "web")]  # understood: not missed
    result = d.fallbacks(messages, confidence_threshold=0.4)
    assert result.messages == 3
    assert result.by_intent == [("nlu_fallback", 2), ("order_status", 1)]
    assert result.phrases == [d.Phrase("Gdzie jest moja paczka?!", 2, "nlu_fallback", "pl"),
                              d.Phrase("parcel lost or something", 1, "order_status", "en")]


# --- delay notices -------------------------------------------------------------------------------------------
def test_where_is_my_order_contacts_per_100_shipped_before_and_after_the_first_notice():
    first_notice = at(days=10)
    shipped = [at(days=day) for day in range(20)] * 5  # 50 shipped before the first notice, 50 after
    conversations = ([chat(f"b{n}", start=at(days=n)) for n in range(5)]  # 5 asked before
                     + [chat(f"a{n}", start=at(days=10 + n)) for n in range(2)]  # 2 asked after
                     + [chat("other", start=at(days=12), intents=("return_policy",))])
    notices = [NoticeRecord(at(days=10), "carrier_exception", "sms", "pl"),
               NoticeRecord(at(days=11), "no_tracking", "email", "en")]
    before, after = d.wismo_before_after(T0, at(days=20), first_notice, shipped, conversations, notices)
    assert (before.shipped, before.contacts, before.contacts_per_100, before.notices) == (50, 5, 10.0, 0)
    assert (after.shipped, after.contacts, after.contacts_per_100, after.notices_per_100) == (50, 2, 4.0, 4.0)
    whole, none = d.wismo_before_after(T0, at(days=20), None, shipped, conversations, [])
    assert (whole.shipped, whole.contacts, none) == (100, 7, None)
