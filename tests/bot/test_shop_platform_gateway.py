"""The gateway on a shop platform (each platform's real adapter against its local fake): the
platform's signed webhooks refresh an order at once and forged ones are refused, BaseLinker's
journal is read instead, the agent's order panel reads the platform, and `koliber shop check`
reports what it found."""

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.handoff.agents import create_agent
from bot.models.conversation import Channel, Conversation, ConversationState
from bot.models.handoff import PRIORITY_RANK, AgentRole, Ticket, TicketKind
from bot.shop_journal import ShopJournalJob
from db.sessions import unit_of_work
from shop.models import CachedPlatformOrder
from testing.shop_scenario import scenario_orders
from tests.bot.console.console_client import ConsoleBrowser

PASSWORD = "console-password"


def loaded(fake):
    """The fake with the scenario's orders and no fault pending; the orders by role."""
    orders = scenario_orders(datetime.now(timezone.utc))
    fake.faults.reset()
    fake.load(orders.values())
    return orders


def platform_gateway(make_gateway, database_url, fake):
    # The scenario's numbers have four digits, as a young WooCommerce or Shopify shop's do.
    return make_gateway(database_url, KOLIBER_ORDER_NUMBER_DIGITS="4-6", **fake.environment())


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """One database kind where the platform, not the database, is under test (a gateway takes seconds to start)."""
    return f"sqlite:///{tmp_path / 'koliber.db'}"


def cached(gateway, number: str) -> bool:
    with gateway.sessions() as session:
        return session.scalar(select(CachedPlatformOrder).where(CachedPlatformOrder.number == number)) is not None


@pytest.mark.parametrize("platform", ["woocommerce", "shopify"])
def test_a_signed_webhook_refreshes_the_order_and_a_forged_one_is_refused(make_gateway, database_url,
                                                                          shop_platforms, platform):
    fake = shop_platforms[platform]
    number = loaded(fake)["paid"].number
    gateway = platform_gateway(make_gateway, database_url, fake)
    shop = gateway.client.app.state.gateway.shop
    assert shop.get_order(number).delivery_postcode == "00-950" and cached(gateway, number)
    fake.change_postcode(number, "02-222")

    forged = fake.order_changed_notice(number, signed=False)
    response = gateway.client.post(f"/webhooks/shop/{platform}", content=forged.body, headers=forged.headers)
    assert response.status_code == 401
    assert shop.get_order(number).delivery_postcode == "00-950"  # still the cached copy

    signed = fake.order_changed_notice(number)
    response = gateway.client.post(f"/webhooks/shop/{platform}", content=signed.body, headers=signed.headers)
    assert (response.status_code, response.json()) == (200, {"changed": [number]})
    assert not cached(gateway, number)
    assert shop.get_order(number).delivery_postcode == "02-222"

    other = "shopify" if platform == "woocommerce" else "woocommerce"
    assert gateway.client.post(f"/webhooks/shop/{other}", content=signed.body,
                               headers=signed.headers).status_code == 404


def test_a_gateway_on_the_demo_shop_takes_no_platform_webhooks(gateway):
    assert gateway.client.post("/webhooks/shop/woocommerce", content=b"{}").status_code == 404


def test_baselinkers_journal_is_read_for_changed_orders(make_gateway, sqlite_url, shop_platforms):
    fake = shop_platforms["baselinker"]
    number = loaded(fake)["paid"].number
    gateway = platform_gateway(make_gateway, sqlite_url, fake)
    shop = gateway.client.app.state.gateway.shop
    job = ShopJournalJob(shop, gateway.client.app.state.gateway.database, every_seconds=60)
    shop.get_order(number)
    fake.change_postcode(number, "02-222")
    assert asyncio.run(job.run()) == [number]
    assert asyncio.run(job.run()) == []  # read from where the last read ended
    assert shop.get_order(number).delivery_postcode == "02-222"
    fake.faults.down = True
    assert asyncio.run(job.run()) is None  # logged; the next run reads from the same place


def ticket_for(gateway, order, language: str = "pl") -> int:
    """A web chat that verified `order` on the platform, waiting for a person; agent "ola" exists."""
    with unit_of_work(gateway.sessions) as session:
        create_agent(session, "ola", "Ola", PASSWORD, ["pl", "en"], AgentRole.AGENT)
        now = datetime.now(timezone.utc)
        conversation = Conversation(id=str(uuid.uuid4()), channel=Channel.WEB, language=language,
                                    state=ConversationState.QUEUED, pending_data={}, created_at=now,
                                    last_activity_at=now, verified_order=order.number)
        session.add(conversation)
        ticket = Ticket(conversation=conversation, kind=TicketKind.LIVE, reason="shop_unavailable", priority="high",
                        priority_rank=PRIORITY_RANK["high"], language=language, channel=Channel.WEB,
                        order_number=order.number, order_verified=True, created_at=now - timedelta(minutes=1))
        session.add(ticket)
        session.flush()
        return ticket.id


@pytest.mark.parametrize("platform", ["woocommerce", "shopify", "baselinker"])
def test_the_agents_order_panel_reads_the_platform(make_gateway, sqlite_url, shop_platforms, platform):
    fake = shop_platforms[platform]
    orders = loaded(fake)
    verified = orders["in_transit"]
    gateway = platform_gateway(make_gateway, sqlite_url, fake)
    ticket_id = ticket_for(gateway, verified)
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", PASSWORD)

    details = ola.get(f"/console/api/tickets/{ticket_id}").json()
    annas = [o for o in orders.values() if o.customer_email == verified.customer_email]
    assert {o["number"] for o in details["orders"]} == {o.number for o in annas}
    panel = next(o for o in details["orders"] if o["number"] == verified.number)
    assert (panel["status"], panel["carrier"], panel["tracking_number"]) == (
        "shipped", "InPost", verified.shipment.tracking_number)
    assert details["orders_unavailable"] is False

    fake.faults.down = True
    details = ola.get(f"/console/api/tickets/{ticket_id}").json()
    assert (details["orders"], details["orders_unavailable"]) == ([], True)
    assert details["ticket"]["id"] == ticket_id  # the ticket itself still opens


def test_an_agent_refunds_on_the_platform_once_and_is_told_what_it_cannot_do(make_gateway, database_url,
                                                                             shop_platforms):
    fake = shop_platforms["woocommerce"]
    orders = loaded(fake)
    johns = orders["delivered"]  # paid by card (EUR), delivered
    gateway = platform_gateway(make_gateway, database_url, fake)  # both databases: a refund is a write
    ticket = ticket_for(gateway, johns, "en")
    ola = ConsoleBrowser.logged_in(gateway.client, "ola", PASSWORD)
    assert ola.post(f"/console/api/tickets/{ticket}/claim").status_code == 200

    def act(kind: str, order: str, key: str, **fields):
        body = {"kind": kind, "order_number": order, "reason": "Parcel arrived damaged", "key": key, **fields}
        return ola.post(f"/console/api/tickets/{ticket}/actions", json=body)

    refund = act("refund", johns.number, "agent-click-1", amount="20.00")
    assert refund.status_code == 200, refund.text
    assert act("refund", johns.number, "agent-click-1", amount="20.00").json()["repeated"] is True
    assert fake.refunds_of(johns.number) == [Decimal("20.00")]
    # Anna's order is not this customer's: no link to a demo-shop customer stands in for one.
    assert act("refund", orders["paid"].number, "agent-click-2", amount="5.00").status_code == 403
    cannot = act("resend_invoice", johns.number, "agent-click-3")
    assert cannot.status_code == 409 and "in the shop's own panel" in cannot.json()["detail"]
    fake.faults.down = True
    down = act("refund", johns.number, "agent-click-4", amount="5.00")
    assert down.status_code == 409 and "not answering" in down.json()["detail"]
    assert fake.refunds_of(johns.number) == [Decimal("20.00")]


@pytest.mark.parametrize("platform", ["woocommerce", "shopify", "baselinker"])
def test_shop_check_reports_the_platforms_orders(koliber, capsys, tmp_path, shop_platforms, platform):
    fake = shop_platforms[platform]
    orders = loaded(fake)
    database = f"sqlite:///{tmp_path / 'koliber.db'}"
    assert koliber("shop", "check", DATABASE_URL=database, **fake.environment()) == 0
    out = capsys.readouterr().out
    recent = [o for o in orders.values() if o.placed_at >= datetime.now(timezone.utc) - timedelta(days=30)]
    assert "connected" in out and f"orders in the last 30 days: {len(recent)}" in out
    assert "InPost" in out and "shipped 1" in out

    wrong_key = {name: "wrong" for name in fake.environment() if name.endswith(("_KEY", "_TOKEN"))}
    assert koliber("shop", "check", DATABASE_URL=database, **{**fake.environment(), **wrong_key}) == 1
    assert "refused the credentials" in capsys.readouterr().err
