"""Koliber on several processes, as `koliber run --engines 2 --gateways 2` starts it, on a PostgreSQL
and a Redis of the test's own: a customer on one gateway and an agent on the other see each other
live; an engine killed during load, a database restart and Redis going away lose no acknowledged
message, and the gateways report and recover."""

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from websockets.sync.client import connect

from bot.console.auth import SESSION_COOKIE
from bot.handoff.agents import create_agent
from bot.models.conversation import Author, Message
from bot.models.handoff import AgentStatus, Ticket
from bot.processes import ManagedProcess, free_port, koliber_services
from bot.settings import Settings
from db.sessions import make_engine, session_factory, unit_of_work
from testing.demo_shop import create_demo_shop
from testing.servers import PostgresServer, RedisServer
from testing.waiting import wait_until
from tests.bot.conftest import ALWAYS_OPEN, API_KEY
from tests.stack import MODEL_DIR

pytestmark = [pytest.mark.engine, pytest.mark.postgres]
AGENT_PASSWORD = "agent-password"


def consecutive_free_ports(count: int) -> int:
    """The first of `count` free ports in a row (engines, action servers and gateways take port + index)."""
    while True:
        first = free_port()
        if first + count < 65536 and all(_free(first + offset) for offset in range(1, count)):
            return first


def _free(port: int) -> bool:
    import socket
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@dataclass
class Topology:
    gateways: list[str]
    engines: list[ManagedProcess]
    database_url: str
    postgres: PostgresServer
    redis: RedisServer

    def sessions(self):
        return session_factory(make_engine(self.database_url))

    def transcripts(self, conversation_ids: list[str]) -> str:
        with self.sessions()() as session:
            messages = session.scalars(select(Message).where(Message.conversation_id.in_(conversation_ids))
                                       .order_by(Message.conversation_id, Message.id))
            return "\n".join(f"{m.conversation_id[:8]} {m.author.value}: {m.text}" for m in messages)

    def dependencies(self, gateway: str) -> dict[str, str]:
        return httpx.get(f"{gateway}/health/dependencies", timeout=10).json()


@pytest.fixture(scope="module")
def topology(tmp_path_factory) -> Iterator[Topology]:
    if not PostgresServer.possible():
        if os.environ.get("CI"):
            pytest.fail("a PostgreSQL server of the test's own needs root and Debian's postgresql binaries")
        pytest.skip("a PostgreSQL server of the test's own needs root and Debian's postgresql binaries")
    work = tmp_path_factory.mktemp("scale-out")
    postgres, redis_server = PostgresServer().start(), RedisServer().start()
    database_url = postgres.create_database("koliber")
    create_demo_shop(database_url)
    engine_port, action_port, gateway_port = (consecutive_free_ports(2) for _ in range(3))
    environment = {"KOLIBER_ENV": "development", "DATABASE_URL": database_url, "KOLIBER_REDIS_URL": redis_server.url,
                   "RASA_URL": f"http://127.0.0.1:{engine_port}", "ACTION_SERVER_PORT": str(action_port),
                   "GATEWAY_PORT": str(gateway_port), "KOLIBER_API_KEY": API_KEY,
                   "KOLIBER_ENGINE_TOKEN": uuid.uuid4().hex, "KOLIBER_ACTIONS_TOKEN": uuid.uuid4().hex,
                   "KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN), "KOLIBER_ENGINE_TIMEOUT": "40"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)  # the processes inherit the environment, as from a shell
        services = koliber_services(Settings(_env_file=None), 2, 2, MODEL_DIR, work, work)
        try:
            for service in services:  # the two engines load their models side by side
                service.start()
            for service in services:
                service.wait_healthy()
            yield Topology([f"http://127.0.0.1:{gateway_port + index}" for index in range(2)],
                           [s for s in services if s.spec.name.startswith("engine")], database_url, postgres,
                           redis_server)
        finally:
            for service in reversed(services):
                service.stop()
            redis_server.stop()
            postgres.stop()


def _api(gateway: str, text_: str, **fields) -> httpx.Response:
    return httpx.post(f"{gateway}/api/v1/messages", json={"text": text_, **fields},
                      headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60)


def _frames(socket, until) -> dict:
    while True:
        frame = json.loads(socket.recv(timeout=60))
        if until(frame):
            return frame


def test_a_customer_on_one_gateway_and_an_agent_on_the_other_see_each_other_live(topology):
    customer_gateway, agent_gateway = topology.gateways
    with unit_of_work(topology.sessions()) as session:
        create_agent(session, "ewa", "Ewa", AGENT_PASSWORD, ["pl", "en"]).status = AgentStatus.AVAILABLE
    login = httpx.post(f"{agent_gateway}/console/login", data={"username": "ewa", "password": AGENT_PASSWORD},
                       headers={"Origin": agent_gateway})
    cookie = f"{SESSION_COOKIE}={login.cookies[SESSION_COOKIE]}"
    with connect(customer_gateway.replace("http", "ws") + "/chat/ws") as customer:
        customer.send(json.dumps({"type": "hello", "language": "en"}))
        _frames(customer, lambda f: f["type"] == "welcome")
        customer.send(json.dumps({"type": "message", "text": "I want to talk to a person", "client_id": "c1"}))
        conversation_id = _frames(customer, lambda f: f["type"] == "ack")["conversation_id"]
        _frames(customer, lambda f: f["type"] == "state" and f["state"] == "queued")
        with topology.sessions()() as session:
            ticket_id = session.scalar(select(Ticket.id).where(Ticket.conversation_id == conversation_id))
        agent_url = agent_gateway.replace("http", "ws") + f"/console/ws?ticket={ticket_id}"
        with connect(agent_url, additional_headers={"Cookie": cookie, "Origin": agent_gateway}) as agent:
            headers = {"Cookie": cookie, "Origin": agent_gateway}
            assert httpx.post(f"{agent_gateway}/console/api/tickets/{ticket_id}/claim", headers=headers).status_code == 200
            httpx.post(f"{agent_gateway}/console/api/tickets/{ticket_id}/reply", headers=headers,
                       json={"text": "Hello, Ewa here. How can I help?"}).raise_for_status()
            heard = _frames(customer, lambda f: f["type"] == "message" and f["message"]["author"] == "agent")
            assert heard["message"]["text"] == "Hello, Ewa here. How can I help?"
            customer.send(json.dumps({"type": "message", "text": "My parcel 48213 is late", "client_id": "c2"}))
            seen = _frames(agent, lambda f: f["type"] == "message" and f["message"]["author"] == "customer")
            assert seen["message"]["text"] == "My parcel 48213 is late"


async def _verify_order(gateway: str, sender: str) -> tuple[list[int], str, str]:
    """One customer verifying order 48213 over the API: the message ids acknowledged, the last reply
    and the conversation."""
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=90) as client:
        acknowledged, last, conversation_id = [], "", ""
        for number, text_ in enumerate(["where is my order?", "48213", "anna.nowak@example.pl"]):
            body = {"text": text_, "sender": sender, "language": "en", "message_id": f"{sender}-{number}"}
            response = await client.post(f"{gateway}/api/v1/messages", json=body)
            response.raise_for_status()
            acknowledged.append(response.json()["message_id"])
            conversation_id = response.json()["conversation_id"]
            last = " ".join(reply["text"] for reply in response.json()["replies"])
        return acknowledged, last, conversation_id


def test_killing_one_of_two_engines_during_load_loses_nothing_and_keeps_every_conversation(topology):
    async def load() -> list[tuple[list[int], str, str]]:
        customers = [_verify_order(topology.gateways[index % 2], f"load-{uuid.uuid4().hex[:8]}") for index in range(50)]
        running = asyncio.gather(*customers)
        # A third of the 150 turns answered: turns are waiting on both engines when one dies.
        await asyncio.to_thread(wait_until, lambda: _customer_turns(topology) >= 50, 120, "50 answered turns")
        await asyncio.to_thread(topology.engines[0].kill)
        return await running

    outcomes = asyncio.run(load())
    try:
        acknowledged = [message_id for ids, _, _ in outcomes for message_id in ids]
        with topology.sessions()() as session:
            stored = set(session.scalars(select(Message.id).where(Message.id.in_(acknowledged))))
        assert len(acknowledged) == 150 and stored == set(acknowledged)
        # Every customer got the order's status from the surviving engine: the verification begun
        # on the killed one was kept in the shared tracker store.
        unfinished = [conversation for _, last, conversation in outcomes if "on its way" not in last]
        assert not unfinished, topology.transcripts(unfinished)
    finally:
        topology.engines[0].start()
        topology.engines[0].wait_healthy()


def _customer_turns(topology: Topology) -> int:
    with topology.sessions()() as session:
        return session.scalar(select(func.count()).select_from(Message).where(
            Message.author == Author.CUSTOMER, Message.handled_at.is_not(None)))


def test_a_database_restart_during_load_loses_no_acknowledged_message(topology):
    sent: dict[str, str] = {}
    refusals: list[int] = []

    async def customer(index: int, stop: asyncio.Event) -> None:
        gateway = topology.gateways[index % 2]
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60) as client:
            number = 0
            while not stop.is_set():
                message_id = f"restart-{index}-{number}"
                body = {"text": f"hello number {number}", "sender": f"restart-{index}", "message_id": message_id}
                while True:  # a message not acknowledged is sent again, with the same id
                    status = (await client.post(f"{gateway}/api/v1/messages", json=body)).status_code
                    if status == 200:
                        break
                    refusals.append(status)
                    await asyncio.sleep(0.2)
                sent[message_id] = body["text"]
                number += 1

    async def load() -> None:
        stop = asyncio.Event()
        customers = asyncio.gather(*(customer(index, stop) for index in range(10)))
        await asyncio.to_thread(wait_until, lambda: len(sent) >= 20, 120, "20 acknowledged messages")
        await asyncio.to_thread(topology.postgres.restart)
        before = len(sent)
        await asyncio.to_thread(wait_until, lambda: len(sent) >= before + 20, 120, "20 more after the restart")
        stop.set()
        await customers

    asyncio.run(load())
    with topology.sessions()() as session:
        stored = session.execute(select(Message.external_id, func.count()).where(
            Message.external_id.in_(list(sent))).group_by(Message.external_id)).all()
    assert dict(stored) == {message_id: 1 for message_id in sent}  # every one stored, none twice
    assert set(refusals) <= {503}, refusals  # "send it again", never an internal error


def test_redis_going_away_is_reported_and_the_gateways_recover(topology):
    for gateway in topology.gateways:
        assert topology.dependencies(gateway)["redis"] == "ok"
    topology.redis.stop()
    try:
        for gateway in topology.gateways:
            wait_until(lambda: topology.dependencies(gateway)["redis"].startswith("error"), 30, "the failure reported")
        assert _api(topology.gateways[0], "hello while Redis is away", sender="no-redis").status_code == 200
    finally:
        topology.redis.start()
    for gateway in topology.gateways:
        wait_until(lambda: topology.dependencies(gateway)["redis"] == "ok", 30, "the gateway back on Redis")
