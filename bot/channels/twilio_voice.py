"""Phone calls through Twilio: the Voice webhook answers with TwiML that connects the call's
audio to our Media Streams WebSocket, where a VoiceCall holds the conversation.

Point the number's "a call comes in" webhook at POST /twilio/voice. The webhook and the
WebSocket handshake are both signature-checked. A handoff transfers the live call (REST update
with new TwiML) to the agents' number, with a spoken summary for the agent, or to a Twilio queue.
"""

import asyncio
import logging

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import Response
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from bot.api.deps import GatewayDep
from bot.channels.twilio_signature import public_url, verified_form, websocket_is_signed
from bot.conversations.calls import GatewayCallHandler
from bot.gateway import Gateway
from bot.handoff.models import Ticket
from voice.call import CallSettings, VoiceCall

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])
XML = "application/xml"
SAY_LANGUAGE = {"pl": "pl-PL", "en": "en-GB"}


@router.post("/voice", response_class=Response, responses={200: {"content": {XML: {}}}, 403: {}, 415: {}})
async def incoming_call(request: Request, gateway: GatewayDep) -> Response:
    """TwiML: stream the call to /twilio/media with its language and caller; hang up after."""
    form = await verified_form(request, gateway.settings)
    language = gateway.settings.language_of_number(form.get("To", ""))
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=public_url(request.url, gateway.settings, "/twilio/media", websocket=True))
    stream.parameter(name="language", value=language)
    stream.parameter(name="caller", value=form.get("From", ""))
    response.append(connect)
    response.hangup()  # reached when our WebSocket closes; a transfer replaces the TwiML first
    return Response(str(response), media_type=XML)


@router.post("/voice/whisper", response_class=Response, include_in_schema=False)
async def agent_whisper(request: Request, gateway: GatewayDep, ticket: int = Query(...)) -> Response:
    """Spoken to the agent who picks up a transferred call, before the caller is connected."""
    await verified_form(request, gateway.settings)

    def summary() -> tuple[str, str]:
        with gateway.sessions() as session:
            found = session.get(Ticket, ticket)
            if found is None:
                return "", "pl"
            text = gateway.texts.say("call_agent_summary", found.language, reason=found.reason,
                                     order=found.order_number or "-", summary=found.summary or "-")
            return text, found.language
    text, language = await asyncio.to_thread(summary)
    response = VoiceResponse()
    if text:
        response.say(text, language=SAY_LANGUAGE.get(language, "pl-PL"))
    return Response(str(response), media_type=XML)


@router.websocket("/media")
async def media_stream(socket: WebSocket) -> None:
    gateway: Gateway = socket.app.state.gateway
    if not websocket_is_signed(socket, gateway.settings):
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid X-Twilio-Signature")
        return
    await socket.accept()
    engines = await gateway.speech_engines()

    async def transfer(call_sid: str, ticket_id: int, language: str) -> None:
        response = VoiceResponse()
        if gateway.settings.agents_phone_number:
            dial = Dial()
            dial.number(gateway.settings.agents_phone_number,
                        url=public_url(socket.url, gateway.settings, f"/twilio/voice/whisper?ticket={ticket_id}"))
            response.append(dial)
        else:
            response.enqueue(gateway.settings.agents_call_queue)
        await gateway.twilio.calls(call_sid).update_async(twiml=str(response))

    handler = GatewayCallHandler(gateway.core, gateway.delivery, transfer, gateway.surveys)
    call = VoiceCall(handler, engines.recognizer, engines.synthesizer, gateway.settings.default_language,
                     CallSettings(silence_reprompt_seconds=gateway.settings.call_silence_seconds,
                                  max_reprompts=gateway.settings.call_max_reprompts))

    async def receive() -> str | None:
        try:
            return await socket.receive_text()
        except WebSocketDisconnect:
            return None

    reason = await call.run(receive, socket.send_text)
    gateway.recent_call_timings.append(call.timings)
    log.info("call %s ended: %s (%d bad messages)", handler.conversation_id, reason, call.protocol_errors)
    if reason == "goodbye":
        try:
            await socket.close()
        except RuntimeError:
            pass  # the caller's side closed first
