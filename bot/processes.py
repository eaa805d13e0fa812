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
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url

from bot.engine.address import EngineAddress
from bot.engine.client import TURN_LOCK_SECONDS
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

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """Ends the process at once, as a crash or an out-of-memory kill would (SIGKILL)."""
        if self.running():
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

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


@dataclass(frozen=True)
class Stores:
    """Where the engines keep conversations (Rasa's SQLTrackerStore in the app's own database) and,
    when there are several engines, lock each conversation's turns (Rasa's RedisLockStore)."""

    database_url: str
    redis_url: str | None = None

    def endpoints(self) -> str:
        """endpoints.yml's stores; passwords stay in the environment (`env`), which Rasa expands."""
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            tracker = f"  dialect: sqlite\n  db: {url.database}\n"
        else:
            tracker = (f"  dialect: postgresql\n  url: {url.host or '127.0.0.1'}\n  port: {url.port or 5432}\n"
                       f"  db: {url.database}\n" + (f"  username: {url.username}\n" if url.username else "")
                       + ("  password: ${KOLIBER_TRACKER_DB_PASSWORD}\n" if url.password else ""))
        text = f"tracker_store:\n  type: {TRACKER_STORE}\n{tracker}"
        if self.redis_url:
            redis = urlsplit(self.redis_url)
            text += (f"lock_store:\n  type: redis\n  url: {redis.hostname or '127.0.0.1'}\n  port: {redis.port or 6379}\n"
                     f"  db: {redis.path.strip('/') or 0}\n  key_prefix: koliber\n"
                     + ("  password: ${KOLIBER_REDIS_PASSWORD}\n" if redis.password else ""))
        return text

    def env(self) -> dict[str, str]:
        passwords = {"KOLIBER_TRACKER_DB_PASSWORD": make_url(self.database_url).password,
                     "KOLIBER_REDIS_PASSWORD": urlsplit(self.redis_url).password if self.redis_url else None}
        return {name: value for name, value in passwords.items() if value}


def engine_spec(port: int, model_dir: Path, endpoints: Path, secrets_: InternalSecrets, stores: Stores,
                host: str = "127.0.0.1", name: str = "engine", startup_timeout: float = 180) -> ServiceSpec:
    # engine_plugins.serve is `rasa run` with the auth token taken from the environment.
    return ServiceSpec(
        name=name,
        argv=[str(ENGINE_PYTHON), "-m", "engine_plugins.serve", "--enable-api", "--interface", host,
              "--port", str(port), "--model", str(model_dir), "--endpoints", str(endpoints),
              "--credentials", str(PROJECT_ROOT / "credentials.yml")],
        health_url=f"http://{_reachable(host)}:{port}/status?token={secrets_.engine_token}",
        startup_timeout=startup_timeout,
        env={**ENGINE_ENV, **secrets_.env(), **stores.env(), "TICKET_LOCK_LIFETIME": str(TURN_LOCK_SECONDS)},
    )


def action_server_spec(port: int, database_url: str, secrets_: InternalSecrets, host: str = "127.0.0.1",
                       name: str = "actions") -> ServiceSpec:
    # rasa_sdk_plugins.serve is `python -m rasa_sdk` with Koliber's log lines from the first one;
    # the plugins (rasa_sdk_plugins/) make it refuse calls without the actions token.
    return ServiceSpec(
        name=name,
        argv=[sys.executable, "-m", "rasa_sdk_plugins.serve", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{_reachable(host)}:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url, "SANIC_HOST": host, "KOLIBER_ACTIONS_TOKEN": secrets_.actions_token},
    )


def engine_with_its_actions(engine_port: int, action_port: int, model_dir: Path, work_dir: Path, stores: Stores,
                            secrets_: InternalSecrets, host: str = "127.0.0.1", index: int | None = None,
                            run_dir: Path | None = None) -> list[ManagedProcess]:
    """An engine and the action server it calls (started in this order); their logs go to `work_dir`,
    the engine's endpoints file to `run_dir` (the same by default)."""
    suffix = "" if index is None else f"-{index}"
    endpoints = write_endpoints((run_dir or work_dir) / f"endpoints{suffix}.yml", action_port, stores)
    return [ManagedProcess(action_server_spec(action_port, stores.database_url, secrets_, host, f"actions{suffix}"),
                           work_dir),
            ManagedProcess(engine_spec(engine_port, model_dir, endpoints, secrets_, stores, host, f"engine{suffix}"),
                           work_dir)]


class TopologyRefused(ValueError):
    """Several engines or gateways need the shared stores they coordinate through."""


def koliber_services(settings: Settings, engines: int, gateways: int, model_dir: Path, log_dir: Path,
                     run_dir: Path, gateway_env: dict[str, str] | None = None) -> list[ManagedProcess]:
    """Everything `koliber run` starts, in start order: each engine with its action server, on
    consecutive ports from RASA_URL's and ACTION_SERVER_PORT, then the gateways from GATEWAY_PORT,
    each told every engine (and `gateway_env`)."""
    if (engines > 1 or gateways > 1) and not settings.redis_url:
        raise TopologyRefused("several engines or gateways share their work through Redis: set KOLIBER_REDIS_URL")
    if gateways > 1 and make_url(settings.database_url).get_backend_name() != "postgresql":
        raise TopologyRefused("several gateways share one PostgreSQL database: set DATABASE_URL to it")
    secrets_ = InternalSecrets.from_settings(settings)
    stores = Stores(settings.database_url, settings.redis_url if engines > 1 else None)
    first_engine_port = urlsplit(settings.engine_urls[0]).port or 5005
    services: list[ManagedProcess] = []
    addresses = []
    for index in range(engines):
        port = first_engine_port + index
        services += engine_with_its_actions(port, settings.action_server_port + index, model_dir, log_dir, stores,
                                            secrets_, settings.internal_host, index if engines > 1 else None, run_dir)
        addresses.append(EngineAddress(f"http://{_reachable(settings.internal_host)}:{port}", secrets_.engine_token))
    env = {**({"KOLIBER_REDIS_URL": settings.redis_url} if settings.redis_url else {}), **(gateway_env or {})}
    for index in range(gateways):
        name = "gateway" if gateways == 1 else f"gateway-{index}"
        spec = gateway_spec(settings.gateway_port + index, settings.database_url, addresses, env, name)
        services.append(ManagedProcess(spec, log_dir))
    return services


def gateway_spec(port: int, database_url: str, engine: EngineAddress | list[EngineAddress],
                 env: dict[str, str] | None = None, name: str = "gateway") -> ServiceSpec:
    engines = engine if isinstance(engine, list) else [engine]
    return ServiceSpec(
        name=name,
        argv=[sys.executable, "-m", "bot.serve", "--host", "127.0.0.1", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        startup_timeout=60,
        env={"DATABASE_URL": database_url, "RASA_URL": ",".join(e.url for e in engines),
             "KOLIBER_ENGINE_TOKEN": engines[0].token, **(env or {})},
    )


# Conversations live in the app's database: see engine_plugins/tracker_store.py.
TRACKER_STORE = "engine_plugins.tracker_store.KoliberSQLTrackerStore"


def write_endpoints(path: Path, action_port: int, stores: Stores) -> Path:
    """The engine's endpoints; secrets stay in the environment (Rasa expands an unquoted ${...})."""
    return write_private(path, f'''action_endpoint:
  url: "http://127.0.0.1:{action_port}/webhook"
  headers:
    Authorization: Bearer ${{KOLIBER_ACTIONS_TOKEN}}
{stores.endpoints()}'''.encode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def engine_with_actions(work_dir: Path, database_url: str, model_dir: Path,
                        secrets_: InternalSecrets | None = None) -> Iterator[EngineAddress]:
    """Runs an action server and an engine on free ports with fresh secrets; yields the engine's address."""
    secrets_ = secrets_ or InternalSecrets.generate()
    engine_port = free_port()
    services = engine_with_its_actions(engine_port, free_port(), model_dir, work_dir, Stores(database_url), secrets_)
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_healthy()
        yield EngineAddress(f"http://127.0.0.1:{engine_port}", secrets_.engine_token)
    finally:
        for service in reversed(services):
            service.stop()
