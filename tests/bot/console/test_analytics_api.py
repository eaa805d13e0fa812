"""The dashboard's JSON and CSV: who may read them, the filters, and real data kept apart from the demo history."""

import csv
import io
from datetime import timedelta

import pytest

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel
from bot.models.feedback import Rating
from bot.models.handoff import AgentRole, TicketStatus
from db.sessions import unit_of_work
from tests.bot.console.console_client import ConsoleBrowser
from tests.bot.trainer.inbox_data import T0, Chat

PASSWORD = "console-password"
NOW = T0 + timedelta(days=1)  # Saturday 21 November 2026
ROLES = ("agent", "trainer", "supervisor", "admin")


def _dashboard(make_gateway, database_url):
    gateway = make_gateway(database_url, clock=lambda: NOW)
    with unit_of_work(gateway.sessions) as session:
        for role in ROLES:
            create_agent(session, role, role.title(), PASSWORD, ["pl", "en"], AgentRole(role))
        anna = create_agent(session, "anna", "Anna", PASSWORD, ["pl"])
        # Real: a Polish web chat the bot finished, rated 5; an English SMS a person resolved.
        bot_only = Chat(session, "pl", Channel.WEB)
        bot_only.customer("gdzie jest moja paczka", "order_status", 0.93)
        bot_only.bot("Już sprawdzam.")
        session.add(Rating(conversation_id=bot_only.id, channel=Channel.WEB, language="pl", asked_at=bot_only.now,
                           score=5, answered_at=bot_only.now))
        person = Chat(session, "en", Channel.SMS)
        person.customer("=HYPERLINK(\"http://x\") my parcel?", "nlu_fallback", 0.1)
        ticket = person.ticket("repeated_fallback")
        ticket.status, ticket.agent_id, ticket.claimed_at = TicketStatus.RESOLVED, anna.id, person._tick()
        person.agent("Hello, Anna here.")
        ticket.closed_at = person._tick()
        # The demo history: one conversation, handed off, rated 1; it must never show among the real ones.
        demo = Chat(session, "pl", Channel.WHATSAPP)
        demo.conversation.demo = True
        demo.customer("chcę reklamować buty", "complaint", 0.9)
        demo.ticket("complaint")
        session.add(Rating(conversation_id=demo.id, channel=Channel.WHATSAPP, language="pl", asked_at=demo.now,
                           score=1, answered_at=demo.now))
    return gateway


@pytest.fixture
def dashboard(make_gateway, database_url):
    """On SQLite and PostgreSQL: the queries are what differs."""
    return _dashboard(make_gateway, database_url)


@pytest.fixture
def dashboard_on_sqlite(make_gateway, tmp_path):
    """Who may enter does not depend on the database."""
    return _dashboard(make_gateway, f"sqlite:///{tmp_path / 'koliber.db'}")


def browser(gateway, role):
    return ConsoleBrowser.logged_in(gateway.client, role, PASSWORD) if role else ConsoleBrowser(gateway.client, None)


def test_supervisors_and_admins_read_the_dashboard_agents_and_trainers_do_not_strangers_log_in(dashboard_on_sqlite):
    dashboard = dashboard_on_sqlite
    expected = {None: (401, 401, 303), "agent": (403, 403, 403), "trainer": (403, 403, 403),
                "supervisor": (200, 200, 200), "admin": (200, 200, 200)}
    for role, codes in expected.items():
        visitor = browser(dashboard, role)
        got = tuple(visitor.get(url).status_code
                    for url in ("/console/api/analytics", "/console/api/analytics.csv", "/console/analytics"))
        assert got == codes, role
    assert browser(dashboard, None).get("/console/analytics").headers["location"] == "/console/login"

    # A supervisor starts at the dashboard and stays out of the queue, the NPS report and the review inbox.
    supervisor = browser(dashboard, "supervisor")
    assert supervisor.get("/console").headers["location"] == "/console/analytics"
    for url in ("/console/api/queue", "/console/nps", "/console/review"):
        assert supervisor.get(url).status_code == 403, url
    page = supervisor.get("/console/analytics?lang=en")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text and 'href="/console/review' not in page.text  # no links it may not follow
    admin_page = browser(dashboard, "admin").get("/console/analytics?lang=en")
    assert 'class="review-link" href="/console/review?intent=nlu_fallback' in admin_page.text


def test_the_json_and_csv_count_real_conversations_only_unless_the_demo_history_is_asked_for(dashboard):
    supervisor = browser(dashboard, "supervisor")
    real = supervisor.get("/console/api/analytics").json()
    assert real["filters"] == {"since": "2026-10-23", "until": "2026-11-21", "channel": None, "language": None,
                               "demo": False}
    assert real["conversations"] == 2
    assert real["containment"] == {"contained": 1, "conversations": 2, "rate_pct": 50.0}
    assert real["first_contact_resolution"]["resolved"] == 2
    assert real["handoff"]["reasons"] == [{"reason": "repeated_fallback", "count": 1}]
    assert (real["csat"]["average"], real["csat"]["responses"]) == (5.0, 1)
    assert real["agents"]["by_agent"] == [{"agent": "Anna", "tickets": 1, "first_response_median_s": 60,
                                           "handle_median_s": 120}]
    assert real["fallbacks"]["by_intent"][0]["review_url"] == (
        "/console/review?intent=nlu_fallback&since=2026-10-23&until=2026-11-21")

    demo = supervisor.get("/console/api/analytics?demo=true").json()
    assert (demo["conversations"], demo["csat"]["average"]) == (1, 1.0)
    assert demo["handoff"]["reasons"] == [{"reason": "complaint", "count": 1}]

    # Filters: language, channel, dates.
    english = supervisor.get("/console/api/analytics?language=en").json()
    assert (english["conversations"], english["volume"]["by_channel"]) == (1, [{"channel": "sms", "count": 1}])
    assert supervisor.get("/console/api/analytics?channel=web").json()["csat"]["responses"] == 1
    assert supervisor.get("/console/api/analytics?since=2026-11-21&until=2026-11-21").json()["conversations"] == 0
    assert supervisor.get("/console/api/analytics?since=2026-11-22&until=2026-11-21").status_code == 422
    assert supervisor.get("/console/api/analytics?channel=fax").status_code == 422

    # The CSV has the JSON's numbers and keeps a customer's formula as text.
    response = supervisor.get("/console/api/analytics.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["metric", "key", "value"]
    table = {(metric, key): value for metric, key, value in rows[1:]}
    assert table[("containment", "rate_pct")] == "50.0"
    assert table[("csat.distribution.count", "5")] == "1"
    assert table[("volume.by_language.count", "en")] == "1"
    phrase = next(key for metric, key in table if metric == "fallbacks.phrases.count")
    assert phrase.startswith("'=HYPERLINK")
