"""SMS and WhatsApp through Twilio Messaging webhooks.

Point both numbers' "a message comes in" webhook at POST /twilio/messaging. Each request's
X-Twilio-Signature is checked with the twilio SDK's RequestValidator (403 otherwise); the
message is stored before Twilio gets its 200, and a retried webhook (same MessageSid) is
recognised and not stored or answered twice. Replies go out through the REST API.
"""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

from bot.api.deps import GatewayDep
from bot.channels.twilio_signature import verified_form
from bot.conversations.core import InboundMessage
from bot.conversations.models import Channel
from bot.text.cleaning import UnusableText, clean_text

router = APIRouter(prefix="/twilio", tags=["twilio"])
MEDIA_ONLY = "[media]"


@router.post("/messaging", response_class=Response,
             responses={200: {"content": {"application/xml": {}}}, 400: {}, 403: {}, 415: {}})
async def incoming_message(request: Request, gateway: GatewayDep) -> Response:
    form = await verified_form(request, gateway.settings)
    sender, sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsMessageSid", "")
    if not sender or not sid:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "From and MessageSid are required")
    text = _storable(form.get("Body", ""), gateway.settings.max_message_chars)
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    client = f"phone:{sender.removeprefix('whatsapp:')}"
    receipt = await gateway.core.accept(InboundMessage(channel=channel, text=text, address=sender, external_id=sid,
                                                       client=client))
    if not receipt.duplicate:
        gateway.run_in_background(gateway.core.process(receipt.message_id, client))
    # Replies go out through the REST API once the assistant has answered; Twilio waits for nobody.
    return Response(str(MessagingResponse()), media_type="application/xml")


def _storable(body: str, max_chars: int) -> str:
    """An SMS cannot be refused: an over-long text is cut, a picture with no words is kept as [media]."""
    try:
        return clean_text(body[:max_chars], max_chars)
    except UnusableText:
        return MEDIA_ONLY
