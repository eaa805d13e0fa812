"""The chat widget's page for admins: a new English title and accent colour saved in headless Chromium
reach the widget on the shop's page at its next load, without a restart, and are logged; a bad colour
or an empty title is refused in words, in both languages, and nothing is stored."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.handoff import AgentRole
from bot.persistence.migrate import upgrade
from db.sessions import make_engine, session_factory, unit_of_work
from shop.owner_settings import SettingChange, ShopSetting
from testing.served import ServedApp
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE, gateway_settings
from tests.bot.console.console_client import ADMIN_PASSWORD, log_in_page

SHIPPED_TITLE = "Koliber Shop help"  # config/widget_texts.yml
SHIPPED_ACCENT = "rgb(11, 122, 90)"  # #0b7a5a, config/widget_texts.yml's widget_colours


@pytest.fixture
def site(tmp_path, twilio_cloud) -> Iterator[str]:
    """The gateway on a real port (the browser needs one) with an admin."""
    database_url = f"sqlite:///{tmp_path / 'koliber.db'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        create_agent(session, "boss", "Boss", ADMIN_PASSWORD, ["pl", "en"], AgentRole.ADMIN)
    engine.dispose()
    with ServedApp(create_app(gateway_settings(database_url, DEAD_ENGINE, ALWAYS_OPEN, twilio_cloud))) as served:
        yield served.base_url


def open_widget(page, site: str) -> None:
    page.goto(f"{site}/?lang=en")
    page.click("#koliber-launcher")


def accent_of(page) -> str:
    """The open panel's header (the launcher under the mouse has the darker hover colour)."""
    return page.locator(".koliber-header").evaluate("header => getComputedStyle(header).backgroundColor")


def test_a_new_title_and_accent_reach_the_widget_at_its_next_load(browser, site):
    shopper = browser.new_context().new_page()
    open_widget(shopper, site)
    expect(shopper.locator("#koliber-title")).to_have_text(SHIPPED_TITLE)
    assert accent_of(shopper) == SHIPPED_ACCENT

    admin = browser.new_context().new_page()
    log_in_page(admin, site, "boss", ADMIN_PASSWORD)
    admin.goto(f"{site}/console/settings/widget?lang=en")
    admin.fill("#widget-en_title", "Help from Mrs Hummingbird")
    admin.fill("#widget-accent", "#7B2CBF")
    admin.click("#save-widget")

    expect(admin.locator("#settings-saved")).to_have_text(
        "Saved. Customers see the changes the next time they load a page.")
    expect(admin.locator("#settings-audit tr[data-field=en_title]")).to_contain_text(
        f"{SHIPPED_TITLE} → Help from Mrs Hummingbird")
    expect(admin.locator("#settings-audit tr[data-field=accent]")).to_contain_text("#0b7a5a → #7b2cbf")
    expect(admin.locator("#settings-audit tr[data-field=accent]")).to_contain_text("boss")

    open_widget(shopper, site)  # the same shopper, the next page
    expect(shopper.locator("#koliber-title")).to_have_text("Help from Mrs Hummingbird")
    assert accent_of(shopper) == "rgb(123, 44, 191)"
    shopper.goto(f"{site}/?lang=pl")  # the Polish title was not touched
    expect(shopper.locator("#koliber-launcher")).to_be_visible()
    shopper.click("#koliber-launcher")
    expect(shopper.locator("#koliber-title")).to_have_text("Pomoc — Sklep Koliber")



def test_a_bad_colour_or_text_is_refused_in_both_languages_and_nothing_is_stored(admin):
    gateway, browser = admin
    page = browser.get("/console/settings/widget?lang=pl").text
    typed = {"pl_title": "Pomoc", "pl_subtitle": "Odpowiadamy od razu", "pl_intro": "Cześć!",
             "pl_input_placeholder": "Napisz…", "pl_human_button": "Konsultant", "en_title": "Help",
             "en_subtitle": "We answer at once", "en_intro": "Hi!", "en_input_placeholder": "Type…",
             "en_human_button": "A person", "on_accent": "#ffffff"}
    assert 'value="Pomoc — Sklep Koliber"' in page  # the shipped texts to start from

    polish = browser.post("/console/settings/widget?lang=pl", data={**typed, "accent": "zielony", "en_title": ""})
    assert polish.status_code == 422
    assert "Wpisz kolor w formacie #RRGGBB, np. #0B7A5A." in polish.text
    assert "Wpisz tekst (do 60 znaków)." in polish.text
    assert 'value="zielony"' in polish.text  # the form comes back as typed
    english = browser.post("/console/settings/widget?lang=en", data={**typed, "accent": "#0b7a5"})
    assert english.status_code == 422
    assert "Enter a colour as #RRGGBB, e.g. #0B7A5A." in english.text
    pale = browser.post("/console/settings/widget?lang=en", data={**typed, "accent": "#ffcc00"})
    assert pale.status_code == 422
    assert "Text in this colour would be hard to read on the main colour" in pale.text

    with gateway.sessions() as session:
        assert session.scalars(select(ShopSetting)).all() == []
        assert session.scalars(select(SettingChange)).all() == []
    assert gateway.client.get("/chat/colours").json()["accent"] == "#0b7a5a"
    assert gateway.client.get("/chat/texts?lang=en").json()["title"] == SHIPPED_TITLE
