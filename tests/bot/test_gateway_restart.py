"""Restarting the gateway loses no message, ticket or queue place (a real uvicorn process, killed)."""

import json
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from bot.handoff.agents import create_agent
from bot.models.handoff import AgentStatus
from bot.processes import ManagedProcess, free_port, gateway_spec
from db.sessions import make_engine, session_factory, unit_of_work
from tests.bot.conftest import ALWAYS_OPEN


class Widget:
    """What the web chat widget does over a real socket."""

    def __init__(self, url: str) -> None:
        self.socket = connect(url, open_timeout=10)

    def frame(self, kind: str) -> dict:
        while True:
            frame = json.loads(self.socket.recv(timeout=60))
            if frame["type"] == kind:
                return frame

    def hello(self, conversation_id=None, token=None) -> dict:
        self.socket.send(json.dumps({"type": "hello", "language": "pl", "conversation_id": conversation_id,
                                     "token": token, "last_seen": None}))
        return self.frame("welcome")

    def say(self, text: str) -> dict:
        self.socket.send(json.dumps({"type": "message", "text": text, "client_id": uuid.uuid4().hex}))
        return self.frame("ack")


@pytest.fixture
def gateway_process(stack, tmp_path):
    port = free_port()
    spec = gateway_spec(port, stack.database_url, stack.engine, {"KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN)})
    process = ManagedProcess(spec, tmp_path)
    yield process, f"127.0.0.1:{port}"
    process.stop()


def test_restart_keeps_messages_tickets_and_queue_places(stack, gateway_process):
    process, address = gateway_process
    with unit_of_work(session_factory(make_engine(stack.database_url))) as session:
        agent = create_agent(session, f"restart-{uuid.uuid4().hex[:6]}", "Ola", "agent-password", ["pl"])
        agent.status = AgentStatus.AVAILABLE
    process.start()
    process.wait_healthy()

    waiting = []
    for _ in range(2):
        widget = Widget(f"ws://{address}/chat/ws")
        widget.hello()
        ack = widget.say("Chcę rozmawiać z konsultantem")
        queue = widget.frame("queue")
        waiting.append((ack, queue["position"]))
        widget.socket.close()
    first_position, second_position = waiting[0][1], waiting[1][1]
    assert second_position == first_position + 1

    process.stop(timeout=0)  # killed, not shut down politely
    process.start()
    process.wait_healthy()

    ack, position = waiting[1]
    widget = Widget(f"ws://{address}/chat/ws")
    welcome = widget.hello(ack["conversation_id"], ack["token"])
    assert welcome["state"] == "queued"
    assert welcome["queue"]["position"] == position
    texts = [m["text"] for m in welcome["history"]]
    assert texts[0] == "Chcę rozmawiać z konsultantem" and len(texts) >= 3
    widget.socket.close()
    assert httpx.get(f"http://{address}/health").status_code == 200
