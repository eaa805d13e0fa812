"""Starts, health-checks and stops Koliber's three processes (engine, action server, gateway).

`koliber run` and the test suite both use this, so what the tests start is what users run.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.engine.address import EngineAddress
from bot.settings import PROJECT_ROOT, Settings
from db.private_files import private_file, write_private

ENGINE_PYTHON_ENV = PROJECT_ROOT / ".venv" / "engine"
RASA_BIN = ENGINE_PYTHON_ENV / "bin" / "rasa"
ENGINE_PYTHON = ENGINE_PYTHON_ENV / "bin" / "python"
# Quiet, offline Rasa: no telemetry calls, no TensorFlow and SQLAlchemy-1.4 chatter.
ENGINE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


@dataclass
class ServiceSpec:
    name: str
    argv: list[str]
    health_url: str
    startup_timeout: float
    env: dict[str, str] = field(default_factory=dict)


class ServiceFailed(RuntimeError):
    pass


class ManagedProcess:
    def __init__(self, spec: ServiceSpec, log_dir: Path) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        log = private_file(self.log_path).open("ab")  # logs quote customers' messages
        self._process = subprocess.Popen(
            self.spec.argv, cwd=PROJECT_ROOT, env={**os.environ, **self.spec.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.spec.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise ServiceFailed(f"{self.spec.name} exited during start-up:\n{self.log_tail()}")
            try:
                if httpx.get(self.spec.health_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ServiceFailed(f"{self.spec.name} not healthy after {self.spec.startup_timeout:.0f}s:\n{self.log_tail()}")

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if not self.running():
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class InternalSecrets:
    """What the gateway shows the engine, and the engine the action server."""

    engine_token: str
    actions_token: str

    @classmethod
    def generate(cls) -> "InternalSecrets":
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32))

    @classmethod
    def from_settings(cls, settings: Settings) -> "InternalSecrets":
        return cls(settings.engine_token, settings.actions_token)

    def env(self) -> dict[str, str]:
        return {"KOLIBER_ENGINE_TOKEN": self.engine_token, "KOLIBER_ACTIONS_TOKEN": self.actions_token}


def _reachable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def engine_spec(port: int, model_dir: Path, endpoints: Path, secrets_: InternalSecrets, host: str = "127.0.0.1",
                startup_timeout: float = 180) -> ServiceSpec:
    # engine_plugins.serve is `rasa run` with the auth token taken from the environment.
    return ServiceSpec(
        name="engine",
        argv=[str(ENGINE_PYTHON), "-m", "engine_plugins.serve", "--enable-api", "--interface", host,
              "--port", str(port), "--model", str(model_dir), "--endpoints", str(endpoints),
              "--credentials", str(PROJECT_ROOT / "credentials.yml")],
        health_url=f"http://{_reachable(host)}:{port}/status?token={secrets_.engine_token}",
        startup_timeout=startup_timeout,
        env={**ENGINE_ENV, **secrets_.env()},
    )


def action_server_spec(port: int, database_url: str, secrets_: InternalSecrets, host: str = "127.0.0.1") -> ServiceSpec:
    # rasa_sdk_plugins/ makes the action server refuse calls without the actions token.
    return ServiceSpec(
        name="actions",
        argv=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{_reachable(host)}:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url, "SANIC_HOST": host, **secrets_.env()},
    )


def gateway_spec(port: int, database_url: str, engine: EngineAddress, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="gateway",
        argv=[sys.executable, "-m", "bot.serve", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url, "RASA_URL": engine.url, "KOLIBER_ENGINE_TOKEN": engine.token, **(env or {})},
    )


# Conversations kept in the engine's memory must outlive a model swap (`koliber train`): see
# engine_plugins/tracker_store.py.
TRACKER_STORE = "engine_plugins.tracker_store.ProcessTrackerStore"


def write_endpoints(path: Path, action_port: int) -> Path:
    """The engine's endpoints; the action server's secret stays in the environment (Rasa expands it)."""
    return write_private(path, f'''action_endpoint:
  url: "http://127.0.0.1:{action_port}/webhook"
  headers:
    Authorization: Bearer ${{KOLIBER_ACTIONS_TOKEN}}
tracker_store:
  type: {TRACKER_STORE}
'''.encode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def engine_with_actions(work_dir: Path, database_url: str, model_dir: Path,
                        secrets_: InternalSecrets | None = None) -> Iterator[EngineAddress]:
    """Runs an action server and an engine on free ports with fresh secrets; yields the engine's address."""
    secrets_ = secrets_ or InternalSecrets.generate()
    action_port, engine_port = free_port(), free_port()
    endpoints = write_endpoints(work_dir / "endpoints.yml", action_port)
    engine = ManagedProcess(engine_spec(engine_port, model_dir, endpoints, secrets_), work_dir)
    services = [ManagedProcess(action_server_spec(action_port, database_url, secrets_), work_dir), engine]
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_healthy()
        yield EngineAddress(f"http://127.0.0.1:{engine_port}", secrets_.engine_token)
    finally:
        for service in reversed(services):
            service.stop()
