"""An agent in headless Chromium sees an unconfirmed identity on the ticket page and confirms it."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel
from bot.processes import ManagedProcess, free_port, gateway_spec
from db.sessions import make_engine, session_factory, unit_of_work
from testing.demo_shop import create_demo_shop
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE
from tests.bot.console.test_console_identity import PASSWORD, ticket_of
from tests.bot.conversations.test_identity import ANNA, ANNAS_ORDER, SMS_NUMBER, start, verify


@pytest.fixture
def site(tmp_path_factory) -> Iterator[tuple[str, int]]:
    """The gateway (engine down) on the demo shop, with a ticket from an SMS chat that verified
    Anna's order only after two misses."""
    work = tmp_path_factory.mktemp("identity-gateway")
    database_url = f"sqlite:///{work / 'koliber.db'}"
    create_demo_shop(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "ola", "Ola", PASSWORD, ["pl"])
        verify(session, start(session))
        sms = start(session, Channel.SMS, SMS_NUMBER)
        verify(session, sms, misses=2)
        ticket = ticket_of(session, sms)
    engine.dispose()
    port = free_port()
    spec = gateway_spec(port, database_url, DEAD_ENGINE, {"KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN)})
    process = ManagedProcess(spec, work)
    process.start()
    process.wait_healthy()
    yield f"http://127.0.0.1:{port}", ticket
    process.stop()


def test_an_agent_confirms_an_unconfirmed_identity_on_the_ticket_page(browser, site):
    url, ticket = site
    page = browser.new_context().new_page()
    page.goto(f"{url}/console/login")
    page.fill("#username", "ola")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{url}/console")

    page.goto(f"{url}/console/tickets/{ticket}")
    expect(page.locator("#facts")).to_contain_text("Suspected guessing")
    expect(page.locator("#identity")).to_be_visible()
    expect(page.locator("#identity")).to_contain_text(f"#{ANNAS_ORDER}")
    expect(page.locator("#customer")).not_to_contain_text(ANNA)
    expect(page.locator("#orders")).to_contain_text("No orders found")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#confirm-identity")
    expect(page.locator("#identity")).to_be_hidden()
    expect(page.locator("#customer")).to_contain_text(ANNA)
    expect(page.locator("#orders")).to_contain_text(ANNAS_ORDER)
