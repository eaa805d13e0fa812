"""A trainer in headless Chromium: sees a Polish message the bot missed, labels it (into a copy of
nlu_data, which `rasa data validate` then accepts), and exports a conversation as a test story."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from playwright.sync_api import expect

from bot.handoff.agents import create_agent
from bot.models.handoff import AgentRole
from bot.persistence.migrate import upgrade
from bot.processes import ENGINE_ENV, RASA_BIN, ManagedProcess, free_port, gateway_spec
from bot.settings import PROJECT_ROOT
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE
from tests.bot.trainer.inbox_data import REPHRASE_PL, Chat

PASSWORD = "trainer-password"
MISSED = "ile się czeka na kuriera do Gdańska?"
EXAMPLE = "ile się czeka na kuriera do Gdańska?"


@pytest.fixture
def project(tmp_path):
    """What `rasa data validate` reads, copied: labelling writes here, never into the repo."""
    for name in ("domain.yml", "config.yml"):
        shutil.copyfile(PROJECT_ROOT / name, tmp_path / name)
    for name in ("nlu_data", "stories"):
        shutil.copytree(PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def site(project, tmp_path_factory) -> Iterator[str]:
    """The gateway as `make run` starts it (engine down), on a database holding two missed conversations."""
    work = tmp_path_factory.mktemp("review-gateway")
    database_url = f"sqlite:///{work / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "tr", "Trener", PASSWORD, ["pl"], AgentRole.TRAINER)
        start = utcnow() - timedelta(hours=2)
        missed = Chat(session, "pl", start=start)
        missed.customer(MISSED, "nlu_fallback", 0.18)
        missed.bot(REPHRASE_PL)
        other = Chat(session, "pl", start=start - timedelta(hours=1))
        other.customer("dzień dobry", "greet", 0.97)
        other.bot("Dzień dobry! W czym mogę pomóc?")
        other.customer("zamówienie 48213 nie przyszło, anna.nowak@example.pl", "order_status", 0.33)
        other.bot("Podaj proszę numer zamówienia.")
    engine.dispose()
    port = free_port()
    process = ManagedProcess(gateway_spec(port, database_url, DEAD_ENGINE, {
        "KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN), "NLU_DATA_DIR": str(project / "nlu_data"),
        "KOLIBER_EXPORTED_STORIES": str(project / "tests" / "stories" / "test_from_conversations.yml")}), work)
    process.start()
    process.wait_healthy()
    yield f"http://127.0.0.1:{port}"
    process.stop()


def test_a_trainer_labels_a_missed_polish_message_and_exports_a_conversation(browser, site, project):
    page = browser.new_context().new_page()
    page.goto(f"{site}/console/login")
    page.fill("#username", "tr")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{site}/console/review")  # a trainer starts in the review inbox
    expect(page.locator("html")).to_have_attribute("lang", "pl")

    page.select_option("#filter-language", "pl")
    page.click("#filter-apply")
    item = page.locator(".review-item", has_text=MISSED)
    expect(item).to_be_visible()
    expect(item.locator(".reason[data-reason=fallback]")).to_be_visible()
    expect(item.locator(".reason[data-reason=rephrase]")).to_be_visible()

    item.locator(".intent-select").select_option("delivery_time")
    expect(item.locator(".example-input")).to_have_value(EXAMPLE)
    item.locator(".label-button").click()
    expect(page.locator("#review-notice")).to_contain_text("pl/orders.yml")
    expect(page.locator(".review-item", has_text=MISSED)).to_have_count(0)  # decided: it left the inbox
    assert f"    - {EXAMPLE}\n" in (project / "nlu_data" / "pl" / "orders.yml").read_text(encoding="utf-8")

    # The other missed message: its order number and e-mail are replaced in the suggestion, and
    # its whole conversation becomes a test story.
    other = page.locator(".review-item", has_text="48213")
    expect(other.locator(".example-input")).to_have_value(
        "zamówienie [10001](order_id) nie przyszło, [customer1@example.com](email)")
    other.locator(".export-button").click()
    expect(page.locator("#export-result")).to_contain_text("test_from_conversations.yml")
    expect(page.locator("#export-yaml")).to_contain_text("intent: order_status")
    stories = yaml.safe_load((project / "tests" / "stories" / "test_from_conversations.yml").read_text(encoding="utf-8"))
    [story] = stories["stories"]
    assert [step.get("intent") for step in story["steps"] if "intent" in step] == ["greet", "order_status"]
    assert "48213" not in str(story) and "anna" not in str(story)

    page.click("#nav-audit")
    expect(page.locator("#audit-log tbody tr")).to_have_count(2)
    expect(page.locator("#audit-log tr[data-action=label]")).to_contain_text("delivery_time")

    # "The new example trains", cheaply: Rasa accepts the labelled data with warnings as errors.
    result = subprocess.run(
        [str(RASA_BIN), "data", "validate", "--data", "nlu_data", "stories", "--domain", "domain.yml",
         "--config", "config.yml", "--fail-on-warnings"],
        cwd=project, env={**os.environ, **ENGINE_ENV}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
