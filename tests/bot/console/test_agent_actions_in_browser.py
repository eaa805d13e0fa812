"""An agent in headless Chromium gives a goodwill credit with a reason from the ticket page, and the
customer's conversation shows the confirmation."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.handoff.agents import create_agent
from bot.models.conversation import Author, Message
from bot.models.handoff import PRIORITY_RANK, Ticket, TicketKind, TicketStatus
from bot.models.privacy import AuditLogEntry
from bot.processes import ManagedProcess, free_port, gateway_spec
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from testing.demo_shop import create_demo_shop
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE
from tests.bot.conversations.test_identity import start, verify

PASSWORD = "console-password"
KASIAS_ORDER = "27145"


@pytest.fixture
def site(tmp_path_factory) -> Iterator[tuple[str, int, str, str]]:
    """The gateway (engine down) on the demo shop, with Ola holding the ticket of a web chat in which
    Kasia verified her order."""
    work = tmp_path_factory.mktemp("actions-gateway")
    database_url = f"sqlite:///{work / 'koliber.db'}"
    create_demo_shop(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        ola = create_agent(session, "ola", "Ola", PASSWORD, ["pl"])
        chat = start(session)
        verify(session, chat, KASIAS_ORDER)
        ticket = Ticket(conversation_id=chat.id, kind=TicketKind.LIVE, reason="other", priority="normal",
                        priority_rank=PRIORITY_RANK["normal"], language="pl", channel=chat.channel,
                        order_number=KASIAS_ORDER, order_verified=True, status=TicketStatus.CLAIMED,
                        agent_id=ola.id, created_at=utcnow(), claimed_at=utcnow())
        session.add(ticket)
        session.flush()
        ticket_id, conversation_id = ticket.id, chat.id
    engine.dispose()
    port = free_port()
    spec = gateway_spec(port, database_url, DEAD_ENGINE, {"KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN)})
    process = ManagedProcess(spec, work)
    process.start()
    process.wait_healthy()
    yield f"http://127.0.0.1:{port}", ticket_id, database_url, conversation_id
    process.stop()


def test_an_agent_gives_a_goodwill_credit_from_the_ticket_page(browser, site):
    url, ticket, database_url, conversation_id = site
    page = browser.new_context().new_page()
    page.goto(f"{url}/console/login")
    page.fill("#username", "ola")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{url}/console")

    page.goto(f"{url}/console/tickets/{ticket}")
    expect(page.locator("#action-fields")).to_be_enabled()
    page.select_option("#action-kind", "goodwill")
    page.select_option("#action-order", KASIAS_ORDER)
    expect(page.locator("#action-limit")).to_contain_text("500")
    page.fill("#action-amount", "50")
    page.fill("#action-reason", "Kurtka przyszła z dziurą")
    page.click("#do-action")

    expect(page.locator("#action-result")).to_have_text("Done. The customer has been told.")
    confirmation = page.locator("#transcript .msg", has_text="W ramach przeprosin za zamówienie 27145")
    expect(confirmation).to_contain_text("50,00")
    expect(page.locator("#action-reason")).to_have_value("")  # ready for the next action, with a new key

    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        [message] = session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                          Message.author == Author.AGENT)).all()
        assert message.text.startswith("W ramach przeprosin za zamówienie 27145 dodaliśmy do Twojego konta")
        [entry] = session.scalars(select(AuditLogEntry)).all()
        assert (entry.action, entry.details["reason"], entry.details["amount"]) == (
            "agent_goodwill", "Kurtka przyszła z dziurą", "50.00")
    engine.dispose()
