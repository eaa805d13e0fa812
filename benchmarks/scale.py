"""Scale-out benchmarks: the same web chat load on one engine pinned to one core and on two engines
pinned to one core each, on a PostgreSQL and (for two engines) a Redis of the benchmark's own.

For each: messages per second, p50/p99 from sending a message to its last reply, errors, whether
every acknowledged message is in the database, and the CPU milliseconds each process (gateway,
engines, action servers, PostgreSQL) spent per customer message, from /proc, so the cost of a
larger deployment can be computed. The scaling ratio compares the two runs of one benchmark run.
"""

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.gateway import LOAD_GENERATOR_SETTINGS, ChatClient, load, summary
from bot.engine.address import EngineAddress
from bot.processes import InternalSecrets, ManagedProcess, Stores, engine_with_its_actions, free_port, gateway_spec
from testing.demo_shop import create_demo_shop
from testing.servers import PostgresServer, RedisServer

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, children: bool = False) -> float:
    """User plus system CPU time of a process (and of its children it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / CLOCK_TICKS


def postgres_cpu_seconds(postmaster: int) -> float:
    """The postmaster, the backends and workers alive now, and those that have exited."""
    total = cpu_seconds(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    total += cpu_seconds(int(entry.name))
            except (OSError, ValueError):  # the process ended while we looked
                continue
    return total


@dataclass
class Deployment:
    services: list[ManagedProcess]
    gateway_ws: str
    database_url: str
    postgres: PostgresServer

    def cpu_seconds(self) -> dict[str, float]:
        used = {service.spec.name: cpu_seconds(service.pid) for service in self.services}
        used["postgresql"] = postgres_cpu_seconds(self.postgres.postmaster_pid())
        return used


def _pinned(service: ManagedProcess, core: int) -> ManagedProcess:
    """The same process, run by `taskset` on one CPU core (taskset execs it: the pid stays)."""
    spec = replace(service.spec, argv=["taskset", "-c", str(core), *service.spec.argv])
    return ManagedProcess(spec, service.log_path.parent)


@contextmanager
def deployment(engines: int, postgres: PostgresServer, redis: RedisServer, model_dir: Path,
               work: Path) -> Iterator[Deployment]:
    """`engines` engines, each pinned to its own core, with their action servers and one gateway,
    on a fresh database with the demo shop; several engines lock turns in Redis, as `koliber run` does."""
    database_url = postgres.create_database(f"bench_{uuid.uuid4().hex[:8]}")
    create_demo_shop(database_url)
    secrets_ = InternalSecrets.generate()
    stores = Stores(database_url, redis.url if engines > 1 else None)
    services, addresses = [], []
    for index in range(engines):
        port = free_port()
        actions, engine = engine_with_its_actions(port, free_port(), model_dir, work, stores, secrets_, index=index)
        services += [actions, _pinned(engine, index)]
        addresses.append(EngineAddress(f"http://127.0.0.1:{port}", secrets_.engine_token))
    gateway_port = free_port()
    services.append(ManagedProcess(gateway_spec(gateway_port, database_url, addresses, LOAD_GENERATOR_SETTINGS), work))
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_healthy()
        yield Deployment(services, f"ws://127.0.0.1:{gateway_port}/chat/ws", database_url, postgres)
    finally:
        for service in reversed(services):
            service.stop()


async def _warm_up(gateway_ws: str, turns: dict[str, list[str]]) -> None:
    """One conversation per language first: the engines' first turns load lazily."""
    for language, script in turns.items():
        chat = await ChatClient.open(gateway_ws, language)
        for text in script:
            await chat.turn(text)
        await chat.socket.close()


def measure_load(deployed: Deployment, turns: dict[str, list[str]], concurrency: int, seconds: float) -> dict:
    asyncio.run(_warm_up(deployed.gateway_ws, turns))
    before = deployed.cpu_seconds()
    outcome = asyncio.run(load(deployed.gateway_ws, turns, concurrency, seconds))
    after = deployed.cpu_seconds()
    messages = max(len(outcome.latencies), 1)
    cpu = {name: round((after[name] - before[name]) * 1000 / messages, 1) for name in after}
    return {**summary(outcome, deployed.database_url, concurrency, seconds), "cpu_ms_per_message": cpu}


def measure_scaling(model_dir: Path, turns: dict[str, list[str]], concurrency: int = 200, seconds: float = 60) -> dict:
    postgres, redis = PostgresServer(durable=True).start(), RedisServer().start()
    results: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory() as work:
            for name, engines in (("one_engine_one_core", 1), ("two_engines_two_cores", 2)):
                with deployment(engines, postgres, redis, model_dir, Path(work)) as deployed:
                    results[name] = measure_load(deployed, turns, concurrency, seconds)
    finally:
        redis.stop()
        postgres.stop()
    one, two = results["one_engine_one_core"], results["two_engines_two_cores"]
    results["scaling"] = round(two["messages_per_second"] / one["messages_per_second"], 2)
    return results


def markdown(results: dict) -> list[str]:
    lines = ["", "## Scale-out (web chat load through one gateway, PostgreSQL)", "",
             "| deployment | messages/s | p50 ms | p99 ms | errors | acknowledged missing |", "|---|---|---|---|---|---|"]
    names = {"one_engine_one_core": "1 engine pinned to 1 core", "two_engines_two_cores": "2 engines, 1 core each"}
    for key, label in names.items():
        row = results[key]
        lines.append(f"| {label} ({row['conversations']} chats, {row['seconds']:.0f} s) | {row['messages_per_second']} | "
                     f"{row['p50_ms']} | {row['p99_ms']} | {row['errors']} | {row['missing_from_store']} of {row['acknowledged']} |")
    lines += ["", f"Scaling, two engines against one: ×{results['scaling']}", "",
              "CPU milliseconds per customer message:", "", "| process | 1 engine | 2 engines |", "|---|---|---|"]
    one, two = results["one_engine_one_core"]["cpu_ms_per_message"], results["two_engines_two_cores"]["cpu_ms_per_message"]
    for process in sorted(set(one) | set(two)):
        lines.append(f"| {process} | {one.get(process, '')} | {two.get(process, '')} |")
    return lines
