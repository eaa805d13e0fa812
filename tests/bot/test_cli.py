"""`koliber agent add`: an admin creates console agents from the command line."""

from bot.handoff.agents import authenticate
from bot.persistence.migrate import upgrade
from db.sessions import make_engine, session_factory


def test_agent_add_creates_an_agent_who_can_log_in(tmp_path, koliber, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    env = {"DATABASE_URL": url, "KOLIBER_AGENT_PASSWORD": "a-long-password"}
    assert koliber("agent", "add", "marta", "--name", "Marta", "--languages", "pl,en", "--role", "admin", **env) == 0
    assert koliber("agent", "add", "marta", **env) == 1
    assert "already exists" in capsys.readouterr().err
    assert koliber("agent", "add", "teo", "--languages", "pl", "--role", "trainer", **env) == 0
    with session_factory(make_engine(url))() as session:
        agent = authenticate(session, "marta", "a-long-password")
        assert agent is not None and agent.role.value == "admin" and agent.language_list == ["pl", "en"]
        assert authenticate(session, "teo", "a-long-password").role.value == "trainer"
