"""One customer turn followed by its id through the three processes' logs (gateway, engine, action
server), and the customer's personal data in none of them."""

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.log_lines import LogOptions, log_handler
from testing.waiting import wait_until

pytestmark = pytest.mark.engine

PERSONAL_DATA = ("jan.kowalski@example.com", "600 100 200", "00-950")


@pytest.fixture
def gateway_log() -> Iterator[io.StringIO]:
    """The in-process gateway's log lines, as `koliber run` writes them to var/log/gateway.log."""
    stream = io.StringIO()
    handler, root = log_handler("gateway", LogOptions(), stream), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines_of(text: str) -> list[dict]:
    """The JSON lines in a log (a process's start-up may print a line of its own before them)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def lines_of_turn(log: Path | io.StringIO, turn_id: str) -> list[dict]:
    text = log.getvalue() if isinstance(log, io.StringIO) else log.read_text(errors="replace")
    return [line for line in lines_of(text) if line.get("turn_id") == turn_id]


def test_a_turn_is_followed_by_its_id_in_the_three_logs_with_personal_data_masked(live_gateway, stack, gateway_log):
    answer = live_gateway.post_message("Ile trwa dostawa do 00-950? Mój e-mail to jan.kowalski@example.com, "
                                       "telefon 600 100 200", sender="crm-logs")
    assert answer.status_code == 200 and answer.json()["replies"]

    (started,) = [line for line in lines_of(gateway_log.getvalue()) if line["message"].startswith("turn started")]
    turn_id, conversation_id = started["turn_id"], started["conversation_id"]
    assert conversation_id == answer.json()["conversation_id"] and started["service"] == "gateway"
    engine_lines = wait_until(lambda: lines_of_turn(stack.work_dir / "engine.log", turn_id), timeout=10,
                              what="the engine's log lines of the turn")
    action_lines = wait_until(lambda: lines_of_turn(stack.work_dir / "actions.log", turn_id), timeout=10,
                              what="the action server's log lines of the turn")
    assert {line["service"] for line in engine_lines} == {"engine"}
    assert {line["service"] for line in action_lines} == {"actions"}
    assert {line["conversation_id"] for line in engine_lines + action_lines} == {conversation_id}
    assert any(line["message"].startswith("action ") for line in action_lines)  # each action the turn ran

    for log in (gateway_log.getvalue(), *(stack.work_dir.joinpath(name).read_text(errors="replace")
                                          for name in ("engine.log", "actions.log"))):
        assert not [personal for personal in PERSONAL_DATA if personal in log]


def test_the_engine_and_the_action_server_write_only_json_lines(stack):
    """From the first line on: rasa-sdk registers its actions before it calls Koliber's plugin, and
    rasa_sdk_plugins.serve (like engine_plugins.serve for Rasa) sets the log lines up before that."""
    customer = stack.conversation(language="en")
    customer.say("where is your store?")  # runs action_contact_info
    actions_log, engine_log = (stack.work_dir / name for name in ("actions.log", "engine.log"))
    wait_until(lambda: [line for line in lines_of(actions_log.read_text(errors="replace"))
                        if line.get("conversation_id") == customer.sender], timeout=10, what="the action's log lines")
    for log in (actions_log, engine_log):
        text = log.read_text(errors="replace")
        assert [line for line in text.splitlines() if not line.startswith("{")] == [], log.name
        assert len(lines_of(text)) == len(text.splitlines()), log.name  # each one JSON, not just its first brace
    assert any(line["message"].startswith("Registered function for") for line in lines_of(actions_log.read_text()))
