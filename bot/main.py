"""The gateway's ASGI application: wires the routers together and nothing else."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError

from bot.api import conversations, health, metrics, surveys
from bot.channels import messenger, shop_webhooks, twilio_messaging, twilio_survey, twilio_voice, webchat
from bot.channels.speech_engines import SpeechEngines
from bot.console import agent_actions as console_agent_actions
from bot.console import agent_admin as console_agent_admin
from bot.console import analytics as console_analytics
from bot.console import identity as console_identity
from bot.console import nps_report
from bot.console import policy_settings as console_policy_settings
from bot.console import privacy as console_privacy
from bot.console import review as console_review
from bot.console import routes as console
from bot.console import shop_settings as console_shop_settings
from bot.console import widget_settings as console_widget_settings
from bot.gateway import build_gateway
from bot.notices.scheduler import start_delay_notice_job
from bot.observability.queue_state import watch_queue
from bot.privacy.scheduler import start_retention_job
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.shop_journal import start_shop_journal_job
from bot.surveys.scheduler import SurveyScheduler
from bot.web import contact_form, pages, rating_page, survey_page
from db.base import utcnow


def create_app(settings: Settings | None = None, clock: Callable[[], datetime] = utcnow,
               speech: SpeechEngines | None = None) -> FastAPI:
    """The gateway; settings are read from the environment at start-up unless given (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = await build_gateway(settings or get_settings(), clock, speech)
        app.state.gateway = gateway
        stop_watching_queue = watch_queue(gateway.sessions, lambda: gateway.queue.config.max_live_wait_minutes,
                                          gateway.clock)  # the queue's gauges in /metrics
        await gateway.hub.start()
        gateway.delivery.outbox.start()  # sends what an earlier run left in the outbox, then retries
        # What a gateway left mid-turn (this one before a restart, or another that died) is answered.
        unanswered = asyncio.create_task(gateway.core.keep_answering_unanswered(), name="unanswered")
        if gateway.mailbox is not None:
            gateway.mailbox.start()
        scheduler = None
        if gateway.settings.survey_scheduler and gateway.surveys.config.enabled:
            scheduler = SurveyScheduler(gateway.surveys.dialer, gateway.database, gateway.settings.database_url,
                                        gateway.surveys.config.select_every_minutes)
            scheduler.start()
        retention = start_retention_job(gateway.settings, gateway.sessions, gateway.clock)
        app.state.retention = retention
        delay_notices = start_delay_notice_job(gateway.settings, gateway.database, gateway.sessions, gateway.shop,
                                               gateway.delivery, gateway.clock)
        app.state.delay_notices = delay_notices
        shop_journal = start_shop_journal_job(gateway.shop, gateway.database, gateway.settings.shop_journal_seconds)
        app.state.shop_journal = shop_journal
        yield
        unanswered.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await unanswered
        if shop_journal is not None:
            shop_journal.shutdown()
        if delay_notices is not None:
            delay_notices.shutdown()
        if retention is not None:
            retention.shutdown()
        if scheduler is not None:
            scheduler.shutdown()
        if gateway.mailbox is not None:
            await gateway.mailbox.stop()
        await gateway.delivery.outbox.stop()
        stop_watching_queue()
        await gateway.close()

    app = FastAPI(
        title="Koliber gateway",
        description="Channels, handoff queue and REST API of the Koliber shop assistant.",
        version="0.2.0",
        lifespan=lifespan,
    )
    # Shops embed the widget on their own sites: its texts and availability are readable from any
    # origin (no cookies). The console's cookie is SameSite=strict, so this opens nothing there.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_credentials=False)
    for module in (health, pages, survey_page, rating_page, contact_form, webchat, twilio_messaging, twilio_voice,
                   twilio_survey, messenger, conversations, surveys, metrics, console, nps_report, console_review,
                   console_privacy, console_identity, console_agent_actions, console_analytics, shop_webhooks,
                   console_shop_settings, console_policy_settings, console_widget_settings, console_agent_admin):
        app.include_router(module.router)
    app.include_router(console_agent_admin.password_router)  # the one-time link's page, before any log-in
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.mount("/console/static", StaticFiles(directory=PROJECT_ROOT / "bot" / "console" / "static"),
              name="console-static")
    return app


async def _database_unavailable(_request: Request, _error: OperationalError) -> JSONResponse:
    """The database is restarting, failing over or busy: the client sends the request again, and a
    message that was stored before the failure is recognised by its id and not stored twice."""
    return JSONResponse({"detail": "The database is unavailable for a moment; send the request again."},
                        status_code=503, headers={"Retry-After": "1"})


app = create_app()
