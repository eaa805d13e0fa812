"""Whom to call and when, with a pinned clock, on SQLite and PostgreSQL: once per order, only
delivered orders old enough, opt-outs and the do-not-call list, attempts with back-off driven
by Twilio's status callbacks, voicemail then the SMS link."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.models.conversation import Channel, Contact, Conversation, ConversationState
from bot.models.survey import Survey, SurveyOptOut, SurveyState
from bot.settings import PROJECT_ROOT
from bot.surveys.config import SurveyConfig
from bot.surveys.planner import SurveyPlanner
from contracts.survey_result import SurveyOutcome
from db.sessions import session_factory, unit_of_work
from shop.models import OrderStatus
from shop.policy import load_policy
from shop.service import SqlShopService
from testing.shop_rows import delivered_order
from testing.shop_scenario import scenario_orders
from tests.shop.platforms.conftest import platform_shop_on

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=WARSAW)  # a Tuesday morning


@pytest.fixture
def sessions(migrated_engine):
    return session_factory(migrated_engine)


def planner(sessions, **config) -> SurveyPlanner:
    shop = SqlShopService(sessions, load_policy(PROJECT_ROOT / "config" / "shop_policy.yml"), clock=lambda: NOW)
    return SurveyPlanner(sessions, SurveyConfig(**{"retry_after_minutes": [120, 1440], **config}), shop)


def add_order(sessions, days_ago: float, **fields) -> str:
    with unit_of_work(sessions) as session:
        return delivered_order(session, NOW - timedelta(days=days_ago), **fields).number


def survey_of(sessions, order_number: str) -> Survey | None:
    with sessions() as session:
        return session.scalar(select(Survey).where(Survey.order_number == order_number))


def test_picks_delivered_orders_old_enough_once_each(sessions):
    due = add_order(sessions, 4)
    too_fresh = add_order(sessions, 1)
    too_old = add_order(sessions, 40)
    no_phone = add_order(sessions, 5, phone=None)
    not_delivered = add_order(sessions, 5, status=OrderStatus.REFUNDED)
    surveys = planner(sessions)
    opened = surveys.select_due_orders(NOW)
    assert len(opened) == 1 and survey_of(sessions, due).id == opened[0]
    assert all(survey_of(sessions, order) is None for order in (too_fresh, too_old, no_phone, not_delivered))
    assert surveys.select_due_orders(NOW) == []  # once per order, however often the round runs
    assert surveys.select_due_orders(NOW + timedelta(days=3)) != []  # the fresh one is due by then
    assert survey_of(sessions, too_fresh) is not None


def test_opted_out_and_do_not_call_numbers_are_never_picked(sessions):
    opted = add_order(sessions, 4, phone="+48 600 000 111")
    listed = add_order(sessions, 4, phone="+48600000222")
    with unit_of_work(sessions) as session:
        session.add(SurveyOptOut(phone="+48600000111", source="call", created_at=NOW))
    assert planner(sessions, do_not_call=["+48 600 000 222"]).select_due_orders(NOW) == []
    assert survey_of(sessions, opted) is None and survey_of(sessions, listed) is None


def test_language_from_earlier_conversations_then_orders_and_time_zone_from_the_country(sessions):
    english_chat = add_order(sessions, 4, phone="+48600000333", language="pl")
    german = add_order(sessions, 4, phone="+49151000444", language="en", country="DE")
    with unit_of_work(sessions) as session:
        contact = Contact(phone="+48600000333")
        session.add(Conversation(id="c-333", channel=Channel.SMS, address="+48600000333", language="en",
                                 state=ConversationState.BOT, pending_data={}, created_at=NOW, last_activity_at=NOW,
                                 contact=contact))
    planner(sessions).select_due_orders(NOW)
    assert survey_of(sessions, english_chat).language == "en"
    assert (survey_of(sessions, german).language, survey_of(sessions, german).time_zone) == ("en", "Europe/Berlin")


def test_a_survey_picked_on_sunday_is_called_on_monday_morning(sessions):
    order = add_order(sessions, 4)
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=WARSAW)
    surveys = planner(sessions)
    surveys.select_due_orders(sunday)
    survey = survey_of(sessions, order)
    assert survey.next_attempt_at == datetime(2026, 11, 30, 10, 0, tzinfo=WARSAW)
    assert surveys.due_surveys(sunday) == []
    assert surveys.begin_attempt(survey.id, sunday) is None
    monday = datetime(2026, 11, 30, 10, 5, tzinfo=WARSAW)
    assert surveys.due_surveys(monday) == [survey.id]
    request = surveys.begin_attempt(survey.id, monday)
    assert request is not None and request.phone == "+48600100200"
    assert surveys.begin_attempt(survey.id, monday) is None  # claimed: never two calls at once


def call(surveys: SurveyPlanner, survey_id: int, now: datetime, sid: str) -> None:
    request = surveys.begin_attempt(survey_id, now)
    assert request is not None, f"survey {survey_id} not callable at {now}"
    surveys.call_placed(request.call_id, sid)


def test_no_answer_and_busy_are_retried_with_back_off_up_to_the_limit(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions, max_attempts=3)
    [survey_id] = surveys.select_due_orders(NOW)
    call(surveys, survey_id, NOW, "CA1")
    assert surveys.apply_status("CA1", "ringing", None, None, NOW).applied
    assert surveys.apply_status("CA1", "no-answer", None, None, NOW).applied
    survey = survey_of(sessions, order)
    assert (survey.state, survey.attempts) == (SurveyState.SCHEDULED, 1)
    assert survey.next_attempt_at == NOW + timedelta(minutes=120)
    assert surveys.begin_attempt(survey_id, NOW + timedelta(minutes=60)) is None  # not yet
    second = NOW + timedelta(minutes=121)
    call(surveys, survey_id, second, "CA2")
    surveys.apply_status("CA2", "busy", None, None, second)
    # The second back-off (a day) lands on Wednesday 13:01, inside calling hours.
    assert survey_of(sessions, order).next_attempt_at == second + timedelta(minutes=1440)
    third = second + timedelta(minutes=1440)
    call(surveys, survey_id, third, "CA3")
    surveys.apply_status("CA3", "no-answer", None, None, third)
    survey = survey_of(sessions, order)
    assert (survey.state, survey.outcome, survey.attempts) == (SurveyState.FINISHED, SurveyOutcome.NO_ANSWER, 3)


def test_a_status_callback_twilio_retries_is_applied_once(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions, max_attempts=3)
    [survey_id] = surveys.select_due_orders(NOW)
    call(surveys, survey_id, NOW, "CA1")
    assert surveys.apply_status("CA1", "no-answer", None, None, NOW).applied
    again = surveys.apply_status("CA1", "no-answer", None, None, NOW + timedelta(seconds=5))
    assert not again.applied
    assert survey_of(sessions, order).attempts == 1
    assert survey_of(sessions, order).next_attempt_at == NOW + timedelta(minutes=120)


def test_an_attempt_whose_final_status_never_came_counts_as_failed_and_is_retried(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions, max_attempts=3, silent_call_minutes=60)
    [survey_id] = surveys.select_due_orders(NOW)
    call(surveys, survey_id, NOW, "CA1")
    surveys.apply_status("CA1", "ringing", None, None, NOW)
    assert surveys.expire_silent_calls(NOW + timedelta(minutes=30)) == 0  # maybe still talking
    assert survey_of(sessions, order).state == SurveyState.CALLING
    later = NOW + timedelta(minutes=61)
    assert surveys.expire_silent_calls(later) == 1
    survey = survey_of(sessions, order)
    assert (survey.state, survey.attempts, survey.next_attempt_at) == (SurveyState.SCHEDULED, 1,
                                                                        later + timedelta(minutes=120))
    # The lost callback turning up after all changes nothing; the retry goes ahead.
    surveys.apply_status("CA1", "completed", "human", 30, later)
    assert survey_of(sessions, order).state == SurveyState.SCHEDULED
    assert surveys.expire_silent_calls(later + timedelta(minutes=61)) == 0


def test_voicemail_is_retried_then_the_last_one_sends_the_link(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions, max_attempts=2, retry_after_minutes=[60])
    [survey_id] = surveys.select_due_orders(NOW)
    call(surveys, survey_id, NOW, "CA1")
    first = surveys.apply_status("CA1", "completed", "machine_end_beep", 12, NOW)
    assert first.send_link_to is None
    assert survey_of(sessions, order).state == SurveyState.SCHEDULED
    later = NOW + timedelta(minutes=61)
    call(surveys, survey_id, later, "CA2")
    assert surveys.apply_status("CA2", "completed", "machine_start", 9, later).send_link_to == survey_id
    survey = survey_of(sessions, order)
    assert (survey.state, survey.outcome) == (SurveyState.FINISHED, SurveyOutcome.VOICEMAIL)
    no_sms = planner(sessions, max_attempts=1, after_last_voicemail="none")
    add_order(sessions, 4, phone="+48600999000")
    [other_id] = no_sms.select_due_orders(NOW)
    call(no_sms, other_id, NOW, "CA3")
    assert no_sms.apply_status("CA3", "completed", "machine_start", 9, NOW).send_link_to is None


def test_a_person_who_hangs_up_mid_survey_is_not_called_again(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions)
    [survey_id] = surveys.select_due_orders(NOW)
    call(surveys, survey_id, NOW, "CA1")
    surveys.apply_status("CA1", "completed", "human", 20, NOW)
    survey = survey_of(sessions, order)
    assert (survey.state, survey.outcome) == (SurveyState.FINISHED, SurveyOutcome.INCOMPLETE)


def test_opting_out_between_attempts_cancels_the_next_call(sessions):
    order = add_order(sessions, 4)
    surveys = planner(sessions)
    [survey_id] = surveys.select_due_orders(NOW)
    with unit_of_work(sessions) as session:
        session.add(SurveyOptOut(phone="+48600100200", source="chat", created_at=NOW))
    assert surveys.begin_attempt(survey_id, NOW) is None
    assert survey_of(sessions, order).outcome == SurveyOutcome.OPTED_OUT


@pytest.mark.parametrize("platform", ["woocommerce", "shopify", "baselinker"])
def test_orders_delivered_on_a_shop_platform_are_surveyed_once(shop_platforms, migrated_template, tmp_path, policy,
                                                                platform):
    fake = shop_platforms[platform]
    now = datetime.now(WARSAW)
    orders = scenario_orders(now)
    fake.faults.reset()
    fake.load(orders.values())
    shop = next(platform_shop_on(fake, migrated_template, tmp_path, policy))
    surveys = SurveyPlanner(shop.sessions, SurveyConfig(retry_after_minutes=[120, 1440]), shop.service)

    johns = orders["delivered"]  # delivered two days ago: due on the fourth day after delivery
    assert surveys.select_due_orders(now) == []
    [survey_id] = surveys.select_due_orders(now + timedelta(days=2))
    with shop.sessions() as session:
        survey = session.get(Survey, survey_id)
        assert (survey.order_number, survey.phone, survey.language, survey.customer_id) == (
            johns.number, "+447700900123", "en", None)  # a British address: English
        assert survey.categories == ["shoes", "underwear"]
    assert surveys.select_due_orders(now + timedelta(days=2)) == []  # once per order
