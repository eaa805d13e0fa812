"""SMS and WhatsApp through Twilio: the Messaging webhook in, the REST API out.

Point both numbers' "a message comes in" webhook at POST /twilio/messaging. Each request's
X-Twilio-Signature is checked with the twilio SDK's RequestValidator (403 otherwise); the
message is stored before Twilio gets its 200, and a retried webhook (same MessageSid) is
recognised and not stored or answered twice. Replies go out through Twilio's REST API, carried
by the outbox until Twilio takes them.
"""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.twilio_signature import verified_form
from bot.conversations.core import InboundMessage
from bot.conversations.output import OutputChannel, Recipient, SendFailed
from bot.conversations.texts import GatewayTexts
from bot.deps import BackgroundDep, CoreDep, SettingsDep
from bot.models.conversation import Channel
from text.cleaning import UnusableText, clean_text

router = APIRouter(prefix="/twilio", tags=["twilio"])
MEDIA_ONLY = "[media]"


@router.post("/messaging", response_class=Response,
             responses={200: {"content": {"application/xml": {}}}, 400: {}, 403: {}, 415: {}})
async def incoming_message(request: Request, settings: SettingsDep, core: CoreDep,
                           background: BackgroundDep) -> Response:
    form = await verified_form(request, settings)
    sender, sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsMessageSid", "")
    if not sender or not sid:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "From and MessageSid are required")
    text = _storable(form.get("Body", ""), settings.max_message_chars)
    channel = Channel.WHATSAPP if sender.startswith("whatsapp:") else Channel.SMS
    client = f"phone:{sender.removeprefix('whatsapp:')}"
    receipt = await core.accept(InboundMessage(channel=channel, text=text, address=sender, external_id=sid,
                                               client=client))
    background.run(core.process(receipt, client))  # a copy already answered is not answered again
    # Replies go out through the REST API once the assistant has answered; Twilio waits for nobody.
    return Response(str(MessagingResponse()), media_type="application/xml")


def _storable(body: str, max_chars: int) -> str:
    """An SMS cannot be refused: an over-long text is cut, a picture with no words is kept as [media]."""
    try:
        return clean_text(body[:max_chars], max_chars)
    except UnusableText:
        return MEDIA_ONLY


class TwilioMessagingOutput(OutputChannel):
    """Sends SMS or WhatsApp messages from the shop's number through Twilio's Messages API."""

    through_outbox = True

    def __init__(self, channel: Channel, twilio: Client, from_number: str, texts: GatewayTexts) -> None:
        super().__init__(texts)
        self.channel = channel
        self._twilio = twilio
        self._from = from_number

    async def send_text(self, recipient: Recipient, text: str) -> str:
        try:
            message = await self._twilio.messages.create_async(to=recipient.address, from_=self._from, body=text)
        except TwilioRestException as error:
            raise SendFailed.from_http(error.status, error.msg.removeprefix("Unable to create record: "),
                                       error.code) from error
        return message.sid
