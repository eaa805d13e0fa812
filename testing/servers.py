"""PostgreSQL and Redis servers of a test's own, on free ports, so a test can restart or stop them
(a database restart, Redis going away) without touching the machine's shared servers."""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import redis

from bot.processes import free_port
from testing.waiting import wait_until


def _postgres_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {tool} is not installed (Debian's postgresql package)")
    return found[-1]


class PostgresServer:
    """A PostgreSQL cluster in a temporary folder, run as the `postgres` user (initdb refuses root)."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable  # fsync on (a benchmark), or off (tests: faster, nothing to keep)
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="koliber-pg-"))
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @staticmethod
    def possible() -> bool:
        return os.geteuid() == 0 and shutil.which("runuser") is not None and bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True, timeout=120)

    def start(self) -> "PostgresServer":
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(_postgres_bin("initdb"), "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres")
        self._pg_ctl("start")
        return self

    def create_database(self, name: str) -> str:
        """A new, empty database on this server; its URL."""
        self._as_postgres(_postgres_bin("createdb"), "-h", str(self.directory), "-p", str(self.port), name)
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def postmaster_pid(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def restart(self) -> None:
        self._pg_ctl("restart")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _pg_ctl(self, command: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off"
        self._as_postgres(_postgres_bin("pg_ctl"), command, "-w", "-D", str(self.directory / "data"),
                          "-l", str(self.directory / "postgres.log"), "-o", options, *extra)


class RedisServer:
    """A redis-server that keeps nothing on disk, in the foreground of a child process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        wait_until(lambda: _answers(client), timeout=20, what="redis-server to answer")
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
