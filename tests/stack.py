"""The real stack for conversation tests: the trained model in a Rasa engine plus the action server,
on free ports, with a freshly seeded SQLite shop. Started once per test session (the engine needs
most of a minute to load) and stopped at the end."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from bot.engine.address import EngineAddress
from bot.processes import InternalSecrets, ManagedProcess, Stores, engine_with_its_actions, free_port
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine
from shop.service import SqlShopService
from shop.verification_guard import VerificationAttempt, VerificationLock
from testing.demo_shop import create_demo_shop

MODEL_DIR = PROJECT_ROOT / "models"


@dataclass
class Reply:
    texts: list[str]
    buttons: list[dict[str, Any]]
    custom: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


class Conversation:
    """One customer talking to the engine over Koliber's engine channel, as the gateway does."""

    def __init__(self, engine: EngineAddress, metadata: dict[str, Any] | None = None) -> None:
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self._engine = engine
        # Like the gateway: the conversation's language goes with each turn, the default one at first,
        # then what the engine's `language` slot last said.
        self._metadata = {"language": "pl", **(metadata or {})}

    def say(self, text: str) -> Reply:
        with self._engine.client(timeout=30) as client:
            response = client.post("/webhooks/koliber/turn",
                                   json={"sender": self.sender, "message": text, "metadata": self._metadata})
        response.raise_for_status()
        turn = response.json()
        self._metadata["language"] = turn["slots"].get("language") or self._metadata["language"]
        messages = turn["messages"]
        return Reply(
            texts=[m["text"] for m in messages if "text" in m],
            buttons=[b for m in messages for b in m.get("buttons", [])],
            custom=[m["custom"] for m in messages if "custom" in m],
        )


@dataclass
class Stack:
    engine: EngineAddress
    shop: SqlShopService
    database_url: str
    work_dir: Path
    engine_process: ManagedProcess
    actions_url: str  # the action server, which refuses calls without `actions_token` (but /health)
    actions_token: str

    def conversation(self, **metadata: Any) -> Conversation:
        return Conversation(self.engine, metadata)

    def crash_and_restart_engine(self) -> None:
        """SIGKILL, then the same engine again on the same port: what a crash and a supervisor do."""
        self.engine_process.kill()
        self.engine_process.start()
        self.engine_process.wait_healthy()

    def forget_guesses(self) -> None:
        """Clears what the verification guard counted: tests share this shop, and wrong answers in
        one test must not lock an order for the next (shop/verification_guard.py)."""
        engine = make_engine(self.database_url)
        with engine.begin() as connection:
            connection.execute(delete(VerificationAttempt))
            connection.execute(delete(VerificationLock))
        engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not any(MODEL_DIR.glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it for you)")
    work = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{work / 'shop.db'}"
    shop = create_demo_shop(database_url)
    secrets_, engine_port, action_port = InternalSecrets.generate(), free_port(), free_port()
    actions, engine = engine_with_its_actions(engine_port, action_port, MODEL_DIR, work, Stores(database_url), secrets_)
    try:
        for service in (actions, engine):
            service.start()
        for service in (actions, engine):
            service.wait_healthy()
        yield Stack(EngineAddress(f"http://127.0.0.1:{engine_port}", secrets_.engine_token), shop, database_url, work,
                    engine, f"http://127.0.0.1:{action_port}", secrets_.actions_token)
    finally:
        engine.stop()
        actions.stop()
