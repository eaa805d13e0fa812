"""An admin in headless Chromium moves Monday's opening to noon while a shopper has the widget open
at 10:00 on a Monday: without a restart the widget stops offering a person and says when the team is back."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.handoff import AgentRole, AgentStatus
from bot.persistence.migrate import upgrade
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory, unit_of_work
from testing.clock import ManualClock
from testing.served import ServedApp
from tests.bot.conftest import DEAD_ENGINE, gateway_settings
from tests.bot.console.console_client import ADMIN_PASSWORD, log_in_page
from tests.conftest import FIXED_NOW


@pytest.fixture
def site(tmp_path, twilio_cloud) -> Iterator[str]:
    """The gateway with the shipped opening hours (Mon–Fri 8:00–20:00), at 10:00 on a Monday in Warsaw,
    an admin and an available Polish agent."""
    database_url = f"sqlite:///{tmp_path / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "boss", "Boss", ADMIN_PASSWORD, ["pl", "en"], AgentRole.ADMIN)
        create_agent(session, "ola", "Ola", ADMIN_PASSWORD, ["pl"]).status = AgentStatus.AVAILABLE
    engine.dispose()
    settings = gateway_settings(database_url, DEAD_ENGINE, PROJECT_ROOT / "config" / "handoff.yml", twilio_cloud)
    with ServedApp(create_app(settings, clock=ManualClock(FIXED_NOW))) as served:
        yield served.base_url


def test_new_opening_hours_reach_the_open_widget_at_once(browser, site):
    shopper = browser.new_context().new_page()
    shopper.goto(f"{site}/?lang=pl")
    shopper.click("#koliber-launcher")
    expect(shopper.locator("#koliber-human")).to_be_visible()  # open, and Ola is free

    admin = browser.new_context().new_page()
    log_in_page(admin, site, "boss", ADMIN_PASSWORD)
    admin.goto(f"{site}/console/settings?lang=pl")
    admin.fill("#mon-opening", "12:00")
    admin.click("#save-hours")

    expect(admin.locator("#settings-saved")).to_have_text("Zapisano. Nowe ustawienia już obowiązują.")
    change = admin.locator("#settings-audit tr[data-field=mon]")
    expect(change).to_contain_text("boss")
    expect(change).to_contain_text("Poniedziałek")
    expect(change).to_contain_text("08:00–20:00 → 12:00–20:00")
    expect(shopper.locator("#koliber-human")).to_be_hidden()
    expect(shopper.locator(".koliber-availability")).to_contain_text("12:00")
