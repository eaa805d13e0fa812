"""Whole survey calls: the gateway places the call at the fake Twilio cloud, the "phone" answers
(Twilio's signed answer webhook, then its Media Streams socket driven by the call simulator with
real espeak-ng audio), the real trained engine and action server hold the survey, and Twilio's
status callback closes it. What the customer says is replayed by ScriptedRecognizer (no Polish
speech model offline); every other part of the call is real."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.channels.speech_engines import SpeechEngines
from bot.main import create_app
from bot.models.conversation import Author, Message
from bot.models.handoff import Ticket, TicketKind
from bot.models.survey import Survey, SurveyCall, SurveyOptOut
from bot.settings import PROJECT_ROOT
from bot.surveys.config import load_survey_config
from contracts.survey_result import SurveyOutcome
from db.sessions import make_engine, session_factory, unit_of_work
from testing.fakes.survey_phone import Answer, SurveyPhone
from testing.served import ServedApp
from testing.shop_rows import delivered_order
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, TWILIO_TOKEN, gateway_settings
from voice.stt.base import Piece
from voice.stt.scripted import ScriptedRecognizer
from voice.tts.espeak import EspeakSynthesizer

pytestmark = pytest.mark.speech_model
# A Tuesday morning long after the demo shop's own deliveries, so only this test's orders are due.
NOW = datetime(2027, 6, 15, 11, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
SURVEYS_CONFIG = PROJECT_ROOT / "config" / "surveys.yml"


@pytest.fixture(scope="module")
def synthesizer() -> EspeakSynthesizer:
    return EspeakSynthesizer(rate_wpm=200)


class SurveyLine:
    """One customer's phone, with the gateway that calls it."""

    def __init__(self, stack, twilio_cloud, synthesizer, script: list, language: str) -> None:
        self.phone = f"+4860{uuid.uuid4().int % 10**7:07d}"
        self.sessions = session_factory(make_engine(stack.database_url))
        with unit_of_work(self.sessions) as session:
            order = delivered_order(session, NOW - timedelta(days=4), phone=self.phone, language=language,
                                    category="shoes")
            self.order_number = order.number
        self.settings = gateway_settings(stack.database_url, stack.engine, ALWAYS_OPEN, twilio_cloud,
                                         KOLIBER_CALL_SILENCE_SECONDS="30")
        self.recognizer = ScriptedRecognizer(script)
        self.server = ServedApp(create_app(self.settings, clock=lambda: NOW,
                                           speech=SpeechEngines(self.recognizer, synthesizer)))
        self.settings.public_base_url = self.server.base_url
        self.cloud = twilio_cloud
        self.customer = SurveyPhone(TWILIO_TOKEN, synthesizer)

    def ring(self):
        """Runs a survey round; returns the call placed to this phone."""
        placed = httpx.post(f"{self.server.base_url}/api/v1/surveys/round", headers={"Authorization": f"Bearer {API_KEY}"})
        assert placed.status_code == 200, placed.text
        [call] = [c for c in self.cloud.placed_calls if c.to == self.phone]
        return call

    def survey(self) -> Survey:
        with self.sessions() as session:
            return session.scalar(select(Survey).where(Survey.order_number == self.order_number))

    def bot_said(self) -> list[str]:
        with self.sessions() as session:
            conversation_id = session.scalar(select(SurveyCall.conversation_id).join(Survey)
                                             .where(Survey.order_number == self.order_number))
            return list(session.scalars(select(Message.text).where(Message.conversation_id == conversation_id,
                                                                   Message.author == Author.BOT)
                                        .order_by(Message.id)))


@pytest.fixture
def line(stack, twilio_cloud, synthesizer):
    lines = []

    def open_line(script: list, language: str = "pl") -> SurveyLine:
        line = SurveyLine(stack, twilio_cloud, synthesizer, script, language)
        line.server.__enter__()
        lines.append(line)
        return line

    yield open_line
    for opened in lines:
        opened.server.__exit__()


def survey_call(line: SurveyLine, say: list[Answer]) -> bool:
    """Answers the call as a person, hears the intro, says or types each answer; True when the bot hung up."""
    call = line.ring()
    talk = line.customer.talk(call, line.customer.pick_up(call), say)
    line.customer.hang_up(call)
    assert talk.intro_ms > 2000
    assert talk.ended_by_bot, f"the bot did not end the call; it said {line.bot_said()}"
    return talk.ended_by_bot


def test_polish_customer_gives_a_spoken_score_and_a_reason(line):
    phone = line(["tak, proszę", "osiem na dziesięć", "szybka dostawa, ale pudełko było pogniecione"])
    assert survey_call(phone, [("Tak, proszę.", "pl"), ("Osiem na dziesięć.", "pl"),
                               ("Szybka dostawa, ale pudełko było pogniecione.", "pl")])
    survey = phone.survey()
    assert (survey.outcome, survey.score, survey.answered_via) == (SurveyOutcome.COMPLETED, 8, "phone")
    assert survey.reason == "szybka dostawa, ale pudełko było pogniecione" and survey.ticket_id is None
    said = phone.bot_said()
    assert "Sklepu Koliber" in said[0] and "od 0 do 10" in said[1] and said[-1].startswith("Dziękuję za odpowiedzi")
    # The recogniser was primed with the survey's Polish score hint for the score only.
    hints = phone.recognizer.hints
    changes = [hint for i, hint in enumerate(hints) if i == 0 or hints[i - 1] != hint]
    assert changes == [None, load_survey_config(SURVEYS_CONFIG).speech_hints["pl"], None], hints
    report = httpx.get(f"{phone.server.base_url}/api/v1/nps", params={"period": "all"},
                       headers={"Authorization": f"Bearer {API_KEY}"}).json()
    assert {"score": 8, "language": "pl", "order_number": phone.order_number,
            "reason": survey.reason} in [{k: r[k] for k in ("score", "language", "order_number", "reason")}
                                         for r in report["latest_reasons"]]


def test_english_customer_is_asked_to_confirm_a_score_heard_badly(line):
    phone = line(["yes sure", Piece("a solid nine", 0.3), "yes",
                  "great service"], language="en")
    assert survey_call(phone, [("Yes, sure.", "en"), ("A solid nine.", "en"), ("Yes.", "en"),
                               ("Great service.", "en")])
    survey = phone.survey()
    assert (survey.outcome, survey.score, survey.reason) == (SurveyOutcome.COMPLETED, 9, "great service")
    said = phone.bot_said()
    assert any("your score is 9" in text for text in said), said
    assert said[-1].startswith("Thank you so much")


def test_unhappy_customer_types_the_score_and_a_person_calls_back(line):
    phone = line(["tak", "paczka przyszła uszkodzona", "tak, poproszę"])
    # "Tak chętnie" rather than a bare "Tak." (espeak says it in 0.3 s), and without a comma, after which the VAD
    # may hear two utterances (the scripted recogniser would then answer the next question with the wrong line).
    assert survey_call(phone, [("Tak chętnie.", "pl"), "3#", ("Paczka przyszła uszkodzona.", "pl"),
                               ("Tak, poproszę.", "pl")])
    survey = phone.survey()
    assert (survey.outcome, survey.score, survey.callback_requested) == (SurveyOutcome.COMPLETED, 3, True)
    with phone.sessions() as session:
        ticket = session.get(Ticket, survey.ticket_id)
        assert (ticket.priority, ticket.kind, ticket.reason) == ("high", TicketKind.CALLBACK, "survey_detractor")
        assert ticket.order_number == phone.order_number and ticket.contact_details == phone.phone
        assert "3/10" in ticket.summary and "uszkodzona" in ticket.summary
    assert "oddzwoni" in phone.bot_said()[-1]


def test_not_now_ends_politely_and_dont_call_again_opts_out_for_good(line, stack, twilio_cloud):
    busy = line(["not now, I'm busy"], language="en")
    assert survey_call(busy, [("Not now, I'm busy.", "en")])
    assert busy.survey().outcome == SurveyOutcome.REFUSED
    assert busy.bot_said()[-1].startswith("No problem")

    annoyed = line(["nie dzwońcie do mnie więcej"])
    assert survey_call(annoyed, [("Nie dzwońcie do mnie więcej.", "pl")])
    assert annoyed.survey().outcome == SurveyOutcome.OPTED_OUT
    with annoyed.sessions() as session:
        assert session.scalar(select(SurveyOptOut).where(SurveyOptOut.phone == annoyed.phone)) is not None
    assert "Nie będziemy już dzwonić" in annoyed.bot_said()[-1]
