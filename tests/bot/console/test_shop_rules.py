"""The shop-rules page over HTTP: an admin's new return window reaches the action server's answer
without a restart and is logged; bad values are refused in words, in both languages, and nothing is stored."""

import re
from functools import cache
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from actions.information import ActionContactInfo, ActionReturnPolicy
from actions.shop_access import use_shop
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory
from shop.access import shop_service
from shop.owner_settings import SettingChange, ShopSetting
from shop.settings import ShopSettings
from testing.waiting import wait_until
from tests.actions.helpers import make_tracker, render, run


@cache
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))



@pytest.fixture
def action_server(admin):
    """The action server's shop as its process builds it: its own connection to the gateway's database."""
    gateway, _ = admin
    settings = ShopSettings(_env_file=None, DATABASE_URL=gateway.settings.database_url,
                            KOLIBER_SETTINGS_CACHE_SECONDS="0.2")
    engine = make_engine(settings.database_url)
    use_shop(shop_service(settings, session_factory(engine)))
    yield
    use_shop(None)
    engine.dispose()


def answer(action, language: str) -> str:
    _, dispatcher = run(action, make_tracker(slots={"language": language}), domain())
    return render(dispatcher, domain(), language)[0]


def returns_answer(language: str) -> str:
    return answer(ActionReturnPolicy(), language)


def test_a_new_return_window_reaches_the_assistant_without_a_restart_and_is_logged(admin, action_server):
    _, browser = admin
    assert "masz 14 dni" in returns_answer("pl")

    saved = browser.post("/console/settings/returns?lang=en",
                         data={"window_days": "30", "non_returnable": ["underwear", "gift_card"]})
    assert saved.status_code == 303

    wait_until(lambda: "masz 30 dni" in returns_answer("pl"), timeout=5, what="the new window in the answer")
    english = returns_answer("en")
    assert "within 30 days" in english and "gift cards" in english and "cosmetics" not in english
    page = browser.get("/console/settings/shop?lang=en").text
    assert re.search(r"<td>return window \(days\)</td>\s*<td class=\"change\">14 → 30</td>", page)
    assert "<td>boss</td>" in page  # who changed it


def test_opening_hours_changed_in_the_console_are_the_hours_the_assistant_gives(admin, action_server):
    _, browser = admin
    assert "pon.–pt. 8:00–20:00, sob. 9:00–15:00" in answer(ActionContactInfo(), "pl")
    weekdays = {field: value for day in ("mon", "tue", "wed", "thu", "fri")
                for field, value in ((f"{day}_open", "1"), (f"{day}_opening", "10:00"), (f"{day}_closing", "18:00"))}
    saved = browser.post("/console/settings/hours?lang=pl",
                         data={**weekdays, "observe_holidays": "1", "max_live_wait_minutes": "15"})
    assert saved.status_code == 303

    wait_until(lambda: "Godziny otwarcia: pon.–pt. 10:00–18:00 (w święta nieczynne)." in answer(ActionContactInfo(), "pl"),
               timeout=5, what="the new hours in the Polish answer")
    assert "Mon–Fri 10:00–18:00 (closed on public holidays)" in answer(ActionContactInfo(), "en")
    assert "sob." not in answer(ActionContactInfo(), "pl")  # Saturday is closed now
    page = browser.get("/console/settings/shop?lang=en").text
    assert "Opening hours customers are given: Mon–Fri 10:00–18:00 (closed on public holidays)." in page


def test_bad_values_are_refused_in_both_languages_and_nothing_is_stored(admin):
    gateway, browser = admin
    returns = browser.post("/console/settings/returns?lang=en", data={"window_days": "400"})
    assert returns.status_code == 422
    assert "Enter a number of days from 1 to 365." in returns.text

    shipping = browser.post("/console/settings/shipping?lang=pl", data={
        "dispatch_cutoff": "14.00", "threshold_PLN": "-5", "threshold_EUR": "50",
        "inpost_locker_carrier": "InPost", "inpost_locker_price_PLN": "12,999", "inpost_locker_transit_days": "1"})
    assert shipping.status_code == 422
    assert "Wpisz godzinę w formacie GG:MM, np. 14:00." in shipping.text
    assert "Wpisz kwotę od 0 wzwyż, z najwyżej dwoma miejscami po przecinku, np. 12,99." in shipping.text
    assert "Wpisz nazwę przewoźnika (do 60 znaków)." in shipping.text  # the other methods' carriers left empty
    assert 'value="12,999"' in shipping.text  # the form comes back as typed

    contact = browser.post("/console/settings/contact?lang=en", data={
        "phone": "call us", "email": "pomoc@", "address_pl": "ul. Ptasia 7", "address_en": ""})
    assert contact.status_code == 422
    for message in ("Enter a phone number", "Enter an e-mail address", "Enter the address (up to 200 characters)."):
        assert message in contact.text
    with gateway.sessions() as session:
        assert session.scalars(select(ShopSetting)).all() == []
        assert session.scalars(select(SettingChange)).all() == []
