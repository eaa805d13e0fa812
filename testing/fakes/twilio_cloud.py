"""A local stand-in for Twilio's REST API (the cloud is unreachable from tests).

It speaks Twilio's wire format: form-encoded requests with HTTP Basic auth (account SID and
auth token) to /2010-04-01/Accounts/{sid}/Messages.json and .../Calls/{CallSid}.json, answered
with Twilio's JSON resources or its error JSON. It records what was sent and how calls were
redirected, so tests can read the "phone", and can refuse the next messages as Twilio would
(an outage, an unsubscribed recipient).
"""

import asyncio
import base64
import secrets
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from testing.served import ServedApp
from testing.waiting import wait_until


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str


@dataclass(frozen=True)
class Refusal:
    """How Twilio answers a message it does not take: an HTTP status and its own error code."""

    status: int
    code: int
    message: str


@dataclass
class PlacedCall:
    """An outbound call asked for with POST .../Calls.json."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    status_callback_events: list[str]
    machine_detection: str | None


@dataclass
class FakeTwilioCloud:
    account_sid: str
    auth_token: str
    sent: list[SentMessage] = field(default_factory=list)
    call_updates: list[tuple[str, str]] = field(default_factory=list)  # (CallSid, TwiML)
    hung_up: list[str] = field(default_factory=list)  # CallSids ended with Status=completed
    placed_calls: list[PlacedCall] = field(default_factory=list)
    refuse_calls: bool = False  # answer calls.create with Twilio's error for an invalid number
    base_url: str = ""
    refused: list[tuple[SentMessage, Refusal]] = field(default_factory=list)  # messages answered with an error
    latency: float = 0.0  # seconds Twilio takes to answer a message
    refusals_ahead: deque[Refusal] = field(default_factory=deque)

    def fail_next(self, count: int, status: int, code: int, message: str) -> None:
        """Answers the next `count` messages with Twilio's error JSON instead of sending them."""
        self.refusals_ahead.extend([Refusal(status, code, message)] * count)

    def messages_to(self, number: str) -> list[str]:
        return [m.body for m in self.sent if m.to == number]

    def wait_for_messages(self, number: str, count: int, timeout: float = 30) -> list[str]:
        """The messages sent to `number`, as soon as there are at least `count` of them."""
        def enough() -> list[str] | None:
            bodies = self.messages_to(number)
            return bodies if len(bodies) >= count else None

        try:
            return wait_until(enough, timeout, f"{count} messages to {number}")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; got {self.messages_to(number)}") from None


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                         "status": status}, status_code=status)


def build_app(cloud: FakeTwilioCloud) -> FastAPI:
    app = FastAPI()
    expected_auth = "Basic " + base64.b64encode(f"{cloud.account_sid}:{cloud.auth_token}".encode()).decode()

    @app.post("/2010-04-01/Accounts/{account_sid}/Messages.json")
    async def create_message(account_sid: str, request: Request):
        if request.headers.get("authorization") != expected_auth or account_sid != cloud.account_sid:
            return _error(401, 20003, "Authenticate")
        form = await request.form()
        to, sender, body = form.get("To"), form.get("From"), form.get("Body")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        await asyncio.sleep(cloud.latency)
        sid = "SM" + secrets.token_hex(16)
        if cloud.refusals_ahead:
            refusal = cloud.refusals_ahead.popleft()
            cloud.refused.append((SentMessage(sid, str(to), str(sender), str(body)), refusal))
            return _error(refusal.status, refusal.code, refusal.message)
        cloud.sent.append(SentMessage(sid, str(to), str(sender), str(body)))
        now = formatdate(usegmt=True)
        uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"
        return JSONResponse(status_code=201, content={
            "account_sid": account_sid, "api_version": "2010-04-01", "body": body, "date_created": now,
            "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": sender, "messaging_service_sid": None, "num_media": "0",
            "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")}, "to": to, "uri": uri,
        })

    @app.post("/2010-04-01/Accounts/{account_sid}/Calls.json")
    async def create_call(account_sid: str, request: Request):
        """Placing an outbound call: Twilio answers 201 with the queued call."""
        if request.headers.get("authorization") != expected_auth or account_sid != cloud.account_sid:
            return _error(401, 20003, "Authenticate")
        form = await request.form()
        to, sender, url = form.get("To"), form.get("From"), form.get("Url")
        if not to or not sender or not (url or form.get("Twiml")):
            return _error(400, 21205, "Url parameter is required.")
        if cloud.refuse_calls:
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to}")
        sid = "CA" + secrets.token_hex(16)
        cloud.placed_calls.append(PlacedCall(sid, str(to), str(sender), str(url), str(form.get("StatusCallback") or ""),
                                             [str(e) for e in form.getlist("StatusCallbackEvent")],
                                             form.get("MachineDetection")))
        now = formatdate(usegmt=True)
        return JSONResponse(status_code=201, content={
            "sid": sid, "account_sid": account_sid, "api_version": "2010-04-01", "status": "queued",
            "direction": "outbound-api", "from": sender, "to": to, "date_created": now, "date_updated": now,
            "start_time": None, "end_time": None, "duration": None, "price": None, "answered_by": None,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Calls/{sid}.json",
        })

    @app.post("/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json")
    async def update_call(account_sid: str, call_sid: str, request: Request):
        """Redirecting a live call with new TwiML (a transfer)."""
        if request.headers.get("authorization") != expected_auth or account_sid != cloud.account_sid:
            return _error(401, 20003, "Authenticate")
        form = await request.form()
        twiml = str(form.get("Twiml") or "")
        ended = form.get("Status") == "completed"
        if ended:
            cloud.hung_up.append(call_sid)
        else:
            cloud.call_updates.append((call_sid, twiml))
        now = formatdate(usegmt=True)
        return JSONResponse({
            "sid": call_sid, "account_sid": account_sid, "api_version": "2010-04-01",
            "status": "completed" if ended else "in-progress",
            "direction": "inbound", "from": "+48600000000", "to": "+48221002030", "date_created": now,
            "date_updated": now, "start_time": now, "end_time": None, "duration": None, "price": None,
            "uri": f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json",
        })

    return app


class RunningFake(ServedApp):
    """Serves the fake on a free port in a background thread."""

    def __init__(self, cloud: FakeTwilioCloud) -> None:
        super().__init__(build_app(cloud))
        cloud.base_url = self.base_url
