"""What the trained model makes of texts, through a Rasa engine's `/model/parse` (nothing here imports Rasa)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.engine.address import EngineAddress
from bot.processes import InternalSecrets, ManagedProcess, Stores, engine_spec, free_port, write_endpoints
from bot.trainer.data.annotations import EntitySpan


@dataclass(frozen=True)
class Parse:
    intent: str
    confidence: float
    entities: tuple[EntitySpan, ...]


def _parse(body: dict) -> Parse:
    intent = body.get("intent") or {}
    entities = tuple(EntitySpan(e["entity"], e["start"], e["end"], str(e.get("value", "")))
                     for e in body.get("entities") or [] if "start" in e and "end" in e)
    return Parse(intent.get("name") or "", float(intent.get("confidence") or 0.0), entities)


async def parse_texts(engine: EngineAddress, texts: list[str], concurrency: int = 4,
                      timeout: float = 60) -> list[Parse]:
    """Parses every text; a few requests at once keep both cores busy without queueing minutes."""
    semaphore = asyncio.Semaphore(concurrency)
    async with engine.async_client(timeout) as client:
        async def one(text: str) -> Parse:
            async with semaphore:
                response = await client.post("/model/parse", json={"text": text})
                response.raise_for_status()
                return _parse(response.json())

        return await asyncio.gather(*(one(text) for text in texts))


@contextmanager
def parse_engine(model_dir: Path, work_dir: Path) -> Iterator[EngineAddress]:
    """An engine of its own for parsing, on a free port; no action server is needed to parse."""
    secrets_, port = InternalSecrets.generate(), free_port()
    stores = Stores(f"sqlite:///{work_dir / 'parse-trackers.db'}")  # parsing keeps no conversation worth keeping
    endpoints = write_endpoints(work_dir / "endpoints.yml", free_port(), stores)
    engine = ManagedProcess(engine_spec(port, model_dir, endpoints, secrets_, stores), work_dir)
    try:
        engine.start()
        engine.wait_healthy()
        yield EngineAddress(f"http://127.0.0.1:{port}", secrets_.engine_token)
    finally:
        engine.stop()
