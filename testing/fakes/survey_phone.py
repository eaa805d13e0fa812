"""The customer's side of an outbound survey call that the fake Twilio cloud "placed": Twilio's
signed answer webhook (a person or an answering machine picks up), the Media Streams socket
driven by the call simulator, and the status callback when the line goes quiet."""

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree

import httpx
from twilio.request_validator import RequestValidator

from testing.fakes.twilio_cloud import PlacedCall
from voice.simulator import CallSimulator
from voice.tts.base import SpeechSynthesizer

# What the customer does on the call: (words, language) to say, or keys such as "7#" to press.
Answer = tuple[str, str] | str


@dataclass
class CallTalk:
    ended_by_bot: bool
    intro_ms: float  # how long the bot's first words lasted


class SurveyPhone:
    def __init__(self, auth_token: str, synthesizer: SpeechSynthesizer) -> None:
        self._validator = RequestValidator(auth_token)
        self._synthesizer = synthesizer

    def post_as_twilio(self, url: str, params: dict[str, str]) -> httpx.Response:
        signature = self._validator.compute_signature(url, params)
        response = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
        response.raise_for_status()
        return response

    def pick_up(self, call: PlacedCall, answered_by: str = "human") -> ElementTree.Element:
        """Twilio's answer webhook with its machine-detection verdict; returns the TwiML."""
        reply = self.post_as_twilio(call.url, {"CallSid": call.sid, "AnsweredBy": answered_by, "To": call.to,
                                               "From": call.from_})
        return ElementTree.fromstring(reply.text)

    def talk(self, call: PlacedCall, twiml: ElementTree.Element, answers: Iterable[Answer],
             last_listen_seconds: float = 15) -> CallTalk:
        """Hears the intro, then gives each answer after the bot's previous words, unless it hung up,
        then waits for the bot to hang up. `answers` may be a generator that decides each answer once
        the bot has spoken."""
        stream = twiml.find("./Connect/Stream")
        assert stream is not None, f"no Media Stream in {ElementTree.tostring(twiml)}"
        url = stream.get("url")
        parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, {})}

        async def conversation() -> CallTalk:
            async with CallSimulator(url, synthesizer=self._synthesizer, headers=headers, call_sid=call.sid,
                                     parameters=parameters) as phone:
                intro = await phone.listen()
                for answer in answers:
                    if phone.ended_by_bot:
                        break
                    if isinstance(answer, tuple):
                        await phone.say(*answer)
                    else:
                        await phone.press(answer)
                with contextlib.suppress(TimeoutError):  # CallTalk says whether the bot hung up
                    await phone.wait_until_hung_up(timeout=last_listen_seconds)
                return CallTalk(phone.ended_by_bot, intro.audio_ms)

        return asyncio.run(conversation())

    def hang_up(self, call: PlacedCall, answered_by: str = "human", seconds: int = 40) -> None:
        """Twilio's final status callback for the call."""
        self.post_as_twilio(call.status_callback, {"CallSid": call.sid, "CallStatus": "completed",
                                                   "AnsweredBy": answered_by, "CallDuration": str(seconds)})
