"""`/metrics`: this gateway process's Prometheus metrics, for a scraper holding KOLIBER_METRICS_TOKEN.

The numbers are this process's own (bot/observability/metrics.py): scrape every gateway.
"""

import asyncio
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.health import engine_failure
from bot.deps import SettingsDep
from bot.engine.address import EngineAddress
from bot.observability.metrics import CONTENT_TYPE_LATEST, ENGINE_UP, exposition
from bot.settings import DEV_PLACEHOLDER, Settings

router = APIRouter(tags=["operations"])
_bearer = HTTPBearer(auto_error=False, description="The metrics token (KOLIBER_METRICS_TOKEN)")


def scrape_token(settings: Settings) -> str | None:
    """The token a scraper must send; None when metrics are off (no token set in production, where
    the development placeholder counts as none)."""
    if settings.metrics_token and (settings.development or settings.metrics_token != DEV_PLACEHOLDER):
        return settings.metrics_token
    return DEV_PLACEHOLDER if settings.development else None


@router.get("/metrics", include_in_schema=False)
async def metrics(settings: SettingsDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Response:
    token = scrape_token(settings)
    if token is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), token.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong metrics token",
                            headers={"WWW-Authenticate": "Bearer"})
    engines = EngineAddress.all_of(settings)
    for engine, failure in zip(engines, await asyncio.gather(*map(engine_failure, engines))):
        ENGINE_UP.labels(engine=engine.url).set(0 if failure else 1)
    # The queue gauges read the database: not on the event loop.
    return Response(await asyncio.to_thread(exposition), media_type=CONTENT_TYPE_LATEST)
