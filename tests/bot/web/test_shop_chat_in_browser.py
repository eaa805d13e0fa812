"""Shoppers chat in the widget on the demo shop page and reach a person in the agent console,
in headless Chromium, against the real gateway, engine and action server."""

import re
import uuid
from collections.abc import Iterator

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from bot.handoff.agents import create_agent
from bot.processes import ManagedProcess, free_port, gateway_spec
from db.sessions import make_engine, session_factory, unit_of_work
from tests.bot.conftest import ALWAYS_OPEN
from text.formatting import position
from text.plurals import noun_form

PASSWORD = "agent-password"
BOT_ANSWER_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def site(stack, tmp_path_factory) -> Iterator[str]:
    """The gateway as `make run` starts it, in front of the session's engine, always open; a chat
    takes an agent 3 minutes, so the first in the queue waits "3 minuty" (CLDR's "few")."""
    port = free_port()
    work = tmp_path_factory.mktemp("browser-gateway")
    hours = {**yaml.safe_load(ALWAYS_OPEN.read_text(encoding="utf-8")), "average_handling_minutes": 3}
    (work / "handoff.yml").write_text(yaml.safe_dump(hours), encoding="utf-8")
    process = ManagedProcess(gateway_spec(port, stack.database_url, stack.engine,
                                          {"KOLIBER_HANDOFF_CONFIG": str(work / "handoff.yml")}), work)
    process.start()
    process.wait_healthy()
    yield f"http://127.0.0.1:{port}"
    process.stop()


def new_agent(stack, name: str, languages: list[str]) -> str:
    username = f"{name.lower()}-{uuid.uuid4().hex[:6]}"
    with unit_of_work(session_factory(make_engine(stack.database_url))) as session:
        create_agent(session, username, name, PASSWORD, languages)
    return username


def agent_logs_in(browser: Browser, site: str, username: str) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{site}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(f"{site}/console")
    page.click("#status-toggle")  # away -> available
    expect(page.locator("#status-toggle")).to_contain_text("Available")
    return page


class Shopper:
    def __init__(self, browser: Browser, site: str, language: str) -> None:
        self.page = browser.new_context().new_page()
        self.page.goto(f"{site}/?lang={language}")
        self.page.click("#koliber-launcher")

    def says(self, text: str, author: str = "bot") -> str:
        """Sends a message and returns the text of the next message from `author`."""
        selector = f".koliber-msg[data-author={author}]"
        replies = self.page.locator(selector)
        before = replies.count()
        self.page.fill("#koliber-input", text)
        self.page.click("#koliber-send")
        self.page.wait_for_function("([selector, before]) => document.querySelectorAll(selector).length > before",
                                    arg=[selector, before], timeout=BOT_ANSWER_TIMEOUT)
        expect(self.page.locator("#koliber-typing")).to_be_hidden(timeout=BOT_ANSWER_TIMEOUT)
        return "\n".join(replies.all_inner_texts()[before:])


# The queue notice: the place as an ordinal, the wait with the form of "minute" the browser's
# Intl.PluralRules picks, which must be the one Babel's CLDR data and text/data/nouns.yml give.
QUEUE_FACTS = {"pl": r"Jesteś na ((\d+)\S*) miejscu w kolejce · szacowany czas oczekiwania: (\d+) (\w+)",
               "en": r"You're ((\d+)\S*) in the queue · estimated wait: (\d+) (\w+)"}

CASES = {
    "pl": dict(agent="Ola", ask="gdzie jest moje zamowienie?", order="48213", contact="anna.nowak@example.pl",
               customer="Anna Nowak", reply="Dzień dobry, tu Ola. Paczka jest już w drodze.",
               back="Wracasz do rozmowy z asystentem", again="ile kosztuje wysylka do niemiec?"),
    "en": dict(agent="Tom", ask="where is my order?", order="12874", contact="john.miller@example.com",
               customer="John Miller", reply="Hi, Tom here. Your parcel is on its way to Berlin.",
               back="You're back with the assistant", again="how much is shipping to Germany?"),
}


@pytest.mark.parametrize("language", ["pl", "en"])
def test_shopper_asks_about_an_order_gets_a_person_and_the_bot_again(browser, site, stack, language):
    case = CASES[language]
    agent = agent_logs_in(browser, site, new_agent(stack, case["agent"], [language]))

    shopper = Shopper(browser, site, language)
    expect(shopper.page.locator("#koliber-human")).to_be_visible()  # an agent is free: a person is offered
    shopper.says(case["ask"])
    shopper.says(case["order"])
    status = shopper.says(case["contact"])
    assert case["order"] in status

    shopper.page.click("#koliber-human")
    expect(shopper.page.locator("#koliber-notice")).to_be_visible(timeout=BOT_ANSWER_TIMEOUT)
    facts = re.search(QUEUE_FACTS[language], shopper.page.locator(".koliber-notice-facts").inner_text())
    assert facts, shopper.page.locator("#koliber-notice").inner_text()
    place, minutes, noun = int(facts[2]), int(facts[3]), facts[4]
    assert facts[1] == position(place, language)  # "1." / "1st"
    assert noun == noun_form(minutes, "minute", language)
    assert place > 1 or (minutes, noun) == (3, {"pl": "minuty", "en": "minutes"}[language])

    claim = agent.locator(f"#queue tr:has-text('{case['customer']}') button.claim")
    expect(claim).to_be_visible(timeout=BOT_ANSWER_TIMEOUT)  # the queue updates live
    claim.click()
    agent.wait_for_url(f"{site}/console/tickets/*")
    expect(agent.locator("#transcript")).to_contain_text(case["contact"])  # the whole conversation
    expect(agent.locator("#orders")).to_contain_text(case["order"])  # the verified customer's orders
    expect(shopper.page.locator("#koliber-notice")).to_contain_text(case["agent"])

    agent.fill("#reply-input", case["reply"])
    agent.click("#send-reply")
    expect(shopper.page.locator(".koliber-msg[data-author=agent]").last).to_contain_text(case["reply"],
                                                                                     timeout=BOT_ANSWER_TIMEOUT)

    agent.click("#hand-back")
    expect(agent.locator("#ticket-status")).to_contain_text("returned")
    expect(shopper.page.locator(".koliber-msg[data-author=system]").last).to_contain_text(case["back"])
    answer = shopper.says(case["again"])
    assert answer.strip() and case["reply"] not in answer


RATING = {"pl": dict(ask="ile kosztuje wysylka do niemiec?", thanks="Dziękuję, to wszystko", rated="Dziękuję za ocenę"),
          "en": dict(ask="how much is shipping to Germany?", thanks="Thank you, that's all",
                     rated="Thank you for your rating")}


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_shopper_the_assistant_helped_rates_the_chat_with_stars(browser, site, language):
    """Thanks ends a conversation the assistant finished: it is rated with stars (docs/csat.md). A
    shopper who never said who they are, so no earlier rating of the same customer keeps it from asking."""
    case = RATING[language]
    shopper = Shopper(browser, site, language)
    assert shopper.says(case["ask"]).strip()
    shopper.says(case["thanks"])
    stars = shopper.page.locator(".koliber-star")
    expect(stars).to_have_count(5)
    stars.nth(3).click()
    expect(shopper.page.locator(".koliber-msg[data-author=system]").last).to_contain_text(case["rated"],
                                                                                      timeout=BOT_ANSWER_TIMEOUT)
    expect(shopper.page.locator(".koliber-msg[data-author=customer]").last).to_have_text("★★★★")
    expect(stars).to_have_count(0)
