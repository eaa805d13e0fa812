"""The administration pages over HTTP: bad hours are refused in words and nothing changes; an invited
agent sets a password through the one-time link and logs in; a deactivated agent cannot."""

import re

from sqlalchemy import select

from bot.models.handoff import Agent
from shop.owner_settings import SettingChange, ShopSetting
from tests.bot.console.console_client import ConsoleBrowser, log_in


def test_closing_before_opening_is_refused_with_a_clear_message(admin):
    gateway, browser = admin
    week = {f"{day}_open": "1" for day in ("mon", "tue")}
    response = browser.post("/console/settings/hours?lang=en", data={
        **week, "mon_opening": "18:00", "mon_closing": "09:00", "tue_opening": "8.00", "tue_closing": "16:00",
        "closed_days": "2026-12-24\n24.12.2026", "max_live_wait_minutes": "15"})

    assert response.status_code == 422
    assert "The closing time must be later than the opening time." in response.text
    assert "Write the time as HH:MM, e.g. 08:00" in response.text
    assert "Write each day off as a date YYYY-MM-DD" in response.text
    polish = browser.post("/console/settings/hours?lang=pl", data={"max_live_wait_minutes": "0"})
    assert "Zaznacz co najmniej jeden dzień pracy." in polish.text
    assert "Wpisz liczbę minut od 1 do 240." in polish.text
    with gateway.sessions() as session:
        assert session.scalars(select(ShopSetting)).all() == []
        assert session.scalars(select(SettingChange)).all() == []


def test_an_invited_agent_sets_a_password_logs_in_and_once_deactivated_cannot(admin):
    gateway, browser = admin
    invited = browser.post("/console/agents/invite?lang=en", data={
        "username": "ewa", "display_name": "Ewa", "languages": ["pl", "en"], "role": "agent"})
    assert invited.status_code == 200
    link = re.search(r'<code id="password-link">http://testserver(/console/password/[\w-]+)</code>', invited.text)[1]
    assert log_in(gateway.client, "ewa", "").status_code == 401  # no password until the link sets one

    assert "Account ewa." in gateway.client.get(link + "?lang=en").text
    mismatch = browser.post(link, data={"password": "ewa-password", "repeated": "ewa-passwort"})
    assert mismatch.status_code == 422
    assert browser.post(link, data={"password": "ewa-password", "repeated": "ewa-password"}).status_code == 303
    assert browser.post(link, data={"password": "other-pass", "repeated": "other-pass"}).status_code == 404  # once
    ewa = ConsoleBrowser.logged_in(gateway.client, "ewa", "ewa-password")
    assert ewa.get("/console/api/queue").status_code == 200

    with gateway.sessions() as session:
        ewa_id = session.scalar(select(Agent.id).where(Agent.username == "ewa"))
    page = browser.post(f"/console/agents/{ewa_id}/deactivate?lang=en")
    assert "ewa is deactivated" in page.text
    assert ewa.get("/console/api/queue").status_code == 401  # logged out at once
    assert log_in(gateway.client, "ewa", "ewa-password").status_code == 401
    log = browser.get("/console/agents?lang=en").text
    assert re.search(r"<td>ewa\.account</td>\s*<td class=\"change\">active → inactive</td>", log)

