"""An identity the verification guard could not vouch for waits on the ticket page until an agent confirms it."""

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel
from bot.models.handoff import PRIORITY_RANK, AgentRole, Ticket, TicketKind
from db.sessions import unit_of_work
from tests.bot.console.console_client import ConsoleBrowser
from tests.bot.conversations.test_identity import ANNA, ANNAS_ORDER, SMS_NUMBER, start, verify
from tests.conftest import FIXED_NOW

PASSWORD = "console-password"


def ticket_of(session, conversation) -> int:
    ticket = Ticket(conversation_id=conversation.id, kind=TicketKind.LIVE, reason="suspected_guessing",
                    priority="high", priority_rank=PRIORITY_RANK["high"], language=conversation.language,
                    channel=conversation.channel, order_number=ANNAS_ORDER, created_at=FIXED_NOW)
    session.add(ticket)
    session.flush()
    return ticket.id


def test_an_agent_confirms_an_identity_verified_after_misses(shop, make_gateway, database_url):
    gateway = make_gateway(database_url)
    with unit_of_work(gateway.sessions) as session:
        for username, languages, role in (("ola", ["pl"], AgentRole.AGENT), ("tom", ["en"], AgentRole.AGENT),
                                          ("tess", ["pl"], AgentRole.TRAINER)):
            create_agent(session, username, username.title(), PASSWORD, languages, role)
        verify(session, start(session))  # Anna's own contact, from a clean chat
        sms = start(session, Channel.SMS, SMS_NUMBER)
        verify(session, sms, misses=2)
        ticket = ticket_of(session, sms)
        nothing_verified = ticket_of(session, start(session))
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", PASSWORD)
    identity = f"/console/api/tickets/{ticket}/identity"

    assert ola.get(identity).json() == {"verified_order": ANNAS_ORDER, "confirmed": False,
                                       "suggested_customer": None}
    before = ola.get(f"/console/api/tickets/{ticket}").json()
    assert before["customer"]["email"] is None and before["orders"] == []  # nothing of Anna's yet

    for stranger in ("tom", "tess"):  # not his language; not a trainer's business
        browser = ConsoleBrowser.logged_in(gateway.client, stranger, PASSWORD)
        assert browser.post(f"{identity}/confirm").status_code == 403
    assert ola.post(f"/console/api/tickets/{nothing_verified}/identity/confirm").status_code == 409
    assert ola.get(identity).json()["confirmed"] is False

    assert ola.post(f"{identity}/confirm").json() == {"verified_order": ANNAS_ORDER, "confirmed": True,
                                                      "suggested_customer": None}
    after = ola.get(f"/console/api/tickets/{ticket}").json()
    assert (after["customer"]["email"], after["customer"]["phone"]) == (ANNA, SMS_NUMBER)
    assert ANNAS_ORDER in [order["number"] for order in after["orders"]]
