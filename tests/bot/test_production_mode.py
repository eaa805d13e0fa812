"""Production is the default (finding 3 of the security review): without KOLIBER_ENV=development
the gateway refuses placeholder secrets and published demo accounts, seeds no demo agents, and
marks its session cookie Secure."""

from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.handoff.agents import create_agent, seed_demo_agents
from bot.models.handoff import Agent
from bot.persistence.migrate import upgrade
from bot.processes import ManagedProcess, ServiceFailed, free_port, gateway_spec
from bot.settings import DEV_PLACEHOLDER, Settings
from db.sessions import make_engine, session_factory, unit_of_work
from tests.bot.conftest import ALWAYS_OPEN, DEAD_ENGINE

REAL_SECRETS = {"KOLIBER_API_KEY": "a-real-api-key-0123456789", "TWILIO_AUTH_TOKEN": "a-real-twilio-token-0123456789",
                "KOLIBER_ACTIONS_TOKEN": "a-real-actions-token-0123456789"}
PLACEHOLDERS = {name: DEV_PLACEHOLDER for name in ("KOLIBER_API_KEY", "TWILIO_AUTH_TOKEN", "KOLIBER_ACTIONS_TOKEN")}


def test_without_koliber_env_it_is_production_and_placeholders_are_refused(monkeypatch):
    monkeypatch.delenv("KOLIBER_ENV")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    for name in ("api_key", "twilio_auth_token", "engine_token", "actions_token"):
        assert name in str(refused.value)
    settings = Settings(_env_file=None, KOLIBER_ENGINE_TOKEN="a-real-engine-token-0123456789", **REAL_SECRETS)
    assert settings.environment == "production" and not settings.development


@pytest.fixture
def production_database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'production.db'}"
    upgrade(url)
    return url


def _gateway(database_url: str, tmp_path: Path, secrets: dict[str, str]) -> tuple[ManagedProcess, str]:
    port = free_port()
    env = {"KOLIBER_ENV": "production", "KOLIBER_HANDOFF_CONFIG": str(ALWAYS_OPEN), **secrets}
    return ManagedProcess(gateway_spec(port, database_url, DEAD_ENGINE, env), tmp_path), f"http://127.0.0.1:{port}"


def test_a_production_gateway_with_placeholder_secrets_does_not_start(production_database, tmp_path):
    process, _ = _gateway(production_database, tmp_path, PLACEHOLDERS)
    process.start()
    try:
        with pytest.raises(ServiceFailed) as failed:
            process.wait_healthy()
        assert "placeholder secrets are refused in production" in str(failed.value)
    finally:
        process.stop()


def test_a_production_gateway_refuses_demo_accounts_with_the_published_password(production_database, tmp_path):
    with unit_of_work(session_factory(make_engine(production_database))) as session:
        seed_demo_agents(session, Settings(_env_file=None, KOLIBER_ENV="development").demo_agent_password)
    process, _ = _gateway(production_database, tmp_path, REAL_SECRETS)
    process.start()
    try:
        with pytest.raises(ServiceFailed) as failed:
            process.wait_healthy()
        assert "published demo password" in str(failed.value) and "anna" in str(failed.value)
    finally:
        process.stop()


def test_a_production_gateway_sets_secure_session_cookies(production_database, tmp_path):
    with unit_of_work(session_factory(make_engine(production_database))) as session:
        create_agent(session, "marta", "Marta", "a-long-password", ["pl"])
    process, base = _gateway(production_database, tmp_path, REAL_SECRETS)
    process.start()
    try:
        process.wait_healthy()
        login = httpx.post(f"{base}/console/login", data={"username": "marta", "password": "a-long-password"},
                           headers={"Origin": base})
        assert login.status_code == 303
        assert "secure" in login.headers["set-cookie"].lower().split("; ")
    finally:
        process.stop()


def test_seeding_in_production_creates_no_demo_agents(production_database, koliber, capsys):
    assert koliber("seed", KOLIBER_ENV="production", DATABASE_URL=production_database,
                   KOLIBER_ENGINE_TOKEN="a-real-engine-token-0123456789", **REAL_SECRETS) == 0
    assert "demo agents" not in capsys.readouterr().out
    with session_factory(make_engine(production_database))() as session:
        assert session.scalar(select(func.count()).select_from(Agent)) == 0
