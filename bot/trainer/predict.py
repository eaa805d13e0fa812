"""What the trained model makes of texts, through a Rasa engine's `/model/parse` (nothing here imports Rasa)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.processes import ManagedProcess, engine_spec, free_port, write_endpoints
from bot.trainer.annotations import EntitySpan


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


async def parse_texts(engine_url: str, texts: list[str], concurrency: int = 4, timeout: float = 60) -> list[Parse]:
    """Parses every text; a few requests at once keep both cores busy without queueing minutes."""
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=engine_url, timeout=timeout) as client:
        async def one(text: str) -> Parse:
            async with semaphore:
                response = await client.post("/model/parse", json={"text": text})
                response.raise_for_status()
                return _parse(response.json())

        return await asyncio.gather(*(one(text) for text in texts))


@contextmanager
def parse_engine(model_dir: Path, work_dir: Path) -> Iterator[str]:
    """An engine of its own for parsing, on a free port; no action server is needed to parse."""
    endpoints = write_endpoints(work_dir / "endpoints.yml", free_port())
    engine = ManagedProcess(engine_spec(free_port(), model_dir, endpoints), work_dir)
    try:
        engine.start()
        engine.wait_healthy()
        yield engine.spec.health_url.removesuffix("/status")
    finally:
        engine.stop()
