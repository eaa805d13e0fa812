"""The NPS survey's pages in headless Chromium against a real gateway (engine down): the page an
SMS link opens after every call reached voicemail, and the NPS report in the agent console; and
the same report as JSON from the API."""

import csv
import io
import itertools
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.conversation import Author, Channel, Conversation, ConversationState, Message
from bot.models.handoff import Ticket, TicketKind
from bot.models.survey import Survey, SurveyState
from bot.persistence.migrate import upgrade
from bot.settings import PROJECT_ROOT
from bot.surveys.results import DETRACTOR_REASON, link_token_hash
from contracts.survey_result import SurveyOutcome
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from shop.models import Customer, Order, OrderItem, OrderStatus, Shipment
from testing.served import ServedApp
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, DEAD_ENGINE, gateway_settings

PASSWORD = "agent-password"
TOKEN = "sms-link-token-4f1c9a"
PHONE = "+48600100200"
ZONE = ZoneInfo("Europe/Warsaw")  # config/surveys.yml default_time_zone
PAGE_TEXTS = yaml.safe_load((PROJECT_ROOT / "config" / "widget_texts.yml").read_text(encoding="utf-8"))["survey_page"]
_numbers = itertools.count(81001)


@pytest.fixture
def database(tmp_path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    database_url = f"sqlite:///{tmp_path / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    yield database_url, session_factory(engine)
    engine.dispose()


@pytest.fixture
def site(database, twilio_cloud) -> Iterator[str]:
    """The gateway on a real port (the browser needs one), in front of no engine."""
    settings = gateway_settings(database[0], DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud)
    with ServedApp(create_app(settings)) as server:
        yield server.base_url


def shop_order(session: Session, language: str, categories: list[str], placed_at: datetime) -> Order:
    number = str(next(_numbers))
    customer = Customer(email=f"c{number}@example.pl", full_name="Jan Kowalski", phone=PHONE, language=language,
                        created_at=placed_at - timedelta(days=30))
    order = Order(number=number, customer=customer, status=OrderStatus.DELIVERED, currency="PLN",
                  items_total=Decimal("199.00"), shipping_cost=Decimal("0"), shipping_method="courier",
                  delivery_name="Jan Kowalski", delivery_street="ul. Polna 5", delivery_postcode="00-001",
                  delivery_city="Warszawa", delivery_country="PL", placed_at=placed_at, cancelled_at=None)
    for category in categories:
        order.items.append(OrderItem(sku=f"SKU-{number}-{category}", name=category.title(), category=category,
                                     quantity=1, unit_price=Decimal("99.50")))
    delivered = placed_at + timedelta(days=2)
    order.shipment = Shipment(carrier="InPost", tracking_number=f"TRK{number}", shipped_at=placed_at + timedelta(days=1),
                              promised_delivery_date=date(delivered.year, delivered.month, delivered.day),
                              delivered_at=delivered)
    session.add(order)
    session.flush()
    return order


def finished_survey(session: Session, language: str, finished_at: datetime, *, score: int | None = None,
                    reason: str | None = None, categories: tuple[str, ...] = ("shoes",),
                    outcome: SurveyOutcome = SurveyOutcome.COMPLETED) -> Survey:
    order = shop_order(session, language, list(categories), finished_at - timedelta(days=5))
    survey = Survey(order_number=order.number, customer_id=order.customer_id, categories=sorted(categories),
                    phone=PHONE, language=language,
                    time_zone="Europe/Warsaw", state=SurveyState.FINISHED, outcome=outcome, attempts=1,
                    score=score, reason=reason, answered_via="phone" if score is not None else None,
                    created_at=finished_at - timedelta(hours=2), finished_at=finished_at)
    session.add(survey)
    session.flush()
    return survey


def voicemail_survey_with_link(sessions: sessionmaker[Session], language: str = "pl") -> tuple[int, str, str]:
    """A survey every call of which reached voicemail, its SMS link sent: (survey id, order number, conversation id)."""
    now = utcnow()
    with unit_of_work(sessions) as session:
        survey = finished_survey(session, language, now - timedelta(hours=1), outcome=SurveyOutcome.VOICEMAIL)
        survey.attempts = 3
        conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.SMS, address=PHONE, language=language,
                                    state=ConversationState.BOT, pending_data={}, created_at=now,
                                    last_activity_at=now)
        session.add(conversation)
        survey.link_token_hash, survey.link_sent_at = link_token_hash(TOKEN), now
        survey.link_conversation_id = conversation.id
        return survey.id, survey.order_number, conversation.id


# --- the SMS link's survey page -------------------------------------------------------------

def test_a_customer_answers_the_survey_from_the_sms_link_in_polish(browser, site, database):
    sessions = database[1]
    survey_id, order_number, conversation_id = voicemail_survey_with_link(sessions, "pl")
    texts = PAGE_TEXTS["pl"]
    page = browser.new_context().new_page()

    page.goto(f"{site}/survey/{TOKEN}")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page).to_have_title(texts["title"])
    expect(page.locator("h1")).to_have_text(texts["heading"])
    expect(page.locator("main")).to_contain_text(texts["intro"].format(order=order_number))
    expect(page.locator("legend")).to_have_text(texts["question"])
    expect(page.locator("input[name=score]")).to_have_count(11)

    page.locator(".scale label").filter(has_text=re.compile(r"^\s*3\s*$")).click()
    expect(page.locator("input[name=score][value='3']")).to_be_checked()
    page.fill("#reason", "Paczka przyszła zgnieciona, a kurier był niemiły.")
    page.locator("input[name=callback]").check()
    page.get_by_role("button", name=texts["submit"]).click()

    expect(page.locator("#survey-state")).to_have_attribute("data-state", "thanks")
    expect(page.locator("#survey-state")).to_have_text(texts["thanks"])
    expect(page.locator("form#survey")).to_have_count(0)

    with sessions() as session:
        survey = session.get(Survey, survey_id)
        assert (survey.score, survey.reason, survey.answered_via, survey.callback_requested) == (
            3, "Paczka przyszła zgnieciona, a kurier był niemiły.", "web", True)
        assert survey.state == SurveyState.FINISHED and survey.outcome == SurveyOutcome.COMPLETED
        ticket = session.get(Ticket, survey.ticket_id)
        assert ticket is not None
        assert (ticket.reason, ticket.kind, ticket.priority) == (DETRACTOR_REASON, TicketKind.CALLBACK, "high")
        assert (ticket.conversation_id, ticket.channel, ticket.language) == (conversation_id, Channel.SMS, "pl")
        assert ticket.order_number == order_number and ticket.order_verified
        assert ticket.contact_details == PHONE and ticket.shop_customer_id == survey.customer_id
        assert "3/10" in ticket.summary and order_number in ticket.summary
        [message] = session.scalars(select(Message).where(Message.conversation_id == conversation_id))
        assert message.author == Author.CUSTOMER
        assert message.text == "3/10. Paczka przyszła zgnieciona, a kurier był niemiły."

    # The link again: already answered, no form, nothing stored twice.
    page.goto(f"{site}/survey/{TOKEN}")
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "answered")
    expect(page.locator("#survey-state")).to_have_text(texts["answered"])
    expect(page.locator("form#survey")).to_have_count(0)
    with sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_an_english_customer_sees_the_page_in_english_and_must_choose_a_score(browser, site, database):
    sessions = database[1]
    survey_id, order_number, _ = voicemail_survey_with_link(sessions, "en")
    texts = PAGE_TEXTS["en"]
    page = browser.new_context().new_page()
    page.goto(f"{site}/survey/{TOKEN}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main")).to_contain_text(texts["intro"].format(order=order_number))

    page.get_by_role("button", name=texts["submit"]).click()  # no score: the browser keeps the form
    expect(page.locator("form#survey")).to_be_visible()
    with sessions() as session:
        assert session.get(Survey, survey_id).score is None

    page.locator(".scale label").filter(has_text=re.compile(r"^\s*10\s*$")).click()
    page.get_by_role("button", name=texts["submit"]).click()
    expect(page.locator("#survey-state")).to_have_text(texts["thanks"])
    with sessions() as session:
        survey = session.get(Survey, survey_id)
        assert (survey.score, survey.reason, survey.answered_via, survey.ticket_id) == (10, None, "web", None)
        assert session.scalars(select(Ticket)).all() == []  # a promoter opens no ticket


def test_an_unknown_survey_link_shows_a_404_page(browser, site):
    page = browser.new_context().new_page()
    response = page.goto(f"{site}/survey/no-such-token")
    assert response.status == 404
    expect(page.locator("#survey-state")).to_have_attribute("data-state", "unknown")
    expect(page.locator("#survey-state")).to_have_text(PAGE_TEXTS["pl"]["unknown"])  # the default language
    expect(page.locator("form#survey")).to_have_count(0)


# --- the NPS report -------------------------------------------------------------------------

def week_label(moment: datetime) -> str:
    year, week, _ = moment.astimezone(ZONE).isocalendar()
    return f"{year}-W{week:02d}"


def seed_answers(sessions: sessionmaker[Session]) -> dict:
    """Scores 10 (PL, two weeks ago), 9 (EN) and 3 (PL) this week, and a call nobody answered."""
    now = utcnow()
    older, recent = now - timedelta(days=10), now - timedelta(days=1)
    with unit_of_work(sessions) as session:
        ten = finished_survey(session, "pl", older, score=10, reason="Szybka dostawa, polecam!",
                              categories=("shoes", "bags"))
        nine = finished_survey(session, "en", recent, score=9, reason="Great prices.", categories=("bags",))
        three = finished_survey(session, "pl", recent + timedelta(hours=1), score=3, reason="Zgnieciona paczka.",
                                categories=("shoes",))
        finished_survey(session, "pl", recent, outcome=SurveyOutcome.NO_ANSWER)
        orders = {score: survey.order_number
                  for score, survey in ((10, ten), (9, nine), (3, three))}
    return {"weeks": sorted({week_label(older), week_label(recent), week_label(recent + timedelta(hours=1))}),
            "orders": orders}


def agent_logs_in(browser: Browser, site: str, sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session:
        create_agent(session, "ewa", "Ewa", PASSWORD, ["pl", "en"])
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{site}/console/login")
    page.fill("#username", "ewa")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{site}/console")
    return context, page


def test_an_agent_reads_the_nps_report_and_exports_it_as_csv(browser, site, database):
    sessions = database[1]
    seeded = seed_answers(sessions)
    page = browser.new_context().new_page()
    page.goto(f"{site}/console/nps")
    page.wait_for_url(f"{site}/console/login")  # signed out: to the login page

    context, page = agent_logs_in(browser, site, sessions)
    page.goto(f"{site}/console/nps")
    expect(page.locator("#nps-overall")).to_have_text("+33")  # (2 promoters - 1 detractor) / 3
    expect(page.locator("#nps-responses")).to_have_text("3")
    expect(page.locator("#nps-completion")).to_have_text("75%")  # 3 of 4 finished surveys have a score

    rows = page.locator("#nps-by-language tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#nps-by-language tr[data-label=en] td")).to_have_text(["+100", "1", "1", "0", "0"])
    expect(page.locator("#nps-by-language tr[data-label=pl] td")).to_have_text(["+0", "2", "1", "0", "1"])
    expect(page.locator("#nps-by-category tr[data-label=shoes] td")).to_have_text(["+0", "2", "1", "0", "1"])
    expect(page.locator("#nps-by-category tr[data-label=bags] td")).to_have_text(["+100", "2", "2", "0", "0"])

    bars = page.locator("#nps-chart rect.bar")
    expect(bars).to_have_count(len(seeded["weeks"]))
    assert len(seeded["weeks"]) == 2
    older, recent = seeded["weeks"]
    expect(bars.nth(0)).to_have_attribute("data-week", older)
    expect(bars.nth(0)).to_have_attribute("data-nps", "100")
    expect(bars.nth(1)).to_have_attribute("data-week", recent)
    expect(bars.nth(1)).to_have_attribute("data-nps", "0")
    expect(page.locator("#nps-by-week tbody tr")).to_have_count(2)
    expect(page.locator(".outcome[data-outcome=no_answer]")).to_contain_text("no answer 1")

    reasons = page.locator("#nps-reasons li")
    expect(reasons).to_have_count(3)
    expect(reasons.nth(0)).to_have_attribute("data-score", "3")  # the newest first
    expect(reasons.nth(0)).to_contain_text("Zgnieciona paczka.")
    expect(reasons.nth(0)).to_contain_text(f"order {seeded['orders'][3]}")
    expect(reasons.nth(1)).to_contain_text("Great prices.")
    expect(reasons.nth(2)).to_contain_text("Szybka dostawa, polecam!")

    with page.expect_download() as download_info:
        page.click("#nps-csv")
    download = download_info.value
    assert download.suggested_filename == "koliber-nps.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    answered = {row["order_number"]: row for row in rows if row["score"]}
    assert len(rows) == 4 and len(answered) == 3
    assert answered[seeded["orders"][3]]["group"] == "detractor"
    assert answered[seeded["orders"][10]]["categories"] == "bags shoes"
    assert {(row["language"], row["score"], row["group"]) for row in answered.values()} == {
        ("pl", "10", "promoter"), ("en", "9", "promoter"), ("pl", "3", "detractor")}
    assert [row["outcome"] for row in rows if not row["score"]] == ["no_answer"]

    # The JSON API gives the same numbers.
    api = httpx.get(f"{site}/api/v1/nps", headers={"Authorization": f"Bearer {API_KEY}"}).json()
    assert (api["nps"], api["responses"]) == (33, 3)
    assert {b["label"]: b["nps"] for b in api["by_language"]} == {"en": 100, "pl": 0}
    assert [b["label"] for b in api["by_week"]] == seeded["weeks"]
    context.close()


def test_the_csv_export_needs_a_signed_in_agent(site):
    response = httpx.get(f"{site}/console/nps.csv")
    assert response.status_code == 401
    assert "survey_id" not in response.text


def test_the_nps_api_returns_the_report_with_the_api_key(gateway):
    seeded = seed_answers(gateway.sessions)
    assert gateway.client.get("/api/v1/nps").status_code == 401
    assert gateway.client.get("/api/v1/nps", headers={"Authorization": "Bearer wrong-key"}).status_code == 401

    response = gateway.client.get("/api/v1/nps", headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200
    report = response.json()
    assert (report["nps"], report["responses"], report["completion_rate"]) == (33, 3, 0.75)
    assert report["overall"] == {"label": "all", "promoters": 2, "passives": 0, "detractors": 1, "responses": 3,
                                 "nps": 33}
    assert [(b["label"], b["nps"], b["responses"]) for b in report["by_language"]] == [("en", 100, 1), ("pl", 0, 2)]
    assert [(b["label"], b["nps"]) for b in report["by_week"]] == list(zip(seeded["weeks"], [100, 0]))
    assert report["outcomes"] == {"completed": 3, "no_answer": 1}
    assert [r["score"] for r in report["latest_reasons"]] == [3, 9, 10]
    assert report["latest_reasons"][0]["order_number"] == seeded["orders"][3]
