"""An agent in headless Chromium answers an e-mail ticket: they see the customer's photo among the
message's attachments, and their reply reaches the customer's mailbox in the same thread. An agent
moves a chat's ticket to e-mail, and the customer's answer comes back to that ticket."""

import httpx
import pytest
from playwright.sync_api import expect

from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.handoff import AgentStatus
from db.sessions import make_engine, session_factory, unit_of_work
from testing.demo_shop import create_demo_shop
from testing.served import ServedApp
from tests.bot.channels.email.conftest import customer_email, mail_settings, text_of
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, DEAD_ENGINE, gateway_settings

PASSWORD = "agent-password"


@pytest.fixture
def site(tmp_path, twilio_cloud, mailboxes):
    """The gateway on a real port, engine down: every e-mail opens a ticket."""
    database_url = f"sqlite:///{tmp_path / 'koliber.db'}"
    create_demo_shop(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "ola", "Ola", PASSWORD, ["pl"]).status = AgentStatus.AVAILABLE
    engine.dispose()
    settings = gateway_settings(database_url, DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud,
                                **mail_settings(mailboxes.servers, mailboxes.shop))
    with ServedApp(create_app(settings)) as served:
        yield served.base_url


def _claim_the_ticket(page, site: str) -> None:
    """Ola logs in to the console and claims the ticket waiting in the queue."""
    page.goto(f"{site}/console/login")
    page.fill("#username", "ola")
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.locator("#queue button.claim").click()


def test_an_agent_answers_an_email_ticket_and_the_customer_gets_it_in_the_thread(browser, site, mailboxes):
    customer = mailboxes.customer
    sent = customer_email(customer, "Uszkodzona paczka", "Paczka przyszła zgnieciona, zdjęcie w załączniku.")
    sent.add_attachment(b"\xff\xd8\xff photo", maintype="image", subtype="jpeg", filename="paczka.jpg")
    mailboxes.send(sent)
    [apology] = mailboxes.wait_for(customer, 1)  # the engine is down: the bot's apology, with a ticket number

    page = browser.new_page()
    try:
        _claim_the_ticket(page, site)
        expect(page.locator(".msg-text", has_text="Paczka przyszła zgnieciona")).to_be_visible()
        photo = page.locator(".attachment a", has_text="paczka.jpg")
        expect(photo).to_be_visible()
        with page.expect_download() as download:
            photo.click()
        assert open(download.value.path(), "rb").read() == b"\xff\xd8\xff photo"
        page.fill("#reply-input", "Dzień dobry, przepraszamy. Wyślemy nową parę jeszcze dziś.")
        page.press("#reply-input", "Enter")
        expect(page.locator(".msg[data-author='agent']")).to_contain_text("Wyślemy nową parę")
    finally:
        page.close()

    answers = mailboxes.wait_for(customer, 2)
    reply = answers[1]
    assert "Wyślemy nową parę jeszcze dziś." in text_of(reply)
    assert reply["Subject"] == "Re: Uszkodzona paczka"
    assert reply["In-Reply-To"] == sent["Message-ID"]
    assert apology["Message-ID"] in reply["References"] and reply["Auto-Submitted"] is None


def test_an_agent_moves_a_chat_ticket_to_email_and_the_customer_answers_in_that_thread(browser, site, mailboxes):
    customer = mailboxes.customer
    asked = httpx.post(f"{site}/api/v1/messages", headers={"Authorization": f"Bearer {API_KEY}"},
                       json={"text": "Proszę o kontakt w sprawie faktury", "sender": "api-jan"}).json()
    page = browser.new_page()
    try:
        _claim_the_ticket(page, site)
        expect(page.locator(".msg-text", has_text="Proszę o kontakt")).to_be_visible()
        page.fill("#email-address", customer)
        page.click("#move-to-email")
        expect(page.locator("#facts")).to_contain_text("E-mail")
        expect(page.locator("#email-form")).to_be_hidden()
        page.fill("#reply-input", "Dzień dobry, faktura jest w załączniku do zamówienia.")
        page.press("#reply-input", "Enter")
        [reply] = mailboxes.wait_for(customer, 1)
        assert reply["Subject"].startswith("Twoje zgłoszenie nr ") and "faktura jest" in text_of(reply)

        answer = customer_email(customer, f"Re: {reply['Subject']}", "Dziękuję, już widzę.\n\n> Dzień dobry",
                                replying_to=reply, to=mailboxes.shop)
        mailboxes.send(answer)
        expect(page.locator(".msg-text", has_text="Dziękuję, już widzę.")).to_be_visible()  # on the same ticket, live
    finally:
        page.close()
    with httpx.Client(headers={"Authorization": f"Bearer {API_KEY}"}) as api:
        thread = api.get(f"{site}/api/v1/conversations/{asked['conversation_id']}").json()
    assert [m["text"] for m in thread["messages"] if m["author"] == "customer"] == [
        "Proszę o kontakt w sprawie faktury", "Dziękuję, już widzę."]


def test_a_contact_form_message_is_answered_by_email_from_the_console(browser, site, mailboxes):
    visitor = browser.new_page()
    try:
        visitor.goto(f"{site}/contact?lang=pl")
        visitor.fill("#email", "nie-adres")
        visitor.fill("#message", "Czy wystawiacie faktury na firmę?")
        visitor.evaluate("document.querySelector('#email').type = 'text'")  # past the browser's own check
        visitor.click("button[type=submit]")
        expect(visitor.locator(".error")).to_contain_text("Podaj poprawny adres e-mail")
        visitor.fill("#email", mailboxes.customer)
        visitor.fill("#subject", "Faktura na firmę")
        visitor.click("button[type=submit]")
        expect(visitor.locator(".thanks")).to_contain_text("zgłoszenie nr")
    finally:
        visitor.close()

    page = browser.new_page()
    try:
        _claim_the_ticket(page, site)
        expect(page.locator(".msg-text", has_text="Czy wystawiacie faktury na firmę?")).to_be_visible()
        page.fill("#reply-input", "Tak, podaj NIP przy zamówieniu.")
        page.press("#reply-input", "Enter")
        expect(page.locator(".msg[data-author='agent']")).to_contain_text("podaj NIP")
    finally:
        page.close()
    [reply] = mailboxes.wait_for(mailboxes.customer, 1)  # the only e-mail: the assistant did not answer the form
    assert reply["Subject"] == "Faktura na firmę" and "Tak, podaj NIP przy zamówieniu." in text_of(reply)


def test_an_unproven_sender_is_suggested_as_the_customer_and_joins_them_only_when_the_agent_confirms(
        browser, site, mailboxes):
    # From Anna's address, but her mail server's check is missing: anyone could have written it.
    mailboxes.send(customer_email("anna.nowak@example.pl", "Zwrot", "Chcę zwrócić buty.", to=mailboxes.shop))
    page = browser.new_page()
    try:
        _claim_the_ticket(page, site)
        expect(page.locator("#suggestion")).to_contain_text("Possibly Anna Nowak")
        expect(page.locator("#orders")).to_contain_text("No orders found")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#confirm-suggestion")
        expect(page.locator("#suggestion")).to_be_hidden()
        expect(page.locator("#orders")).to_contain_text("48213")
    finally:
        page.close()
