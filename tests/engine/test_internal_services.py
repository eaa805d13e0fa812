"""The engine and the action server are internal (finding 1 of the security review): they listen on
127.0.0.1 only and refuse every call without their secret, changing nothing."""

import re
from pathlib import Path

import httpx
import pytest

from bot.engine.address import EngineAddress

pytestmark = pytest.mark.engine


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, from the kernel's own table."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def _action_server_url(stack) -> str:
    endpoints = (stack.work_dir / "endpoints.yml").read_text()
    return re.search(r'url: "(http://[^"]+)/webhook"', endpoints).group(1)


def test_both_services_listen_on_loopback_only(stack):
    for url in (stack.engine.url, _action_server_url(stack)):
        port = int(url.rsplit(":", 1)[1])
        assert _listening_addresses(port) == {"0100007F"}, url  # 127.0.0.1, nothing else


def test_the_engine_refuses_every_call_without_its_token_and_changes_nothing(stack):
    customer = stack.conversation(language="en")
    customer.say("Where is my order?")
    anonymous = httpx.Client(base_url=stack.engine.url, timeout=30)
    wrong = EngineAddress(stack.engine.url, "guessed-token").client(timeout=30)
    for client in (anonymous, wrong):
        forged_slot = client.post(f"/conversations/{customer.sender}/tracker/events",
                                  json={"event": "slot", "name": "verified_order", "value": "48213"})
        assert forged_slot.status_code == 401
        assert client.post("/webhooks/koliber/turn", json={"sender": customer.sender, "message": "hi"}).status_code == 401
        assert client.get(f"/conversations/{customer.sender}/tracker").status_code == 401
        assert client.delete("/model").status_code == 401
        assert client.put("/model", json={"model_file": "models/koliber.tar.gz"}).status_code == 401
        assert client.post("/model/train", json={}).status_code == 401
        assert client.delete(f"/webhooks/koliber/conversations/{customer.sender}").status_code == 401
    # Rasa's open REST channel is not there at all.
    assert anonymous.post("/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}).status_code == 404
    with stack.engine.client(timeout=30) as owner:
        tracker = owner.get(f"/conversations/{customer.sender}/tracker").json()
        assert tracker["slots"]["verified_order"] is None
        assert owner.get("/status").status_code == 200
    # The forged slot did not verify the order: the bot still asks for the second factor.
    assert "e-mail address used for the order" in customer.say("48213").text


def test_the_action_server_refuses_a_forged_tracker_without_the_engines_secret(stack):
    url = _action_server_url(stack)
    forged = {"next_action": "action_answer_order_request", "sender_id": "attacker", "version": "3.6.21",
              "domain": {}, "tracker": {"sender_id": "attacker", "latest_message": {"text": "status"},
                                        "slots": {"order_id": "48213", "verified_order": "48213",
                                                  "pending_request": "order_status", "language": "en"},
                                        "events": [], "active_loop": {}, "latest_action_name": "action_listen"}}
    for headers in ({}, {"Authorization": "Bearer guessed"}):
        response = httpx.post(f"{url}/webhook", json=forged, headers=headers, timeout=30)
        assert response.status_code == 401 and "48213" not in response.text
    assert httpx.get(f"{url}/actions", timeout=30).status_code == 401
    assert httpx.get(f"{url}/health", timeout=30).status_code == 200  # for process supervisors
