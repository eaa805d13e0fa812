"""Starts, health-checks and stops Koliber's three processes (engine, action server, gateway).

`koliber run` and the test suite both use this, so what the tests start is what users run.
"""

import os
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

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON_ENV = PROJECT_ROOT / ".venv" / "engine"
RASA_BIN = ENGINE_PYTHON_ENV / "bin" / "rasa"
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
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
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


def engine_spec(port: int, model_dir: Path, endpoints: Path, startup_timeout: float = 180) -> ServiceSpec:
    return ServiceSpec(
        name="engine",
        argv=[str(RASA_BIN), "run", "--enable-api", "--port", str(port),
              "--model", str(model_dir), "--endpoints", str(endpoints),
              "--credentials", str(PROJECT_ROOT / "credentials.yml")],
        health_url=f"http://127.0.0.1:{port}/status",
        startup_timeout=startup_timeout,
        env=ENGINE_ENV,
    )


def action_server_spec(port: int, database_url: str) -> ServiceSpec:
    return ServiceSpec(
        name="actions",
        argv=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url},
    )


def gateway_spec(port: int, database_url: str, rasa_url: str, env: dict[str, str] | None = None) -> ServiceSpec:
    return ServiceSpec(
        name="gateway",
        argv=[sys.executable, "-m", "uvicorn", "bot.main:app", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url, "RASA_URL": rasa_url, **(env or {})},
    )


# Conversations kept in the engine's memory must outlive a model swap (`koliber train`): see
# engine_plugins/tracker_store.py.
TRACKER_STORE = "engine_plugins.tracker_store.ProcessTrackerStore"


def write_endpoints(path: Path, action_port: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
                    f'tracker_store:\n  type: {TRACKER_STORE}\n', encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def engine_with_actions(work_dir: Path, database_url: str, model_dir: Path) -> Iterator[str]:
    """Runs an action server and an engine on free ports; yields the engine's base URL."""
    action_port, engine_port = free_port(), free_port()
    endpoints = write_endpoints(work_dir / "endpoints.yml", action_port)
    services = [ManagedProcess(action_server_spec(action_port, database_url), work_dir),
                ManagedProcess(engine_spec(engine_port, model_dir, endpoints), work_dir)]
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_healthy()
        yield f"http://127.0.0.1:{engine_port}"
    finally:
        for service in reversed(services):
            service.stop()
