"""Places survey calls through Twilio's REST API: each due survey gets one attempt, with the
survey's TwiML URL, a status callback and answering-machine detection."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from bot.settings import Settings
from bot.surveys.config import SurveyConfig
from bot.surveys.planner import SurveyPlanner

log = logging.getLogger(__name__)

STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS = 30


class SurveyDialer:
    def __init__(self, planner: SurveyPlanner, twilio: Client, settings: Settings, config: SurveyConfig,
                 clock: Callable[[], datetime]) -> None:
        self._planner = planner
        self._twilio = twilio
        self._settings = settings
        self._config = config
        self._clock = clock

    async def run_once(self) -> list[str]:
        """Opens surveys for newly due orders and calls every survey due now; returns the call SIDs."""
        now = self._clock()
        await asyncio.to_thread(self._planner.expire_silent_calls, now)
        await asyncio.to_thread(self._planner.select_due_orders, now)
        placed = []
        for survey_id in await asyncio.to_thread(self._planner.due_surveys, now):
            call_sid = await self.place(survey_id)
            if call_sid:
                placed.append(call_sid)
        return placed

    async def place(self, survey_id: int) -> str | None:
        request = await asyncio.to_thread(self._planner.begin_attempt, survey_id, self._clock())
        if request is None:
            return None
        url = self._settings.outside_url
        try:
            call = await self._twilio.calls.create_async(
                to=request.phone, from_=self._config.caller_id, method="POST",
                url=url(f"/twilio/survey/answer?call={request.call_id}"),
                status_callback=url(f"/twilio/survey/status?call={request.call_id}"),
                status_callback_method="POST", status_callback_event=STATUS_EVENTS,
                machine_detection="Enable", timeout=RING_SECONDS)
        except (TwilioException, OSError) as error:
            log.warning("survey %s: Twilio did not place the call: %s", survey_id, error)
            await asyncio.to_thread(self._planner.call_not_placed, request.call_id, self._clock())
            return None
        await asyncio.to_thread(self._planner.call_placed, request.call_id, call.sid)
        log.info("survey %s: attempt placed as %s", survey_id, call.sid)
        return call.sid

