"""`koliber agent add`: an admin creates console agents from the command line."""

from bot.cli import main
from bot.handoff.agents import authenticate
from bot.persistence.database import make_engine, session_factory
from bot.persistence.migrate import upgrade
from bot.settings import get_settings


def test_agent_add_creates_an_agent_who_can_log_in(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KOLIBER_AGENT_PASSWORD", "a-long-password")
    get_settings.cache_clear()
    from bot.persistence import database
    database.default_engine.cache_clear()
    try:
        assert main(["agent", "add", "marta", "--name", "Marta", "--languages", "pl,en", "--role", "admin"]) == 0
        assert main(["agent", "add", "marta"]) == 1
        assert "already exists" in capsys.readouterr().err
        assert main(["agent", "add", "teo", "--languages", "pl", "--role", "trainer"]) == 0
        with session_factory(make_engine(url))() as session:
            agent = authenticate(session, "marta", "a-long-password")
            assert agent is not None and agent.role.value == "admin" and agent.language_list == ["pl", "en"]
            assert authenticate(session, "teo", "a-long-password").role.value == "trainer"
    finally:
        get_settings.cache_clear()
        database.default_engine.cache_clear()
