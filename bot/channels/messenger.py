"""Facebook Messenger and Instagram messages through Meta's Messenger Platform: the webhook in, the
Send API out.

Subscribe the shop's Page (and the Instagram account linked to it) to POST /messenger/webhook.
Meta checks the URL once with a GET carrying the verify token; every POST after that carries
X-Hub-Signature-256, an HMAC-SHA256 of the raw body with the app secret, checked before the body
is even parsed (403 otherwise). Each customer message is stored before Meta gets its 200, and a
retried webhook (same mid) is recognised and not stored or answered twice. Replies go out through
the Send API, carried by the outbox until Meta takes them; the bot's buttons become quick replies.
Until the Page token, the app secret and the verify token are all set, the channel is off and its
webhook answers 404.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse

from bot.conversations.core import InboundMessage
from bot.conversations.output import MessageView, OutputChannel, Recipient, SendFailed, plain_text
from bot.conversations.texts import GatewayTexts
from bot.deps import BackgroundDep, CoreDep, SettingsDep, raw_body
from bot.models.conversation import Channel, Message
from bot.models.outbox import OutboxMessage
from bot.settings import Settings
from text.cleaning import UnusableText, clean_text

router = APIRouter(prefix="/messenger", tags=["messenger"])
MEDIA_ONLY = "[media]"
SIGNATURE_PREFIX = "sha256="
# Meta batches events into one POST; even a thousand of them stays well below this. A larger
# unsigned body is refused before it is read whole.
MAX_WEBHOOK_BYTES = 1024 * 1024
# The Send API's own limits.
MAX_TEXT_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
# Graph error codes that sending again can cure although Meta answers them with a 4xx: its own
# hiccups (1, 2), rate limits (4, 17, 32, 613) and an expired Page token (190), once the shop renews it.
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 613, 190})
# What the database keeps of a provider's id; Meta's ids can be longer.
EXTERNAL_ID_CHARS = Message.__table__.c.external_id.type.length
PROVIDER_ID_CHARS = OutboxMessage.__table__.c.provider_id.type.length


@dataclass(frozen=True)
class CustomerMessage:
    """One message or postback from a webhook, as the conversation core takes it."""

    sender: str  # the page-scoped (or Instagram-scoped) id of the customer
    message_id: str
    text: str
    payload: str | None  # a quick reply's or a postback's payload


def _require_configured(settings: Settings) -> None:
    if not (settings.messenger_page_token and settings.messenger_app_secret and settings.messenger_verify_token):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the Messenger channel is not configured")


@router.get("/webhook", response_class=PlainTextResponse, responses={403: {}, 404: {}})
async def verify_webhook(settings: SettingsDep, mode: Annotated[str, Query(alias="hub.mode")] = "",
                         verify_token: Annotated[str, Query(alias="hub.verify_token")] = "",
                         challenge: Annotated[str, Query(alias="hub.challenge")] = "") -> PlainTextResponse:
    """Meta's subscription handshake: the challenge goes back only to whoever knows the verify token."""
    _require_configured(settings)
    if mode != "subscribe" or not hmac.compare_digest(verify_token.encode(), settings.messenger_verify_token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong hub.mode or hub.verify_token")
    return PlainTextResponse(challenge)


@router.post("/webhook", response_class=PlainTextResponse, responses={400: {}, 403: {}, 404: {}, 413: {}})
async def receive_events(request: Request, settings: SettingsDep, core: CoreDep,
                         background: BackgroundDep) -> PlainTextResponse:
    _require_configured(settings)
    body = await _signed_body(request, settings.messenger_app_secret)
    try:
        update = json.loads(body)
    except ValueError:  # a bad encoding too (UnicodeDecodeError is one)
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not valid JSON") from None
    if not isinstance(update, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a JSON object")
    for message in customer_messages(update, settings.max_message_chars):
        client = f"messenger:{message.sender}"
        receipt = await core.accept(InboundMessage(channel=Channel.MESSENGER, text=message.text, address=message.sender,
                                                   external_id=message.message_id, payload=message.payload,
                                                   client=client))
        background.run(core.process(receipt, client))  # a copy already answered is not answered again
    # Replies go out through the Send API once the assistant has answered; Meta waits for nobody.
    return PlainTextResponse("EVENT_RECEIVED")


async def _signed_body(request: Request, app_secret: str) -> bytes:
    """The raw body, once its X-Hub-Signature-256 proves Meta sent it; 413 when too large, 403 otherwise."""
    body = await raw_body(request, MAX_WEBHOOK_BYTES)
    expected = SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", "").encode(), expected.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or invalid X-Hub-Signature-256")
    return body


def customer_messages(update: dict[str, Any], max_chars: int) -> Iterator[CustomerMessage]:
    """The customer's messages and postbacks in a Page's or an Instagram account's update, in order;
    the Page's own messages (echoes), receipts, reactions and other subscriptions' events are not."""
    if update.get("object") not in ("page", "instagram"):
        return
    for entry in _objects(update.get("entry")):
        for event in _objects(entry.get("messaging")):
            if (message := _customer_message(event, max_chars)) is not None:
                yield message


def _customer_message(event: dict[str, Any], max_chars: int) -> CustomerMessage | None:
    sender = _object(event.get("sender")).get("id")
    if not isinstance(sender, str) or not sender:
        return None
    if message := _object(event.get("message")):
        mid = message.get("mid")
        if message.get("is_echo") or message.get("is_deleted") or not isinstance(mid, str) or not mid:
            return None
        payload = _object(message.get("quick_reply")).get("payload")
        return CustomerMessage(sender, _storable_id(mid), _storable(_string(message.get("text")), max_chars),
                               payload if isinstance(payload, str) else None)
    if postback := _object(event.get("postback")):
        payload = postback.get("payload") if isinstance(postback.get("payload"), str) else None
        mid = postback.get("mid")
        if not isinstance(mid, str) or not mid:
            # Older postbacks carry no id; a retried webhook repeats the same event, timestamp and all.
            mid = "postback:" + hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()
        title = _string(postback.get("title")) or payload or ""
        return CustomerMessage(sender, _storable_id(mid), _storable(title, max_chars), payload)
    return None


def _storable(text: str, max_chars: int) -> str:
    """A message cannot be refused: an over-long text is cut, a picture or sticker without words is kept as [media]."""
    try:
        return clean_text(text[:max_chars], max_chars)
    except UnusableText:
        return MEDIA_ONLY


def _storable_id(mid: str) -> str:
    """Meta's message id, or a digest of it when it is longer than the database keeps (Instagram's can be)."""
    return mid if len(mid) <= EXTERNAL_ID_CHARS else "sha256:" + hashlib.sha256(mid.encode()).hexdigest()


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


class MessengerOutput(OutputChannel):
    """Sends the Page's replies on Messenger (and Instagram) through the Send API, buttons as quick replies."""

    channel = Channel.MESSENGER
    through_outbox = True

    def __init__(self, texts: GatewayTexts, settings: Settings) -> None:
        super().__init__(texts)
        self._url = f"{settings.messenger_graph_url.rstrip('/')}/{settings.messenger_graph_version}/me/messages"
        self._page_token = settings.messenger_page_token
        # Proves the call comes from the app's own server ("Require App Secret" in the app's settings).
        self._proof = hmac.new(settings.messenger_app_secret.encode(), self._page_token.encode(),
                               hashlib.sha256).hexdigest()
        self._timeout = settings.messenger_timeout_seconds

    async def send_text(self, recipient: Recipient, text: str) -> str | None:
        return await self._send(recipient, text, [])

    async def send_message(self, recipient: Recipient, message: MessageView) -> str | None:
        buttons = message.get("buttons") or []
        # More buttons than Messenger shows: the text numbers them all, and a number typed back chooses one.
        text = message["text"] if len(buttons) <= MAX_QUICK_REPLIES else plain_text(message, self.texts)
        return await self._send(recipient, text, buttons[:MAX_QUICK_REPLIES])

    async def _send(self, recipient: Recipient, text: str, buttons: list[dict[str, str]]) -> str | None:
        """Sends the text (in parts, if it is longer than Meta takes) with the quick replies on its last
        part; returns Meta's id of the last part when the database can keep it."""
        parts = text_parts(text)
        quick_replies = [_quick_reply(button) for button in buttons]
        message_id = None
        # One client per reply: replies are few, and nothing is left open when the gateway stops. A
        # part refused after others went out sends those again on the retry, as any provider's outage would.
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            for number, part in enumerate(parts, start=1):
                message: dict[str, Any] = {"text": part}
                if quick_replies and number == len(parts):
                    message["quick_replies"] = quick_replies
                message_id = await self._post(http, {"recipient": {"id": recipient.address},
                                                     "messaging_type": "RESPONSE", "message": message})
        return message_id if message_id and len(message_id) <= PROVIDER_ID_CHARS else None

    async def _post(self, http: httpx.AsyncClient, body: dict[str, Any]) -> str | None:
        try:
            response = await http.post(self._url, params={"access_token": self._page_token,
                                                          "appsecret_proof": self._proof}, json=body)
        except httpx.HTTPError as error:  # a time-out or a broken connection: worth another try
            raise SendFailed(f"no answer from Meta's Send API ({type(error).__name__})") from error
        try:
            answer = response.json()
        except ValueError:  # a proxy's error page
            answer = {}
        if response.is_success:
            return _string(_object(answer).get("message_id")) or None
        error = _object(_object(answer).get("error"))
        reason = _string(error.get("message")) or f"the Send API answered HTTP {response.status_code}"
        if isinstance(error.get("error_subcode"), int):
            reason += f" (subcode {error['error_subcode']})"
        code = error.get("code") if isinstance(error.get("code"), int) else None
        failure = SendFailed.from_http(response.status_code, reason, code)
        if code in RETRYABLE_GRAPH_CODES or error.get("is_transient") is True:
            failure.permanent = False
        raise failure


def text_parts(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Meta refuses a text over its limit: a longer one goes as several, each cut at the last
    paragraph, line or word break in the second half of the limit (mid-word only when there is none)."""
    parts, rest = [], text.strip()
    while len(rest) > limit:
        head = rest[:limit + 1]  # a break right after the limit still leaves a whole part
        cut = next((at for separator in ("\n\n", "\n", " ") if (at := head.rfind(separator)) > limit // 2), limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest]


def _quick_reply(button: dict[str, str]) -> dict[str, str]:
    title = button["title"]
    if len(title) > MAX_QUICK_REPLY_TITLE:
        title = title[:MAX_QUICK_REPLY_TITLE - 1].rstrip() + "…"
    return {"content_type": "text", "title": title, "payload": button["payload"]}
