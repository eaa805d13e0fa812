"""Liveness of the gateway and whether its database, engines and Redis answer."""

import asyncio

import httpx
from fastapi import APIRouter
from sqlalchemy import text

from bot.deps import HubDep, SessionsDep, SettingsDep
from bot.engine.address import EngineAddress
from db.sessions import read

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/dependencies")
async def dependencies(settings: SettingsDep, sessions: SessionsDep, hub: HubDep) -> dict[str, str]:
    """Each dependency "ok" or what is wrong with it (for "engine", every engine the gateway spreads
    conversations over); Redis is "not configured" for a single gateway."""
    result = {"database": "ok", "engine": "ok", "redis": hub.status()}
    try:
        await read(sessions, lambda session: session.execute(text("SELECT 1")))
    except Exception as error:  # any driver error means the database is unusable
        result["database"] = f"error: {type(error).__name__}"
    failures = [failure for failure in await asyncio.gather(*map(engine_failure, EngineAddress.all_of(settings)))
                if failure]
    if failures:
        result["engine"] = "error: " + "; ".join(failures)
    return result


async def engine_failure(engine: EngineAddress) -> str | None:
    """What is wrong with one engine, with its address, or None when it answers."""
    try:
        async with engine.async_client(timeout=3) as client:
            (await client.get("/status")).raise_for_status()
    except httpx.HTTPError as error:
        return f"{type(error).__name__} ({engine.url})"
    return None
