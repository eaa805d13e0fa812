"""A real conversation with the trained engine, exported through the review inbox as a test story
with placeholders for its personal data, passes `rasa test` against the same model."""

import pytest
import yaml

from bot.handoff.agents import create_agent
from bot.models.handoff import AgentRole
from bot.processes import RASA_BIN
from bot.settings import PROJECT_ROOT
from bot.trainer.data.rasa_cli import run_rasa
from db.sessions import unit_of_work
from tests.bot.console.console_client import ConsoleBrowser

pytestmark = pytest.mark.engine

TURNS = ["dzień dobry", "gdzie jest moja paczka?", "48213", "anna.nowak@example.pl", "dziękuję"]


def test_an_exported_conversation_passes_rasa_test(make_gateway, stack, tmp_path):
    stories = tmp_path / "stories" / "test_from_conversations.yml"
    gateway = make_gateway(stack.database_url, engine=stack.engine, KOLIBER_EXPORTED_STORIES=str(stories))
    conversation_id = None
    for text in TURNS:
        response = gateway.post_message(text, conversation_id=conversation_id, language="pl")
        assert response.status_code == 200, response.text
        conversation_id = response.json()["conversation_id"]

    with unit_of_work(gateway.sessions) as session:
        create_agent(session, "tr-export", "Trener", "trainer-password", ["pl"], AgentRole.TRAINER)
    trainer = ConsoleBrowser.logged_in(gateway.client, "tr-export", "trainer-password")
    exported = trainer.post(f"/console/review/conversations/{conversation_id}/export")
    assert exported.status_code == 200 and 'data-source="engine"' in exported.text

    written = stories.read_text(encoding="utf-8")
    assert "48213" not in written and "anna.nowak" not in written
    [story] = yaml.safe_load(written)["stories"]
    users = [step["user"].strip() for step in story["steps"] if "user" in step]
    # The placeholders, annotated wherever the engine tagged the original as an entity.
    assert [u.replace("[", "").split("](")[0] for u in users] == [
        "dzień dobry", "gdzie jest moja paczka?", "10001", "customer1@example.com", "dziękuję"]

    result = run_rasa(
        [str(RASA_BIN), "test", "core", "--stories", str(stories), "--model", str(PROJECT_ROOT / "models"),
         "--out", str(tmp_path / "results"), "--e2e", "--fail-on-prediction-errors"], PROJECT_ROOT, timeout=900)
    failed = tmp_path / "results" / "failed_test_stories.yml"
    assert result.returncode == 0, (failed.read_text() if failed.exists() else "") + result.stderr[-3000:]
