"""Survey calls the shop places through Twilio: the TwiML Twilio fetches when the customer's
phone is answered, and the call's status callbacks. Both are signature-checked; a status
callback Twilio retries is applied once.

A person who answers is connected to the same Media Streams WebSocket as incoming calls, with
the survey's attempt as a stream parameter; an answering machine gets no survey and a retry.
"""

import asyncio

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from twilio.twiml.voice_response import VoiceResponse

from bot.channels.twilio_signature import verified_form
from bot.channels.twilio_voice import stream_twiml
from bot.conversations.call_streams import CallStreamTokens
from bot.deps import BackgroundDep, ClockDep, SessionsDep, SettingsDep, SurveysDep

router = APIRouter(prefix="/twilio/survey", tags=["twilio"])
XML = "application/xml"


@router.post("/answer", response_class=Response, responses={200: {"content": {XML: {}}}, 403: {}, 404: {}, 415: {}})
async def survey_call_answered(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                               surveys: SurveysDep, call: int = Query(...)) -> Response:
    """TwiML for an answered survey call: the survey for a person, a polite hang-up for a machine."""
    form = await verified_form(request, settings)
    answered = await asyncio.to_thread(surveys.planner.call_answered, call, form.get("CallSid", ""),
                                       form.get("AnsweredBy"))
    if answered is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such survey call")
    person, language = answered
    response = VoiceResponse()
    if person:
        token = await asyncio.to_thread(CallStreamTokens(sessions, clock).issue,
                                        form.get("CallSid", ""), form.get("To"), language, call)
        response.append(stream_twiml(request, settings, token))
    response.hangup()
    return Response(str(response), media_type=XML)


@router.post("/status", response_class=Response, responses={200: {"content": {XML: {}}}, 400: {}, 403: {}, 415: {}})
async def survey_call_status(request: Request, settings: SettingsDep, clock: ClockDep, surveys: SurveysDep,
                             background: BackgroundDep) -> Response:
    """Ringing, answered, completed, busy, no-answer, failed: moves the survey on (retry, voicemail, SMS link)."""
    form = await verified_form(request, settings)
    if not form.get("CallSid") or not form.get("CallStatus"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "CallSid and CallStatus are required")
    duration = form.get("CallDuration", "")
    update = await asyncio.to_thread(
        surveys.planner.apply_status, form.get("CallSid", ""), form.get("CallStatus", ""),
        form.get("AnsweredBy"), int(duration) if duration.isdigit() else None, clock())
    if update.send_link_to is not None:
        background.run(surveys.links.send(update.send_link_to))
    if update.ask_review_from is not None:
        background.run(surveys.links.ask_for_review(update.ask_review_from, surveys.config.review_link))
    return Response(str(VoiceResponse()), media_type=XML)
