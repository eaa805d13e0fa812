"""A gateway under test: the real app (TestClient, lifespan included) on a real database, with
Twilio's cloud replaced by a local fake speaking its wire format. The engine is either the
real one (the session's `stack`) or an address where nothing listens."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from bot.engine.address import EngineAddress
from bot.handoff.agents import create_agent
from bot.main import create_app
from bot.models.handoff import Agent, AgentStatus
from bot.persistence.migrate import upgrade
from bot.settings import PROJECT_ROOT, Settings
from db.base import utcnow
from db.sessions import make_engine, session_factory, unit_of_work
from testing.fakes.twilio_cloud import FakeTwilioCloud, RunningFake

TEST_DATA = PROJECT_ROOT / "tests" / "data"
ALWAYS_OPEN = TEST_DATA / "handoff_always_open.yml"
CLOSED = TEST_DATA / "handoff_closed.yml"
DEAD_ENGINE = EngineAddress("http://127.0.0.1:9", "no-engine-listens-here")  # the discard port
API_KEY = "test-api-key"
TWILIO_TOKEN = "test-twilio-auth-token"
TWILIO_SID = "AC" + "1" * 32


@dataclass
class GatewayUnderTest:
    client: TestClient
    settings: Settings
    sessions: sessionmaker[Session]
    twilio: FakeTwilioCloud

    def post_message(self, text: str, **fields):
        return self.client.post("/api/v1/messages", json={"text": text, **fields},
                                headers={"Authorization": f"Bearer {API_KEY}"})

    def twilio_webhook(self, params: dict[str, str], signature: str | None = None):
        """POSTs what Twilio would, signed with the auth token unless a signature is given."""
        url = "http://testserver/twilio/messaging"
        if signature is None:
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
        return self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})

    def add_agent(self, username: str, languages: list[str], available: bool = True,
                  password: str = "agent-password") -> int:
        with unit_of_work(self.sessions) as session:
            agent = create_agent(session, username, username.title(), password, languages)
            agent.status = AgentStatus.AVAILABLE if available else AgentStatus.AWAY
            return agent.id

    def agent(self, agent_id: int) -> Agent:
        with self.sessions() as session:
            return session.get(Agent, agent_id)


@pytest.fixture
def twilio_cloud() -> Iterator[FakeTwilioCloud]:
    cloud = FakeTwilioCloud(TWILIO_SID, TWILIO_TOKEN)
    with RunningFake(cloud):
        yield cloud


def gateway_settings(database_url: str, engine: EngineAddress, handoff_config: Path, twilio: FakeTwilioCloud,
                     **extra: str) -> Settings:
    return Settings(**{
        "KOLIBER_ENV": "development", "DATABASE_URL": database_url, "RASA_URL": engine.url,
        "KOLIBER_ENGINE_TOKEN": engine.token, "KOLIBER_HANDOFF_CONFIG": str(handoff_config),
        "KOLIBER_API_KEY": API_KEY, "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url, "KOLIBER_ENGINE_TIMEOUT": "10", **extra,
    })


@pytest.fixture
def make_gateway(twilio_cloud) -> Iterator[Callable[..., GatewayUnderTest]]:
    """Starts gateways; `database_url` must already hold the shop schema (or be migrated here)."""
    running: list[TestClient] = []

    def start(database_url: str, engine: EngineAddress = DEAD_ENGINE, handoff_config: Path = ALWAYS_OPEN,
              clock: Callable[[], datetime] = utcnow, **extra: str) -> GatewayUnderTest:
        upgrade(database_url)
        settings = gateway_settings(database_url, engine, handoff_config, twilio_cloud, **extra)
        client = TestClient(create_app(settings, clock=clock))
        client.__enter__()
        running.append(client)
        return GatewayUnderTest(client, settings, session_factory(make_engine(database_url)), twilio_cloud)

    yield start
    for client in running:
        client.__exit__(None, None, None)


@pytest.fixture
def gateway(make_gateway, database_url) -> GatewayUnderTest:
    """A gateway on a fresh SQLite and a fresh PostgreSQL database, with the engine down."""
    return make_gateway(database_url)


@pytest.fixture
def live_gateway(make_gateway, stack) -> GatewayUnderTest:
    """A gateway in front of the real trained engine, on the engine's demo shop database."""
    return make_gateway(stack.database_url, engine=stack.engine)
