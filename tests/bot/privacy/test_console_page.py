"""The admin's customer-data page: find a person, download the same JSON the command line writes,
and erase only after the address is typed again; agents and trainers are kept out."""

import json

from sqlalchemy import select

from bot.handoff.agents import create_agent
from bot.models.handoff import AgentRole
from bot.models.privacy import AuditLogEntry
from db.sessions import unit_of_work
from tests.bot.console.console_client import ConsoleBrowser
from tests.bot.privacy.story import ANNA_EMAIL, ANNA_PHONE, ANNA_SMS, ANNA_TRACES, NOTE, anna_and_piotr, traces


def _admin(gateway) -> ConsoleBrowser:
    with unit_of_work(gateway.sessions) as session:
        create_agent(session, "szef", "Szef", "admin-password", ["pl"], AgentRole.ADMIN)
    return ConsoleBrowser.logged_in(gateway.client, "szef", "admin-password")


def test_an_admin_finds_downloads_and_erases_a_customer(gateway, policy):
    story = anna_and_piotr(gateway, policy)
    admin = _admin(gateway)

    found = admin.get("/console/privacy", params={"q": "+48 601 234 567"})
    assert found.status_code == 200
    assert 'data-count="conversations"><strong>2</strong>' in found.text
    assert all(conversation in found.text for conversation in story.anna_conversations)
    assert ANNA_SMS[0] not in found.text  # the page counts; the download shows

    download = admin.post("/console/privacy/export", data={"address": ANNA_PHONE})
    assert download.status_code == 200 and download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"].startswith('attachment; filename="koliber-personal-data-')
    document = json.loads(download.content)
    assert document["identifiers"]["emails"] == [ANNA_EMAIL]
    assert [n["text"] for c in document["conversations"] for t in c["tickets"] for n in t["notes"]] == [NOTE]

    # A slip of the finger erases nothing.
    refused = admin.post("/console/privacy/erase", data={"address": ANNA_PHONE, "confirmation": "+48 601 234 568"})
    assert refused.status_code == 422 and "Nothing was erased" in refused.text
    assert traces(gateway.client.app.state.gateway.database, [ANNA_EMAIL])

    erased = admin.post("/console/privacy/erase", data={"address": ANNA_PHONE, "confirmation": "601234567"})
    assert erased.status_code == 200 and 'id="privacy-erased"' in erased.text
    assert 'data-count="messages"><strong>6</strong>' in erased.text
    assert "could not be reached" in erased.text  # the engine is down here: says what is left
    assert traces(gateway.client.app.state.gateway.database, ANNA_TRACES) == []

    with gateway.sessions() as session:
        entries = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id)).all()
        assert [(e.actor, e.action) for e in entries] == [
            ("agent:szef", "export"), ("agent:szef", "erase"), ("agent:szef", "engine_forget")]
    page = admin.get("/console/privacy")
    assert page.text.count("agent:szef") == 3


def test_only_admins_may_see_or_change_customer_data(gateway, policy):
    anna_and_piotr(gateway, policy)
    agent = ConsoleBrowser.logged_in(gateway.client, "ola", "agent-password")  # the story's agent
    with unit_of_work(gateway.sessions) as session:
        create_agent(session, "teodor", "Teodor", "agent-password", ["pl"], AgentRole.TRAINER)
    trainer = ConsoleBrowser.logged_in(gateway.client, "teodor", "agent-password")
    stranger = ConsoleBrowser(gateway.client, None)
    for browser, page_status, post_status in ((agent, 403, 403), (trainer, 403, 403), (stranger, 303, 401)):
        assert browser.get("/console/privacy", params={"q": ANNA_EMAIL}).status_code == page_status
        assert browser.post("/console/privacy/export", data={"address": ANNA_EMAIL}).status_code == post_status
        assert browser.post("/console/privacy/erase", data={"address": ANNA_EMAIL,
                                                            "confirmation": ANNA_EMAIL}).status_code == post_status
    assert traces(gateway.client.app.state.gateway.database, [ANNA_EMAIL, *ANNA_SMS])


def test_a_form_posted_from_another_site_is_refused(gateway, policy):
    anna_and_piotr(gateway, policy)
    admin = _admin(gateway)
    forged = admin.post("/console/privacy/erase", data={"address": ANNA_EMAIL, "confirmation": ANNA_EMAIL},
                        headers={"Origin": "https://attacker.example"})
    assert forged.status_code == 403
    assert traces(gateway.client.app.state.gateway.database, [ANNA_EMAIL])
