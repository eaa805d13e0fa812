"""Gateway benchmarks: what the gateway adds to a turn, and 200 web chats at once.

- Overhead: the same six-turn conversations through the web chat WebSocket and straight to
  the engine's channel, alternating, in one run; p50/p99 of each and their ratio. A web chat
  turn is timed from sending the message to the last reply (the typing indicator going off);
  it includes storing every message and reading the intent back from the engine.
- Load: 200 concurrent web chat conversations for 60 s, each sending its next message when the
  last one is answered. Messages per second, p50/p99, errors (error frames, lost sockets,
  timeouts), and afterwards a check that every acknowledged message is in the database.
"""

import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select
from websockets.asyncio.client import connect

from bot.engine.address import EngineAddress
from bot.models.conversation import Author, Message
from db.sessions import make_engine, session_factory

TURN_TIMEOUT = 180  # seconds; a turn slower than this counts as an error
# The gateway's settings under load: the load comes from one address at a rate no customer reaches
# (the per-address limits are lifted), and a turn may wait behind 199 others (the timeout must not fire).
LOAD_GENERATOR_SETTINGS = {"KOLIBER_CHAT_SOCKETS_PER_IP": "1000", "KOLIBER_CHAT_MESSAGES_PER_MINUTE": "1000",
                           "KOLIBER_ENGINE_TIMEOUT": "170"}


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    if not ordered:
        return {"p50_ms": None, "p99_ms": None}
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], 1)}


class ChatClient:
    """A web chat widget: one socket, one conversation."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.acked: list[int] = []

    @classmethod
    async def open(cls, ws_url: str, language: str) -> "ChatClient":
        client = cls(await connect(ws_url, open_timeout=60, ping_interval=None, max_queue=None))
        await client.socket.send(json.dumps({"type": "hello", "language": language, "conversation_id": None,
                                             "token": None, "last_seen": None}))
        await client._until(lambda f: f["type"] == "welcome")
        return client

    async def _until(self, done) -> dict:
        while True:
            frame = json.loads(await self.socket.recv())
            if frame["type"] == "error":
                raise RuntimeError(f"error frame: {frame}")
            if frame["type"] == "ack":
                self.acked.append(frame["message_id"])
            if done(frame):
                return frame

    async def turn(self, text: str) -> float:
        """Sends one message; milliseconds until every reply has arrived."""
        start = time.perf_counter()
        await self.socket.send(json.dumps({"type": "message", "text": text, "client_id": uuid.uuid4().hex}))
        await self._until(lambda f: f["type"] == "ack")
        await self._until(lambda f: f["type"] == "typing" and f["on"] is False)
        return (time.perf_counter() - start) * 1000


async def post_turn(engine_client: httpx.AsyncClient, sender: str, message: str, language: str) -> None:
    """One turn straight to the engine's channel, with the conversation's language as the gateway sends it."""
    response = await engine_client.post("/webhooks/koliber/turn", json={"sender": sender, "message": message,
                                                                         "metadata": {"language": language}})
    response.raise_for_status()


async def overhead(gateway_ws: str, engine: EngineAddress, turns: dict[str, list[str]], conversations: int) -> dict:
    chat_latencies: list[float] = []
    engine_latencies: list[float] = []
    async with engine.async_client(timeout=60) as engine_client:
        for number in range(conversations):
            language = ("pl", "en")[number % 2]
            chat = await ChatClient.open(gateway_ws, language)
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in turns[language]:
                chat_latencies.append(await chat.turn(text))
                start = time.perf_counter()
                await post_turn(engine_client, sender, text, language)
                engine_latencies.append((time.perf_counter() - start) * 1000)
            await chat.socket.close()
    chat, direct = percentiles(chat_latencies), percentiles(engine_latencies)
    return {"turns": len(chat_latencies), "web_chat": chat, "engine_channel": direct,
            "p50_ratio": round(chat["p50_ms"] / direct["p50_ms"], 2), "p99_ratio": round(chat["p99_ms"] / direct["p99_ms"], 2)}


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    elapsed: float = 0.0


async def _chatter(ws_url: str, index: int, turns: dict[str, list[str]], deadline: float, result: LoadResult) -> None:
    language = ("pl", "en")[index % 2]
    script = turns[language]
    try:
        chat = await asyncio.wait_for(ChatClient.open(ws_url, language), TURN_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
        result.errors.append(f"connect: {type(error).__name__}: {error}")
        return
    turn = 0
    try:
        while time.monotonic() < deadline:
            result.latencies.append(await asyncio.wait_for(chat.turn(script[turn % len(script)]), TURN_TIMEOUT))
            turn += 1
    except Exception as error:  # noqa: BLE001
        result.errors.append(f"turn: {type(error).__name__}: {error}")
    finally:
        result.acked += chat.acked
        await chat.socket.close()


async def load(ws_url: str, turns: dict[str, list[str]], concurrency: int, seconds: float) -> LoadResult:
    result = LoadResult()
    deadline = time.monotonic() + seconds
    start = time.perf_counter()
    await asyncio.gather(*(_chatter(ws_url, i, turns, deadline, result) for i in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result


def missing_from_store(database_url: str, message_ids: list[int]) -> int:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as session:
            stored = set(session.scalars(select(Message.id).where(Message.author == Author.CUSTOMER,
                                                                  Message.id.in_(message_ids))))
        return len(set(message_ids) - stored)
    finally:
        engine.dispose()


def summary(outcome: LoadResult, database_url: str, concurrency: int, seconds: float) -> dict:
    return {
        "conversations": concurrency,
        "seconds": seconds,
        "messages": len(outcome.latencies),
        "messages_per_second": round(len(outcome.latencies) / outcome.elapsed, 1),
        **percentiles(outcome.latencies),
        "errors": len(outcome.errors),
        "error_examples": outcome.errors[:5],
        "acknowledged": len(outcome.acked),
        "missing_from_store": missing_from_store(database_url, outcome.acked),
    }


async def measure_gateway(gateway_ws: str, engine: EngineAddress, database_url: str, turns: dict[str, list[str]],
                          concurrency: int = 200, seconds: float = 60) -> dict:
    results = {"overhead": await overhead(gateway_ws, engine, turns, conversations=10)}
    results["load"] = summary(await load(gateway_ws, turns, concurrency, seconds), database_url, concurrency, seconds)
    return results
