"""The console's gateway for tests."""

import shutil

import pytest

from bot.handoff.agents import create_agent
from bot.models.handoff import AgentRole
from bot.settings import PROJECT_ROOT
from db.sessions import unit_of_work
from tests.bot.console.console_client import ADMIN_PASSWORD, ConsoleBrowser


@pytest.fixture
def console(make_gateway, database_url, tmp_path):
    """A gateway whose review inbox writes into copies of the training data."""
    shutil.copytree(PROJECT_ROOT / "nlu_data", tmp_path / "nlu_data")
    return make_gateway(database_url, NLU_DATA_DIR=str(tmp_path / "nlu_data"),
                        KOLIBER_EXPORTED_STORIES=str(tmp_path / "stories" / "test_from_conversations.yml"))


@pytest.fixture
def admin(make_gateway, tmp_path):
    """A gateway on a fresh SQLite database (the migrations are checked on PostgreSQL elsewhere) and
    its admin `boss`, logged in."""
    gateway = make_gateway(f"sqlite:///{tmp_path / 'koliber.db'}")
    with unit_of_work(gateway.sessions) as session:
        create_agent(session, "boss", "Boss", ADMIN_PASSWORD, ["pl", "en"], AgentRole.ADMIN)
    return gateway, ConsoleBrowser.logged_in(gateway.client, "boss", ADMIN_PASSWORD)
