"""A local stand-in for Meta's Graph API as the Messenger Send API uses it (the cloud is unreachable from tests).

It speaks Meta's wire format: POST /{version}/me/messages with the Page token (and, when given, the
app secret's `appsecret_proof`) in the query and a JSON body, answered with {"recipient_id",
"message_id"} or Meta's error JSON. It refuses what Meta refuses (a wrong token, a text over 2000
characters, more than 13 quick replies, a title over 20 characters), records what was sent so tests
can read the customer's Messenger, and can refuse the next messages as Meta would (an outage, a
customer outside the 24-hour window) or answer slowly.
"""

import asyncio
import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from testing.served import ServedApp
from testing.waiting import wait_until

MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")


@dataclass
class SentMessage:
    message_id: str
    recipient: str
    text: str
    quick_replies: list[dict[str, str]]
    messaging_type: str


@dataclass(frozen=True)
class Refusal:
    """How Meta answers a message it does not take: an HTTP status and its own error code."""

    status: int
    code: int
    message: str
    subcode: int | None = None


@dataclass
class FakeGraphApi:
    page_token: str
    app_secret: str
    sent: list[SentMessage] = field(default_factory=list)
    refused: list[tuple[dict[str, Any], Refusal]] = field(default_factory=list)  # bodies answered with an error
    refusals_ahead: deque[Refusal] = field(default_factory=deque)
    latency: float = 0.0  # seconds Meta takes to answer a message
    base_url: str = ""

    def fail_next(self, count: int, status: int, code: int, message: str, subcode: int | None = None) -> None:
        """Answers the next `count` messages with Meta's error JSON instead of sending them."""
        self.refusals_ahead.extend([Refusal(status, code, message, subcode)] * count)

    def messages_to(self, psid: str) -> list[SentMessage]:
        return [m for m in self.sent if m.recipient == psid]

    def wait_for_messages(self, psid: str, count: int, timeout: float = 30) -> list[SentMessage]:
        """The messages sent to `psid`, as soon as there are at least `count` of them."""
        def enough() -> list[SentMessage] | None:
            messages = self.messages_to(psid)
            return messages if len(messages) >= count else None

        try:
            return wait_until(enough, timeout, f"{count} messages to {psid}")
        except AssertionError as timed_out:
            raise AssertionError(f"{timed_out}; got {[m.text for m in self.messages_to(psid)]}") from None


def _error(status: int, code: int, message: str, subcode: int | None = None,
           error_type: str = "OAuthException") -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code,
                             "fbtrace_id": secrets.token_urlsafe(20)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return JSONResponse({"error": error}, status_code=status)


def _invalid_parameter(message: str) -> JSONResponse:
    return _error(400, 100, f"(#100) {message}")


def _message_problem(body: Any) -> str | None:
    """What Meta's validation says about a Send API body, or None when it would take it."""
    if not isinstance(body, dict):
        return "param must be a JSON object"
    recipient, message = body.get("recipient"), body.get("message")
    if not isinstance(recipient, dict) or not recipient.get("id"):
        return "The parameter recipient is required"
    if body.get("messaging_type") not in MESSAGING_TYPES:
        return "param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"
    if not isinstance(message, dict) or not isinstance(message.get("text"), str) or not message["text"]:
        return "The parameter message[text] is required"
    if len(message["text"]) > 2000:
        return "Length of param message[text] must be less than or equal to 2000"
    quick_replies = message.get("quick_replies", [])
    if not isinstance(quick_replies, list) or len(quick_replies) > 13:
        return "param message[quick_replies] must be an array with at most 13 elements"
    for reply in quick_replies:
        if not isinstance(reply, dict) or reply.get("content_type") != "text":
            return "param message[quick_replies][content_type] must be one of {text, user_phone_number, user_email}"
        if not reply.get("title") or len(reply["title"]) > 20:
            return "param title must be non-empty and at most 20 characters"
        if not reply.get("payload") or len(reply["payload"]) > 1000:
            return "param payload must be non-empty and at most 1000 characters"
    return None


def build_app(graph: FakeGraphApi) -> FastAPI:
    app = FastAPI()
    expected_proof = hmac.new(graph.app_secret.encode(), graph.page_token.encode(), hashlib.sha256).hexdigest()

    @app.post("/{version}/me/messages")
    async def send_message(version: str, request: Request):
        token = request.query_params.get("access_token", "")
        if token != graph.page_token:
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        proof = request.query_params.get("appsecret_proof")
        if proof is not None and proof != expected_proof:
            return _error(400, 100, "Invalid appsecret_proof provided in the API argument")
        try:
            body = await request.json()
        except ValueError:
            return _invalid_parameter("param must be a JSON object")
        if problem := _message_problem(body):
            return _invalid_parameter(problem)
        await asyncio.sleep(graph.latency)
        if graph.refusals_ahead:
            refusal = graph.refusals_ahead.popleft()
            graph.refused.append((body, refusal))
            return _error(refusal.status, refusal.code, refusal.message, refusal.subcode)
        # Meta's ids are long: "m_" and about ninety URL-safe characters.
        sent = SentMessage("m_" + secrets.token_urlsafe(68), body["recipient"]["id"], body["message"]["text"],
                           body["message"].get("quick_replies", []), body["messaging_type"])
        graph.sent.append(sent)
        return {"recipient_id": sent.recipient, "message_id": sent.message_id}

    return app


class RunningFake(ServedApp):
    """Serves the fake on a free port in a background thread."""

    def __init__(self, graph: FakeGraphApi) -> None:
        super().__init__(build_app(graph))
        graph.base_url = self.base_url
