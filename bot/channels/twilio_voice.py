"""Phone calls through Twilio: the Voice webhook answers with TwiML that connects the call's
audio to our Media Streams WebSocket, where a VoiceCall holds the conversation.

Point the number's "a call comes in" webhook at POST /twilio/voice. The webhook and the
WebSocket handshake are both signature-checked, and a stream is accepted only with the single-use
token of its call (bot/conversations/call_streams.py). The voice channel's output (VoiceOutput)
speaks nothing by itself: a call is request/response, each caller turn answered with its replies.
It transfers a live call to the agents' number (REST update with new TwiML, a spoken summary for
the agent) or to a Twilio queue when a person takes over.
"""

import asyncio
import contextlib
import logging
from collections import deque
from functools import partial
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, WebSocket, status
from fastapi.responses import Response
from twilio.rest import Client
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from bot.channels.speech_engines import SpeechEngines, build_speech_engines
from bot.channels.twilio_signature import public_url, verified_form, websocket_is_signed
from bot.conversations.call_streams import CallStreamTokens
from bot.conversations.calls import GatewayCallHandler
from bot.conversations.output import OutputChannel, Recipient
from bot.conversations.texts import GatewayTexts
from bot.deps import ClockDep, CoreDep, SessionsDep, SettingsDep, SurveysDep, TextsDep, gateway_part
from bot.models.conversation import Channel
from bot.models.handoff import Ticket
from bot.observability import metrics
from bot.settings import Settings
from db.sessions import read
from voice.call import CallSettings, VoiceCall

log = logging.getLogger(__name__)
router = APIRouter(prefix="/twilio", tags=["twilio"])
XML = "application/xml"
SAY_LANGUAGE = {"pl": "pl-PL", "en": "en-GB"}


class VoiceOutput(OutputChannel):
    channel = Channel.VOICE

    def __init__(self, texts: GatewayTexts, twilio: Client, settings: Settings,
                 speech: SpeechEngines | None = None) -> None:
        super().__init__(texts)
        self._twilio = twilio
        self._settings = settings
        self._speech = speech
        self._speech_lock = asyncio.Lock()
        # Per-turn timings of recent calls (endpointing + recognition, dialogue, synthesis).
        self.recent_call_timings: deque = deque(maxlen=200)

    async def send_text(self, recipient: Recipient, text: str) -> None:
        """A call's words are spoken within its turns; once a person has it, they speak themselves."""

    async def speech_engines(self) -> SpeechEngines:
        """The recogniser and synthesizer for calls, built on first use (models load slowly)."""
        async with self._speech_lock:
            if self._speech is None:
                self._speech = await asyncio.to_thread(build_speech_engines, self._settings)
            return self._speech

    async def transfer(self, call_sid: str, ticket_id: int, language: str, base_url: str) -> None:
        """Moves the live call to the agents: their number (with a spoken summary first) or Twilio's queue."""
        response = VoiceResponse()
        if self._settings.agents_phone_number:
            dial = Dial()
            dial.number(self._settings.agents_phone_number, url=f"{base_url}/twilio/voice/whisper?ticket={ticket_id}")
            response.append(dial)
        else:
            response.enqueue(self._settings.agents_call_queue)
        await self._twilio.calls(call_sid).update_async(twiml=str(response))

    async def hang_up(self, call_sid: str) -> None:
        """Ends the call after the bot's goodbye (Pipecat's serializer asks for it)."""
        await self._twilio.calls(call_sid).update_async(status="completed")


VoiceDep = Annotated[VoiceOutput, gateway_part("voice")]


@router.post("/voice", response_class=Response, responses={200: {"content": {XML: {}}}, 400: {}, 403: {}, 415: {}})
async def incoming_call(request: Request, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep) -> Response:
    """TwiML: stream the call to /twilio/media with a single-use token for this call; hang up after."""
    form = await verified_form(request, settings)
    if not form.get("CallSid"):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "CallSid is required")
    language = settings.language_of_number(form.get("To", ""))
    # STIR/SHAKEN: "A" means the caller's own carrier vouches that they may use this number.
    attested = form.get("StirVerstat") == "TN-Validation-Passed-A"
    token = await asyncio.to_thread(CallStreamTokens(sessions, clock).issue, form["CallSid"], form.get("From"),
                                    language, caller_attested=attested)
    response = VoiceResponse()
    response.append(stream_twiml(request, settings, token))
    response.hangup()  # reached when our WebSocket closes; a transfer replaces the TwiML first
    return Response(str(response), media_type=XML)


def stream_twiml(request: Request, settings: Settings, token: str) -> Connect:
    """<Connect><Stream> to our Media Streams socket, carrying the call's stream token."""
    connect = Connect()
    stream = connect.stream(url=public_url(request.url, settings, "/twilio/media", websocket=True))
    stream.parameter(name="token", value=token)
    return connect


@router.post("/voice/whisper", response_class=Response, include_in_schema=False)
async def agent_whisper(request: Request, settings: SettingsDep, sessions: SessionsDep, texts: TextsDep,
                        ticket: int = Query(...)) -> Response:
    """Spoken to the agent who picks up a transferred call, before the caller is connected."""
    await verified_form(request, settings)

    def summary(session) -> tuple[str, str]:
        found = session.get(Ticket, ticket)
        if found is None:
            return "", "pl"
        return texts.say("call_agent_summary", found.language, reason=found.reason, order=found.order_number or "-",
                         summary=found.summary or "-"), found.language
    text, language = await read(sessions, summary)
    response = VoiceResponse()
    if text:
        response.say(text, language=SAY_LANGUAGE.get(language, "pl-PL"))
    return Response(str(response), media_type=XML)


@router.websocket("/media")
@metrics.counted_open(metrics.OPEN_CALLS)
async def media_stream(socket: WebSocket, settings: SettingsDep, sessions: SessionsDep, clock: ClockDep,
                       core: CoreDep, texts: TextsDep, surveys: SurveysDep, voice: VoiceDep) -> None:
    if not websocket_is_signed(socket, settings):
        await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid X-Twilio-Signature")
        return
    await socket.accept()
    engines = await voice.speech_engines()
    transfer = partial(voice.transfer, base_url=public_url(socket.url, settings, ""))
    handler = GatewayCallHandler(core, texts, CallStreamTokens(sessions, clock), transfer, surveys,
                                 settings.order_number_lengths)
    call = VoiceCall(handler, engines.recognizer, engines.synthesizer, settings.default_language,
                     CallSettings(silence_reprompt_seconds=settings.call_silence_seconds,
                                  max_reprompts=settings.call_max_reprompts),
                     hang_up=voice.hang_up)
    reason = await call.run(socket)
    voice.recent_call_timings.append(call.timings)
    log.info("call %s ended: %s (%d bad messages)", handler.conversation_id, reason, call.protocol_errors)
    if reason == "refused":
        with contextlib.suppress(RuntimeError):
            await socket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no valid stream token")
    elif reason == "goodbye":
        with contextlib.suppress(RuntimeError):  # Pipecat's transport or the caller closed it first
            await socket.close()
