"""The survey feature's parts, built once for the gateway."""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from twilio.rest import Client

from bot.conversations.delivery import Delivery
from bot.conversations.replies import SystemReplies
from bot.conversations.texts import GatewayTexts
from bot.handoff.announcer import QueueAnnouncer
from bot.handoff.queue import HandoffQueue
from bot.models.survey import Survey, SurveyCall, SurveyState
from bot.settings import Settings
from bot.surveys.config import SurveyConfig, load_survey_config
from bot.surveys.dialer import SurveyDialer
from bot.surveys.links import SurveyLinks
from bot.surveys.planner import SurveyPlanner
from bot.surveys.results import SurveyResults
from db.sessions import read
from shop.service import ShopService

# The assistant's dialogue a survey call starts (stories/survey.yml), and its slot for the score.
SURVEY_INTENT = "give_feedback"
SCORE_SLOT = "nps_score"


@dataclass
class Surveys:
    config: SurveyConfig
    planner: SurveyPlanner
    dialer: SurveyDialer
    results: SurveyResults
    links: SurveyLinks
    sessions: sessionmaker[Session]

    # --- an answered survey call (bot.conversations.calls.OutboundDialogue) ---------------------
    async def begin(self, parameters: dict[str, str], conversation_id: str) -> str | None:
        call_id = parameters.get("survey_call", "")
        if not call_id.isdigit():
            return None
        await asyncio.to_thread(self.planner.link_conversation, int(call_id), conversation_id)
        return SURVEY_INTENT

    async def is_over(self, conversation_id: str) -> bool:
        def finished(session: Session) -> bool:
            state = session.scalar(select(Survey.state).join(SurveyCall)
                                   .where(SurveyCall.conversation_id == conversation_id))
            return state == SurveyState.FINISHED
        return await read(self.sessions, finished)

    def speech_hint(self, slots: Mapping[str, Any], language: str) -> str | None:
        """The score hint while the survey waits for a score (the engine's slots after the turn);
        nothing otherwise, as a hint full of numbers makes Whisper hear numbers in a reason or a "not now"."""
        return self.config.speech_hints.get(language) if slots.get("requested_slot") == SCORE_SLOT else None


def build_surveys(settings: Settings, sessions: sessionmaker[Session], queue: HandoffQueue, texts: GatewayTexts,
                  delivery: Delivery, announcer: QueueAnnouncer, twilio: Client, shop: ShopService,
                  clock: Callable[[], datetime]) -> Surveys:
    config = load_survey_config(settings.surveys_config_path)
    planner = SurveyPlanner(sessions, config, shop)
    results = SurveyResults(queue, texts)
    links = SurveyLinks(sessions, SystemReplies(texts, queue), delivery, results, announcer, settings, clock)
    return Surveys(config, planner, SurveyDialer(planner, twilio, settings, config, clock), results, links, sessions)
