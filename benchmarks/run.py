"""Measures the trained assistant on the real engine and writes results/bench.json and results/bench.md.

- Intent accuracy per language on the held-out split (tests/data/heldout/), never trained on.
- Intent accuracy on ../shared/benchmarks/bitext-en: a prediction counts when it is in the row's
  `accept` list.
- A whole engine turn against Rasa's own `/model/parse` of the same messages, one conversation,
  alternating: p50 of each and their ratio (what dialogue management and actions add to NLU).
- Turn latency through the engine's channel at 1 and 20 concurrent conversations: p50, p99 and
  messages per second. Each conversation is a six-turn script (greeting, order question, order
  number, e-mail or postcode, shipping question, thanks); each concurrent customer runs several
  conversations one after another.
- The gateway (benchmarks/gateway.py) on the embedded default, what its logs and metrics cost
  (benchmarks/observability.py), scale-out on PostgreSQL (benchmarks/scale.py), voice and survey calls.
"""

import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import httpx

from benchmarks import observability, scale, surveys, voice
from benchmarks.gateway import LOAD_GENERATOR_SETTINGS, measure_gateway, post_turn
from bot.engine.address import EngineAddress
from bot.processes import ManagedProcess, engine_with_actions, free_port, gateway_spec
from bot.settings import PROJECT_ROOT
from bot.trainer.data.project import ProjectLayout
from bot.trainer.evaluation.datasets import heldout_set
from testing.demo_shop import create_demo_shop

RESULTS = PROJECT_ROOT / "results"
BITEXT = PROJECT_ROOT.parent / "shared" / "benchmarks" / "bitext-en" / "test.jsonl"
# A realistic turn mix: small talk, an order check with verification, general questions.
TURNS = {
    "pl": ["dzień dobry", "gdzie jest moja paczka?", "48213", "anna.nowak@example.pl", "ile kosztuje dostawa?", "dzięki"],
    "en": ["hello", "where is my parcel?", "48213", "00-950", "how much is shipping?", "thanks"],
}


def heldout_rows(language: str) -> list[tuple[str, list[str]]]:
    return [(row.text, list(row.accept)) for row in heldout_set(ProjectLayout(PROJECT_ROOT), language).rows]


def bitext_rows() -> list[tuple[str, list[str]]]:
    if not BITEXT.exists():
        return []
    return [(row["text"], row["accept"]) for row in map(json.loads, BITEXT.open(encoding="utf-8"))]


async def intent_accuracy(client: httpx.AsyncClient, rows: list[tuple[str, list[str]]]) -> dict:
    semaphore = asyncio.Semaphore(4)

    async def predict(text: str) -> str:
        async with semaphore:
            response = await client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            return response.json()["intent"]["name"]

    predictions = await asyncio.gather(*(predict(text) for text, _ in rows))
    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    correct = 0
    for (text, accept), predicted in zip(rows, predictions):
        hit = predicted in accept
        correct += hit
        per_intent[accept[0]][0] += hit
        per_intent[accept[0]][1] += 1
        if not hit:
            confusions[(accept[0], predicted)] += 1
    return {
        "examples": len(rows),
        "accuracy": round(correct / len(rows), 4) if rows else None,
        "per_intent": {k: round(v[0] / v[1], 3) for k, v in sorted(per_intent.items())},
        "top_confusions": [{"expected": e, "predicted": p, "count": c} for (e, p), c in confusions.most_common(8)],
    }


async def conversation(client: httpx.AsyncClient, language: str, latencies: list[float]) -> None:
    """One customer's conversation: the turn script once, under a new sender id."""
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for message in TURNS[language]:
        start = time.perf_counter()
        await post_turn(client, sender, message, language)
        latencies.append((time.perf_counter() - start) * 1000)


async def customer_stream(client: httpx.AsyncClient, index: int, conversations: int, latencies: list[float]) -> None:
    """Conversations one after another, alternating languages, as one concurrent 'slot'."""
    for number in range(conversations):
        await conversation(client, ("pl", "en")[(index + number) % 2], latencies)


async def latency(client: httpx.AsyncClient, concurrency: int, conversations_each: int) -> dict:
    latencies: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(customer_stream(client, i, conversations_each, latencies) for i in range(concurrency)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "conversations": concurrency,
        "messages": len(latencies),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1),
        "messages_per_second": round(len(latencies) / elapsed, 1),
    }


async def turn_versus_parse(client: httpx.AsyncClient, conversations: int) -> dict:
    """Each message of the script parsed, then sent as a turn, one conversation at a time."""
    parse_latencies: list[float] = []
    turn_latencies: list[float] = []
    for number in range(conversations):
        language, sender = ("pl", "en")[number % 2], f"bench-{uuid.uuid4().hex[:10]}"
        for message in TURNS[language]:
            start = time.perf_counter()
            (await client.post("/model/parse", json={"text": message})).raise_for_status()
            parse_latencies.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await post_turn(client, sender, message, language)
            turn_latencies.append((time.perf_counter() - start) * 1000)
    parse, turn = statistics.median(parse_latencies), statistics.median(turn_latencies)
    return {"messages": len(turn_latencies), "parse_p50_ms": round(parse, 1), "turn_p50_ms": round(turn, 1),
            "ratio": round(turn / parse, 2)}


async def measure(engine: EngineAddress) -> dict:
    async with engine.async_client(timeout=60) as client:
        await conversation(client, "pl", [])  # warm-up
        results = {"intent_accuracy": {}, "latency": {}}
        for language in ("pl", "en"):
            results["intent_accuracy"][f"heldout_{language}"] = await intent_accuracy(client, heldout_rows(language))
        bitext = bitext_rows()
        if bitext:
            results["intent_accuracy"]["bitext_en"] = await intent_accuracy(client, bitext)
        results["turn_versus_parse"] = await turn_versus_parse(client, 20)
        results["latency"]["1_conversation"] = await latency(client, 1, 20)
        results["latency"]["20_conversations"] = await latency(client, 20, 4)
        return results


def markdown(results: dict) -> str:
    lines = [f"# Koliber benchmark ({results['measured_at']})", "", f"Machine: {results['machine']}", "",
             "## Intent accuracy", "", "| data set | examples | accuracy |", "|---|---|---|"]
    for name, row in results["intent_accuracy"].items():
        lines.append(f"| {name} | {row['examples']} | {row['accuracy']:.3f} |")
    ratio = results["turn_versus_parse"]
    lines += ["", "## A turn against a parse (one conversation)", "",
              f"{ratio['messages']} messages: a whole turn p50 {ratio['turn_p50_ms']} ms, Rasa's `/model/parse` of the "
              f"same message p50 {ratio['parse_p50_ms']} ms: ×{ratio['ratio']}"]
    lines += ["", "## Turn latency (the engine's channel)", "",
              "| concurrent conversations | messages | p50 ms | p99 ms | messages/s |", "|---|---|---|---|---|"]
    for row in results["latency"].values():
        lines.append(f"| {row['conversations']} | {row['messages']} | {row['p50_ms']} | {row['p99_ms']} | {row['messages_per_second']} |")
    if "gateway" in results:
        overhead, load = results["gateway"]["overhead"], results["gateway"]["load"]
        lines += ["", "## Gateway (web chat WebSocket)", "",
                  "| measure | result |", "|---|---|",
                  f"| turn via web chat, {overhead['turns']} turns | p50 {overhead['web_chat']['p50_ms']} ms, p99 {overhead['web_chat']['p99_ms']} ms |",
                  f"| same turns straight to the engine's channel | p50 {overhead['engine_channel']['p50_ms']} ms, p99 {overhead['engine_channel']['p99_ms']} ms |",
                  f"| gateway overhead (ratio) | p50 ×{overhead['p50_ratio']}, p99 ×{overhead['p99_ratio']} |",
                  f"| {load['conversations']} concurrent web chats, {load['seconds']:.0f} s | {load['messages']} messages, "
                  f"{load['messages_per_second']} messages/s, p50 {load['p50_ms']} ms, p99 {load['p99_ms']} ms |",
                  f"| errors | {load['errors']} |",
                  f"| acknowledged messages missing from the database | {load['missing_from_store']} of {load['acknowledged']} |"]
    if "observability" in results:
        lines += observability.markdown(results["observability"])
    if "scale" in results:
        lines += scale.markdown(results["scale"])
    if "voice" in results:
        lines += voice.markdown(results["voice"])
    if "surveys" in results:
        lines += surveys.markdown(results["surveys"])
    lines += ["", "## Worst confusions", ""]
    for name, row in results["intent_accuracy"].items():
        pairs = ", ".join(f"{c['expected']}→{c['predicted']} ({c['count']})" for c in row["top_confusions"][:5])
        lines.append(f"- {name}: {pairs or 'none'}")
    return "\n".join(lines) + "\n"


def main() -> None:
    model_dir = PROJECT_ROOT / "models"
    with tempfile.TemporaryDirectory() as work:
        database_url = f"sqlite:///{Path(work) / 'shop.db'}"
        create_demo_shop(database_url)
        with engine_with_actions(Path(work), database_url, model_dir) as engine:
            results = asyncio.run(measure(engine))
            port = free_port()
            gateway = ManagedProcess(gateway_spec(port, database_url, engine, LOAD_GENERATOR_SETTINGS), Path(work))
            gateway.start()
            try:
                gateway.wait_healthy()
                results["gateway"] = asyncio.run(
                    measure_gateway(f"ws://127.0.0.1:{port}/chat/ws", engine, database_url, TURNS))
            finally:
                gateway.stop()
            results["observability"] = observability.measure_observability(Path(work), database_url, engine, TURNS,
                                                                           LOAD_GENERATOR_SETTINGS)
        results["scale"] = scale.measure_scaling(model_dir, TURNS)
        with engine_with_actions(Path(work), database_url, model_dir) as engine:
            results["voice"] = voice.measure_voice(database_url, engine, PROJECT_ROOT / "var" / "models")
            results["surveys"] = surveys.measure_surveys(engine, database_url)
    results["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / "bench.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
