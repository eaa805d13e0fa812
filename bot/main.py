"""The gateway's ASGI application: wires the routers together and nothing else."""

from fastapi import FastAPI

from bot.api import health

app = FastAPI(
    title="Koliber gateway",
    description="Channels, handoff queue and REST API of the Koliber shop assistant.",
    version="0.1.0",
)
app.include_router(health.router)
