"""Liveness of the gateway and whether its database and engine answer."""

import httpx
from fastapi import APIRouter
from sqlalchemy import text

from bot.api.deps import GatewayDep
from bot.gateway import engine_address

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/dependencies")
async def dependencies(gateway: GatewayDep) -> dict[str, str]:
    result = {"database": "ok", "engine": "ok"}
    try:
        with gateway.database.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means the database is unusable
        result["database"] = f"error: {type(error).__name__}"
    try:
        async with engine_address(gateway.settings).async_client(timeout=3) as client:
            (await client.get("/status")).raise_for_status()
    except httpx.HTTPError as error:
        result["engine"] = f"error: {type(error).__name__}"
    return result
