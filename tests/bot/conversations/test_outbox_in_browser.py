"""An agent in headless Chromium sees on the open ticket, as it happens, that their SMS reply did not
reach a customer Twilio says has unsubscribed, and the queue marks that customer unreachable."""

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect
from twilio.request_validator import RequestValidator

from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.handoff import AgentStatus
from bot.persistence.migrate import upgrade
from db.sessions import make_engine, session_factory, unit_of_work
from testing.fakes.twilio_cloud import FakeTwilioCloud
from testing.served import ServedApp
from tests.bot.channels.test_twilio_messaging import _sms
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE, TWILIO_TOKEN, gateway_settings

PHONE = "+48600100400"
PASSWORD = "agent-password"


@dataclass
class Site:
    url: str
    twilio: FakeTwilioCloud
    texts_sent: int = 0

    def customer_writes(self, text: str) -> None:
        """An SMS from the customer, as Twilio posts it (signed)."""
        self.texts_sent += 1
        url = f"{self.url}/twilio/messaging"
        params = _sms(f"SM{self.texts_sent:032d}", text, sender=PHONE)
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        assert httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}).status_code == 200


@pytest.fixture
def site(tmp_path, twilio_cloud) -> Iterator[Site]:
    """The gateway on a real port (engine down, so every customer message opens or joins a ticket)."""
    database_url = f"sqlite:///{tmp_path / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "ola", "Ola", PASSWORD, ["pl"]).status = AgentStatus.AVAILABLE
    engine.dispose()
    with ServedApp(create_app(gateway_settings(database_url, DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud))) as served:
        yield Site(served.base_url, twilio_cloud)


def _until_the_ticket_follows_the_conversation(page: Page, site: Site) -> None:
    """The page's socket is subscribed once a customer's new SMS shows up on it by itself."""
    for attempt in range(1, 30):
        text = f"Jest tam ktoś? ({attempt})"
        site.customer_writes(text)
        try:
            expect(page.locator(".msg-text", has_text=text)).to_be_visible(timeout=1000)
            return
        except AssertionError:
            continue
    raise AssertionError("the ticket page never showed the customer's messages live")


def test_the_agent_sees_live_that_a_reply_did_not_reach_an_unsubscribed_customer(browser, site):
    site.customer_writes("Halo, potrzebuję pomocy")
    site.twilio.wait_for_messages(PHONE, 1)  # the apology
    page = browser.new_page()
    try:
        page.goto(f"{site.url}/console/login")
        page.fill("#username", "ola")
        page.fill("#password", PASSWORD)
        page.click("#login")
        page.locator("#queue button.claim").click()
        expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        _until_the_ticket_follows_the_conversation(page, site)

        site.twilio.fail_next(1, 400, 21610, "Attempt to send to unsubscribed recipient")
        page.fill("#reply-input", "Dzień dobry, tu Ola. Czym mogę pomóc?")
        page.press("#reply-input", "Enter")
        reply = page.locator(".msg", has_text="Dzień dobry, tu Ola.")
        expect(reply.locator(".delivery")).to_have_text(
            "Not delivered: Attempt to send to unsubscribed recipient (error 21610)")

        page.locator("#back").click()
        expect(page.locator("#my-tickets .delivery-badge")).to_have_text("Unreachable")
    finally:
        page.close()
    assert [refused.body for refused, _ in site.twilio.refused] == ["Dzień dobry, tu Ola. Czym mogę pomóc?"]
