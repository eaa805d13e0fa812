"""A supervisor in headless Chromium on the dashboard over the seeded demo history: every number the
page shows, in Polish and in English, is the JSON endpoint's; the charts are drawn under the page's
Content-Security-Policy; and a phone-sized screen scrolls nothing sideways."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.analytics.history import seed_history
from bot.handoff.agents import create_agent
from bot.handoff.hours import WorkingHours, load_handoff_config
from bot.models.handoff import AgentRole
from bot.persistence.migrate import upgrade
from bot.processes import ManagedProcess, free_port, gateway_spec
from bot.settings import PROJECT_ROOT
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from tests.bot.conftest import DEAD_ENGINE

PASSWORD = "supervisor-password"
SHOP_HOURS = PROJECT_ROOT / "config" / "handoff.yml"
# Tables beside the charts: (table id, the JSON list, its label key, its value key).
TABLES = [("table-handoff", "handoff.reasons", "reason", "count"),
          ("table-csat", "csat.distribution", "score", "count"),
          ("table-nps", "nps.by_week", "week", "nps"),
          ("table-agents", "agents.by_agent", "agent", "first_response_median_s"),
          ("table-by_channel", "volume.by_channel", "channel", "count"),
          ("table-by_language", "volume.by_language", "language", "count"),
          ("table-by_intent", "volume.by_intent", "intent", "count"),
          ("table-fallbacks", "fallbacks.by_intent", "intent", "count"),
          ("table-phrases", "fallbacks.phrases", "text", "count"),
          ("table-causes", "delay_notices.by_cause", "cause", "count")]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    """The gateway as `make run` starts it (engine down), on a database holding a 30-day demo history."""
    work = tmp_path_factory.mktemp("analytics-gateway")
    database_url = f"sqlite:///{work / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "sv", "Szefowa", PASSWORD, ["pl", "en"], AgentRole.SUPERVISOR)
        create_agent(session, "anna", "Anna", PASSWORD, ["pl", "en"])
        seed_history(session, utcnow(), 30, WorkingHours(load_handoff_config(SHOP_HOURS)))
    engine.dispose()
    port = free_port()
    process = ManagedProcess(gateway_spec(port, database_url, DEAD_ENGINE, {"KOLIBER_HANDOFF_CONFIG": str(SHOP_HOURS)}),
                             work)
    process.start()
    process.wait_healthy()
    yield f"http://127.0.0.1:{port}"
    process.stop()


def lookup(report: dict[str, Any], path: str) -> Any:
    value: Any = report
    for key in path.split("."):
        value = value[key]
    return value


def shown_number(text: str) -> float | None:
    """A number as the page writes it in either language: 41,3 % / 41.3%, +30, 6 min 05 s, 45 s, –."""
    text = text.replace("\u00a0", " ").strip()
    if text == "–":
        return None
    duration = re.fullmatch(r"(?:(\d+) min )?(\d+) s", text)
    if duration:
        return int(duration[1] or 0) * 60 + int(duration[2])
    return float(text.rstrip("%").strip().replace(",", "."))


SHOWN = """() => ({
  metrics: [...document.querySelectorAll('[data-metric]')].map(e => [e.dataset.metric, e.innerText]),
  tables: Object.fromEntries([...document.querySelectorAll('table[id]')].map(table => [table.id,
    [...table.tBodies[0].rows].filter(row => !row.classList.contains('empty')).map(row => [
      row.querySelector('[data-label]').dataset.label,
      [...row.querySelectorAll('td')].map(cell => cell.innerText)])])),
})"""


def check_page_matches_json(page: Page, report: dict[str, Any], decimal_mark: str) -> None:
    shown = page.evaluate(SHOWN)  # what the page shows, read at once
    assert len(shown["metrics"]) >= 20
    for path, text in shown["metrics"]:
        expected = lookup(report, path)
        assert shown_number(text) == expected, (path, text, expected)
        if isinstance(expected, float) and expected % 1:
            assert decimal_mark in text, (path, text)
    for table_id, path, label_key, value_key in TABLES:
        rows, items = shown["tables"][table_id], lookup(report, path)
        assert [label for label, _ in rows] == [str(item[label_key]) for item in items], table_id
        value_column = 1 if table_id == "table-agents" else 0  # agents: tickets, then the first response
        assert [shown_number(cells[value_column]) for _, cells in rows] == [item[value_key] for item in items], table_id
    grid = [[int(cell) for cell in cells] for _, cells in shown["tables"]["table-hours"]]
    assert grid == report["volume"]["by_hour_of_week"]


def test_a_supervisor_sees_the_json_numbers_in_polish_and_english_and_on_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{site}/console/login")
    page.fill("#username", "sv")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{site}/console/analytics")  # a supervisor's console starts at the dashboard
    expect(page.locator("#nav-queue")).to_have_count(0)

    page.check("#filter-demo")
    page.click("#filter-apply")
    expect(page.locator("#demo-banner")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")  # the supervisor's first language
    report = page.request.get(f"{site}/console/api/analytics?demo=true").json()
    assert report["conversations"] > 300 and report["delay_notices"]["after"] is not None
    check_page_matches_json(page, report, ",")
    drawn = page.evaluate("() => [...document.querySelectorAll('canvas')].filter(c => Chart.getChart(c)).length")
    assert drawn == page.locator("canvas").count() >= 10

    page.click("#switch-language")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h2").first).to_have_text("How service is going")
    check_page_matches_json(page, report, ".")
    csv = page.request.get(f"{site}{page.locator('#export-csv').get_attribute('href')}")
    assert f"containment,rate_pct,{report['containment']['rate_pct']}" in csv.text()

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    first, second = page.locator(".analytics-grid > .card").nth(0), page.locator(".analytics-grid > .card").nth(1)
    assert first.bounding_box()["y"] < second.bounding_box()["y"]  # one column
    expect(page.locator("[data-metric='containment.rate_pct']")).to_be_in_viewport()
    assert blocked == []
    context.close()
