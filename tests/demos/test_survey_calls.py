"""The survey-call demo's machinery end to end with the real engine: its customers answer what
the survey asks (read from the engine's tracker), the voicemail customer is retried on a moving
clock until the SMS link goes out, and the report counts the answers. What the customer says is
replayed by ScriptedRecognizer (no Polish speech model offline)."""

from datetime import datetime

import httpx
import pytest

from bot.channels.speech_engines import SpeechEngines
from contracts.survey_result import SurveyOutcome
from demos.survey_calls import WARSAW, DemoCustomer, call_everyone, survey_rig
from testing.clock import ManualClock
from voice.stt.scripted import ScriptedRecognizer
from voice.tts.espeak import EspeakSynthesizer

pytestmark = pytest.mark.speech_model
TUESDAY = datetime(2027, 6, 22, 11, 0, tzinfo=WARSAW)  # no other test's orders are due then


def test_demo_customers_answer_the_survey_and_voicemail_ends_with_the_sms_link(stack):
    said = ScriptedRecognizer(["tak", "kurier był bardzo miły"])
    clock = ManualClock(TUESDAY)
    customers = [DemoCustomer("Ewa Test", "pl", "Tak chętnie.", 8, None, "Kurier był bardzo miły."),
                 DemoCustomer("Kasia Test", "pl", "", voicemail=True)]
    with survey_rig(stack.database_url, stack.engine, SpeechEngines(said, EspeakSynthesizer(rate_wpm=200)),
                    clock, KOLIBER_CALL_SILENCE_SECONDS="30") as rig:
        numbers = {customer.name: number for number, customer in call_everyone(rig, customers).items()}
        answered, voicemail = rig.survey_of(numbers["Ewa Test"]), rig.survey_of(numbers["Kasia Test"])
        assert (answered.outcome, answered.score, answered.reason) == (SurveyOutcome.COMPLETED, 8,
                                                                       "kurier był bardzo miły")
        assert (voicemail.outcome, voicemail.attempts) == (SurveyOutcome.VOICEMAIL, 3)
        assert clock.now > TUESDAY  # the retries waited for their back-off
        [sms] = rig.cloud.wait_for_messages(numbers["Kasia Test"], 1)
        assert f"{rig.gateway_url}/survey/" in sms
        report = httpx.get(f"{rig.gateway_url}/api/v1/nps", params={"period": "all"},
                           headers={"Authorization": f"Bearer {rig.api_key}"}).json()
        assert any(r["reason"] == "kurier był bardzo miły" and r["score"] == 8 for r in report["latest_reasons"])
    assert said.remaining == 0
