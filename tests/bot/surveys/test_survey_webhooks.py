"""Survey calls through the gateway and the fake Twilio cloud (its real wire format), with a
pinned clock: placing calls with answering-machine detection and a status callback, the answer
TwiML for a person and for a machine, signature-checked idempotent status callbacks, and the
SMS link after the last voicemail. The engine is not needed here."""

import re
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.conversations.call_streams import CallStreamTokens
from bot.models.conversation import Message
from bot.models.handoff import Ticket, TicketKind
from bot.models.survey import Survey, SurveyCall, SurveyState
from contracts.survey_result import SurveyOutcome
from db.sessions import unit_of_work
from testing.shop_rows import delivered_order
from tests.bot.conftest import API_KEY, TWILIO_TOKEN

PUBLIC = "http://testserver"
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=ZoneInfo("Europe/Warsaw"))  # Tuesday, inside calling hours
AUTH = {"Authorization": f"Bearer {API_KEY}"}
REVIEW_LINK = "https://reviews.example.com/koliber"


@pytest.fixture
def surveys(make_gateway, database_url, tmp_path):
    config = tmp_path / "surveys.yml"
    config.write_text(yaml.safe_dump({"max_attempts": 2, "retry_after_minutes": [0], "caller_id": "+48221002030",
                                      "review_link": REVIEW_LINK}))
    gateway = make_gateway(database_url, clock=lambda: NOW, KOLIBER_PUBLIC_URL=PUBLIC,
                           KOLIBER_SURVEYS_CONFIG=str(config))
    with unit_of_work(gateway.sessions) as session:
        gateway.order_number = delivered_order(session, datetime(2026, 11, 20, 12, tzinfo=NOW.tzinfo),
                                               phone="+48600100200").number
    return gateway


def twilio_post(gateway, url: str, params: dict[str, str], signature: str | None = None):
    """What Twilio sends to a URL we gave it, signed with the auth token."""
    if signature is None:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    return gateway.client.post(url.removeprefix(PUBLIC), data=params, headers={"X-Twilio-Signature": signature})


def run_round(gateway) -> list[str]:
    response = gateway.client.post("/api/v1/surveys/round", headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["placed_calls"]


def the_survey(gateway) -> Survey:
    with gateway.sessions() as session:
        return session.scalar(select(Survey))


def test_a_due_order_gets_one_call_with_machine_detection_and_a_status_callback(surveys):
    placed = run_round(surveys)
    [call] = surveys.twilio.placed_calls
    assert placed == [call.sid]
    assert (call.to, call.from_, call.machine_detection) == ("+48600100200", "+48221002030", "Enable")
    assert call.url.startswith(f"{PUBLIC}/twilio/survey/answer?call=")
    assert call.status_callback.startswith(f"{PUBLIC}/twilio/survey/status?call=")
    assert set(call.status_callback_events) == {"initiated", "ringing", "answered", "completed"}
    assert run_round(surveys) == []  # the survey is mid-call: nobody is called twice
    assert the_survey(surveys).state == SurveyState.CALLING


def test_a_person_gets_the_survey_stream_and_a_machine_a_hang_up(surveys):
    run_round(surveys)
    [call] = surveys.twilio.placed_calls
    machine = twilio_post(surveys, call.url, {"CallSid": call.sid, "AnsweredBy": "machine_start", "To": call.to})
    assert machine.status_code == 200
    assert ElementTree.fromstring(machine.text)[0].tag == "Hangup"
    person = twilio_post(surveys, call.url, {"CallSid": call.sid, "AnsweredBy": "human", "To": call.to})
    twiml = ElementTree.fromstring(person.text)
    stream = twiml.find("./Connect/Stream")
    assert stream.get("url") == "ws://testserver/twilio/media"
    parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert list(parameters) == ["token"]  # the call's details stay on our side, bound to the token
    binding = CallStreamTokens(surveys.sessions, lambda: NOW).redeem(parameters["token"], call.sid)
    assert binding.parameters() == {"language": "pl", "caller": "+48600100200",
                                    "survey_call": urlsplit(call.url).query.split("=")[1]}
    unknown = twilio_post(surveys, f"{PUBLIC}/twilio/survey/answer?call=999", {"CallSid": "CAx", "AnsweredBy": "human"})
    assert unknown.status_code == 404


def test_status_callbacks_must_be_signed_and_count_once(surveys):
    run_round(surveys)
    [call] = surveys.twilio.placed_calls
    busy = {"CallSid": call.sid, "CallStatus": "busy"}
    assert twilio_post(surveys, call.status_callback, busy, signature="forged").status_code == 403
    assert surveys.client.post("/twilio/survey/status", json=busy).status_code == 415
    assert twilio_post(surveys, call.status_callback, {"CallSid": call.sid}).status_code == 400
    assert the_survey(surveys).attempts == 1 and the_survey(surveys).state == SurveyState.CALLING
    for _ in range(3):  # Twilio retries a callback it thinks failed
        assert twilio_post(surveys, call.status_callback, busy).status_code == 200
    survey = the_survey(surveys)
    assert (survey.state, survey.attempts) == (SurveyState.SCHEDULED, 1)
    run_round(surveys)  # the retry (no back-off in this configuration)
    assert len(surveys.twilio.placed_calls) == 2


def test_voicemail_on_every_attempt_ends_with_an_sms_link_to_the_survey_page(surveys):
    for attempt in (1, 2):
        run_round(surveys)
        call = surveys.twilio.placed_calls[-1]
        twilio_post(surveys, call.url, {"CallSid": call.sid, "AnsweredBy": "machine_end_beep", "To": call.to})
        twilio_post(surveys, call.status_callback, {"CallSid": call.sid, "CallStatus": "completed",
                                                    "AnsweredBy": "machine_end_beep", "CallDuration": "14"})
    survey = the_survey(surveys)
    assert (survey.state, survey.outcome, survey.attempts) == (SurveyState.FINISHED, SurveyOutcome.VOICEMAIL, 2)
    [sms] = surveys.twilio.wait_for_messages("+48600100200", 1)
    assert surveys.order_number in sms
    link = re.search(r"http://testserver(/survey/\S+)", sms).group(1)
    page = surveys.client.get(link)
    assert page.status_code == 200 and 'name="score"' in page.text
    assert surveys.client.post(link, data={"score": "11"}).status_code == 422
    thanks = surveys.client.post(link, data={"score": "4", "reason": "Paczka przyszła zgnieciona", "callback": "yes"})
    assert 'data-state="thanks"' in thanks.text
    survey = the_survey(surveys)
    assert (survey.score, survey.reason, survey.answered_via) == (4, "Paczka przyszła zgnieciona", "web")
    with surveys.sessions() as session:
        ticket = session.get(Ticket, survey.ticket_id)
        assert (ticket.priority, ticket.kind, ticket.order_number) == ("high", TicketKind.CALLBACK, surveys.order_number)
    assert 'data-state="answered"' in surveys.client.post(link, data={"score": "9"}).text
    assert the_survey(surveys).score == 4
    assert surveys.client.get("/survey/not-a-real-token").status_code == 404


def test_after_the_call_only_a_promoter_is_asked_for_a_public_review_by_sms(surveys):
    passive, promoter = "+48600100200", "+48600100300"
    with unit_of_work(surveys.sessions) as session:
        delivered_order(session, datetime(2026, 11, 20, 12, tzinfo=NOW.tzinfo), phone=promoter)
    run_round(surveys)
    for phone, score in ((passive, 7), (promoter, 10)):
        [call] = [c for c in surveys.twilio.placed_calls if c.to == phone]
        twilio_post(surveys, call.url, {"CallSid": call.sid, "AnsweredBy": "human", "To": call.to})
        with unit_of_work(surveys.sessions) as session:  # what the survey dialogue stores during the call
            survey = session.scalar(select(Survey).where(Survey.phone == phone))
            survey.state, survey.outcome, survey.score, survey.answered_via = \
                SurveyState.FINISHED, SurveyOutcome.COMPLETED, score, "phone"
        done = {"CallSid": call.sid, "CallStatus": "completed", "AnsweredBy": "human", "CallDuration": "70"}
        twilio_post(surveys, call.status_callback, done)
        twilio_post(surveys, call.status_callback, done)  # Twilio retrying a callback sends nothing twice
    [sms] = surveys.twilio.wait_for_messages(promoter, 1)
    assert REVIEW_LINK in sms and sms.startswith("Dziękujemy")
    assert surveys.twilio.messages_to(passive) == []
    with surveys.sessions() as session:  # the SMS is in the customer's transcript too
        assert session.scalar(select(Message.text).where(Message.text == sms)) is not None


def test_a_call_twilio_refuses_counts_as_a_failed_attempt(surveys):
    surveys.twilio.refuse_calls = True
    assert run_round(surveys) == []
    with surveys.sessions() as session:
        [attempt] = session.scalars(select(SurveyCall)).all()
        assert attempt.status == "failed" and attempt.call_sid is None
    survey = the_survey(surveys)
    assert (survey.state, survey.attempts) == (SurveyState.SCHEDULED, 1)
