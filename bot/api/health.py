"""Liveness of the gateway and whether its database and engine answer."""

import httpx
from fastapi import APIRouter
from sqlalchemy import text

from bot.deps import SessionsDep, SettingsDep
from bot.engine.address import EngineAddress
from db.sessions import read

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/dependencies")
async def dependencies(settings: SettingsDep, sessions: SessionsDep) -> dict[str, str]:
    result = {"database": "ok", "engine": "ok"}
    try:
        await read(sessions, lambda session: session.execute(text("SELECT 1")))
    except Exception as error:  # any driver error means the database is unusable
        result["database"] = f"error: {type(error).__name__}"
    try:
        async with EngineAddress.of(settings).async_client(timeout=3) as client:
            (await client.get("/status")).raise_for_status()
    except httpx.HTTPError as error:
        result["engine"] = f"error: {type(error).__name__}"
    return result
