"""SMS and WhatsApp through Twilio Messaging webhooks.

Point both numbers' "a message comes in" webhook at POST /twilio/messaging. Each request's
X-Twilio-Signature is checked with the twilio SDK's RequestValidator (403 otherwise); the
message is stored before Twilio gets its 200, and a retried webhook (same MessageSid) is
recognised and not stored or answered twice. Replies go out through the REST API.
"""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.api.deps import GatewayDep, clean_text
from bot.conversations.core import InboundMessage
from bot.conversations.models import Channel
from bot.settings import Settings

router = APIRouter(prefix="/twilio", tags=["twilio"])
FORM = "application/x-www-form-urlencoded"
MEDIA_ONLY = "[media]"


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio called, as Twilio saw it (behind a proxy: the configured public URL)."""
    if settings.public_base_url:
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{settings.public_base_url.rstrip('/')}{request.url.path}{query}"
    return str(request.url)


async def verified_form(request: Request, settings: Settings) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"Twilio webhooks are {FORM}")
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.twilio_auth_token).validate(signed_url(request, settings), form, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid X-Twilio-Signature")
    return form


@router.post("/messaging", response_class=Response,
             responses={200: {"content": {"application/xml": {}}}, 400: {}, 403: {}, 415: {}})
async def incoming_message(request: Request, gateway: GatewayDep) -> Response:
    form = await verified_form(request, gateway.settings)
    sender, sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsMessageSid", "")
    if not sender or not sid:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "From and MessageSid are required")
    body = form.get("Body", "")
    try:
        text = clean_text(body, gateway.settings.max_message_chars)
    except ValueError:
        # A picture with no words, or an over-long text: kept (trimmed), and answered like any message.
        text = body.strip()[: gateway.settings.max_message_chars] or MEDIA_ONLY
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    receipt = await gateway.core.accept(InboundMessage(channel=channel, text=text, address=sender, external_id=sid))
    if not receipt.duplicate:
        gateway.run_in_background(gateway.core.process(receipt.message_id))
    # Replies go out through the REST API once the assistant has answered; Twilio waits for nobody.
    return Response(str(MessagingResponse()), media_type="application/xml")
