"""Phone calls through Twilio: the Voice webhook answers with TwiML that connects the call's
audio to our Media Streams WebSocket, where a VoiceCall holds the conversation.

Point the number's "a call comes in" webhook at POST /twilio/voice. The webhook and the
WebSocket handshake are both signature-checked, and a stream is accepted only with the single-use
token of its call (bot/conversations/call_streams.py). A handoff transfers the live call (REST update
with new TwiML) to the agents' number, with a spoken summary for the agent, or to a Twilio queue.
"""

import asyncio
import contextlib
import logging

from fastapi import APIRouter, HTTPException, Query, Request, WebSocket, WebSocketDisconnect, status
from fastapi.responses import Response
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from bot.api.deps import GatewayDep
from bot.channels.twilio_signature import public_url, verified_form, websocket_is_signed
from bot.conversations.call_streams import CallStreamTokens
from bot.conversations.calls import GatewayCallHandler
from bot.gateway import Gateway
from bot.handoff.models import Ticket
from voice.call import CallSettings, VoiceCall

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])
XML = "application/xml"
SAY_LANGUAGE = {"pl": "pl-PL", "en": "en-GB"}


@router.post("/voice", response_class=Response, responses={200: {"content": {XML: {}}}, 400: {}, 403: {}, 415: {}})
async def incoming_call(request: Request, gateway: GatewayDep) -> Response:
    """TwiML: stream the call to /twilio/media with a single-use token for this call; hang up after."""
    form = await verified_form(request, gateway.settings)
    if not form.get("CallSid"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "CallSid is required")
    language = gateway.settings.language_of_number(form.get("To", ""))
    token = await asyncio.to_thread(CallStreamTokens(gateway.sessions, gateway.clock).issue,
                                    form["CallSid"], form.get("From"), language)
    response = VoiceResponse()
    response.append(stream_twiml(request, gateway, token))
    response.hangup()  # reached when our WebSocket closes; a transfer replaces the TwiML first
    return Response(str(response), media_type=XML)


def stream_twiml(request: Request, gateway: Gateway, token: str) -> Connect:
    """<Connect><Stream> to our Media Streams socket, carrying the call's stream token."""
    connect = Connect()
    stream = connect.stream(url=public_url(request.url, gateway.settings, "/twilio/media", websocket=True))
    stream.parameter(name="token", value=token)
    return connect


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

    handler = GatewayCallHandler(gateway.core, gateway.delivery, CallStreamTokens(gateway.sessions, gateway.clock),
                                 transfer, gateway.surveys)
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
    if reason == "refused":
        with contextlib.suppress(RuntimeError):
            await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no valid stream token")
    elif reason == "goodbye":
        try:
            await socket.close()
        except RuntimeError:
            pass  # the caller's side closed first
