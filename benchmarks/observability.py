"""What production observability costs a turn: two gateways on one engine, one as shipped (JSON log
lines with personal data masked, Prometheus metrics) and one with classic text lines and no masking,
the same six-turn web chat conversations alternating between them in one run; and how long a
Prometheus scrape of `/metrics` takes (it reads the handoff queue from the database).

    python -m benchmarks.observability     (also part of `make bench`)
"""

import asyncio
import statistics
import time
from pathlib import Path

import httpx

from benchmarks.gateway import ChatClient, percentiles
from bot.engine.address import EngineAddress
from bot.processes import ManagedProcess, free_port, gateway_spec

METRICS_TOKEN = "benchmark-metrics-token"
AS_SHIPPED = {"KOLIBER_LOG_FORMAT": "json", "KOLIBER_LOG_MASK_PERSONAL_DATA": "true"}
PLAIN = {"KOLIBER_LOG_FORMAT": "text", "KOLIBER_LOG_MASK_PERSONAL_DATA": "false"}


async def _alternate(shipped_ws: str, plain_ws: str, turns: dict[str, list[str]], conversations: int) -> dict:
    latencies: dict[str, list[float]] = {"as_shipped": [], "plain": []}
    for number in range(conversations):
        language = ("pl", "en")[number % 2]
        # Which gateway goes first alternates too, so neither always meets a warmer engine.
        order = [("as_shipped", shipped_ws), ("plain", plain_ws)][:: 1 if number % 4 < 2 else -1]
        chats = {name: await ChatClient.open(url, language) for name, url in order}
        for text in turns[language]:
            for name, _ in order:
                latencies[name].append(await chats[name].turn(text))
        for chat in chats.values():
            await chat.socket.close()
    shipped, plain = percentiles(latencies["as_shipped"]), percentiles(latencies["plain"])
    return {"turns_each": len(latencies["plain"]), "as_shipped": shipped, "plain": plain,
            "p50_ratio": round(shipped["p50_ms"] / plain["p50_ms"], 3),
            "p99_ratio": round(shipped["p99_ms"] / plain["p99_ms"], 3)}


def _scrape_ms(base_url: str, scrapes: int) -> dict:
    timings = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) as client:
        for _ in range(scrapes):
            start = time.perf_counter()
            client.get("/metrics").raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
    return {"scrapes": scrapes, "p50_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def measure_observability(work_dir: Path, database_url: str, engine: EngineAddress, turns: dict[str, list[str]],
                          settings: dict[str, str], conversations: int = 12) -> dict:
    ports = {"as_shipped": free_port(), "plain": free_port()}
    gateways = [ManagedProcess(gateway_spec(ports[name], database_url, engine,
                                            {**settings, **env, "KOLIBER_METRICS_TOKEN": METRICS_TOKEN}, name=f"gateway-{name}"),
                               work_dir) for name, env in (("as_shipped", AS_SHIPPED), ("plain", PLAIN))]
    for gateway in gateways:
        gateway.start()
    try:
        for gateway in gateways:
            gateway.wait_healthy()
        result = asyncio.run(_alternate(f"ws://127.0.0.1:{ports['as_shipped']}/chat/ws",
                                        f"ws://127.0.0.1:{ports['plain']}/chat/ws", turns, conversations))
        result["metrics_scrape"] = _scrape_ms(f"http://127.0.0.1:{ports['as_shipped']}", 30)
        return result
    finally:
        for gateway in gateways:
            gateway.stop()


def markdown(result: dict) -> list[str]:
    shipped, plain, scrape = result["as_shipped"], result["plain"], result["metrics_scrape"]
    return ["", "## Observability's cost (one run, alternating)", "",
            "| gateway | turns | p50 ms | p99 ms |", "|---|---|---|---|",
            f"| as shipped: JSON lines, personal data masked, metrics | {result['turns_each']} | {shipped['p50_ms']} | {shipped['p99_ms']} |",
            f"| text lines, nothing masked | {result['turns_each']} | {plain['p50_ms']} | {plain['p99_ms']} |",
            f"| ratio | | ×{result['p50_ratio']} | ×{result['p99_ratio']} |",
            "", f"A `/metrics` scrape: p50 {scrape['p50_ms']} ms, at most {scrape['max_ms']} ms over {scrape['scrapes']}."]


def main() -> None:
    import json
    import tempfile

    from benchmarks.gateway import LOAD_GENERATOR_SETTINGS
    from benchmarks.run import RESULTS, TURNS
    from bot.processes import engine_with_actions
    from bot.settings import PROJECT_ROOT
    from testing.demo_shop import create_demo_shop

    with tempfile.TemporaryDirectory() as work:
        database_url = f"sqlite:///{Path(work) / 'shop.db'}"
        create_demo_shop(database_url)
        with engine_with_actions(Path(work), database_url, PROJECT_ROOT / "models") as engine:
            result = measure_observability(Path(work), database_url, engine, TURNS, LOAD_GENERATOR_SETTINGS)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "observability.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
