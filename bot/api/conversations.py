"""REST API for other integrations: post a customer's message and get the replies, read a conversation."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.conversations.core import ConversationNotFound, InboundMessage
from bot.conversations.output import OutputChannel, Recipient
from bot.conversations.views import conversation_view, message_view
from bot.deps import PRINTABLE, CoreDep, SessionsDep, require_api_key, require_json
from bot.models.conversation import Channel, Conversation, Message
from db.sessions import read
from text.cleaning import UnusableText

router = APIRouter(prefix="/api/v1", tags=["conversations"], dependencies=[Depends(require_api_key)])


class PostMessage(BaseModel):
    text: str = Field(description="What the customer wrote")
    conversation_id: str | None = Field(None, max_length=64, pattern=PRINTABLE,
                                        description="Continue this conversation (from an earlier reply)")
    sender: str | None = Field(None, max_length=128, pattern=PRINTABLE,
                               description="Your id for the customer: continues their latest conversation")
    message_id: str | None = Field(None, max_length=64, pattern=PRINTABLE,
                                   description="Your id for this message: a retry with the same id is not stored twice")
    language: Literal["pl", "en"] | None = Field(None, description="Language hint for a new conversation")


class MessageOut(BaseModel):
    id: int
    author: Literal["customer", "bot", "agent", "system"]
    text: str
    payload: str | None = Field(None, description="What the engine was sent instead of the text "
                                                  "(a button's payload, a spoken number written out)")
    buttons: list[dict[str, str]]
    channel: str
    language: str | None
    intent: str | None
    confidence: float | None = Field(description="The engine's confidence in the intent")
    speech_confidence: float | None = Field(None, description="The recogniser's confidence (phone calls)")
    heard_text: str | None = Field(None, description="What the caller heard of a spoken message they interrupted")
    agent_name: str | None
    created_at: str


class PostMessageResult(BaseModel):
    conversation_id: str
    message_id: int
    duplicate: bool = Field(description="True when this message_id was already received; nothing new was stored")
    replies: list[MessageOut]


class ConversationOut(BaseModel):
    id: str
    channel: str
    language: str
    state: Literal["bot", "queued", "agent"]
    created_at: str
    last_activity_at: str
    messages: list[MessageOut]


@router.post("/messages", response_model=PostMessageResult, dependencies=[Depends(require_json)],
             responses={404: {"description": "Unknown conversation"}, 413: {}, 415: {}})
async def post_message(body: PostMessage, core: CoreDep) -> PostMessageResult:
    """Stores the message, answers it (assistant or agent), and returns the replies sent back."""
    inbound = InboundMessage(channel=Channel.API, text=body.text, conversation_id=body.conversation_id,
                             address=body.sender, external_id=body.message_id, language=body.language,
                             client=f"api:{body.sender or 'anonymous'}")
    try:
        receipt = await core.accept(inbound)
    except UnusableText as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    except ConversationNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {error}") from error
    # A message sent again is answered if its first copy never was (the database went away mid-turn).
    replies = (await core.process(receipt, inbound.client)).replies
    return PostMessageResult(conversation_id=receipt.conversation_id, message_id=receipt.message_id,
                             duplicate=receipt.duplicate, replies=[MessageOut(**r) for r in replies])


Id = Annotated[str, Path(max_length=64, pattern=PRINTABLE)]


@router.get("/conversations/{conversation_id}", response_model=ConversationOut, responses={404: {}})
async def read_conversation(conversation_id: Id, sessions: SessionsDep) -> ConversationOut:
    """The whole transcript: customer, assistant, agent and system messages in order."""
    return await _transcript(sessions, Conversation.id == conversation_id, conversation_id)


@router.get("/calls/{call_sid}", response_model=ConversationOut, responses={404: {}})
async def read_call(call_sid: Id, sessions: SessionsDep) -> ConversationOut:
    """A phone call's transcript, by Twilio's CallSid."""
    return await _transcript(sessions, Conversation.call_sid == call_sid, call_sid)


async def _transcript(sessions: sessionmaker[Session], condition, name: str) -> ConversationOut:
    def transcript(session: Session) -> ConversationOut | None:
        conversation = session.scalar(select(Conversation).where(condition)
                                      .options(selectinload(Conversation.messages).selectinload(Message.agent)))
        if conversation is None:
            return None
        return ConversationOut(**conversation_view(conversation),
                               messages=[MessageOut(**message_view(m)) for m in conversation.messages])
    found = await read(sessions, transcript)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {name}")
    return found


class ApiOutput(OutputChannel):
    channel = Channel.API

    async def send_text(self, recipient: Recipient, text: str) -> None:
        """Nothing to push: an integration gets a turn's replies in the response to its POST, and
        reads later ones (an agent's) with GET /api/v1/conversations/{id}."""
