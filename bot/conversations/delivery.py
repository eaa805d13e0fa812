"""Hands stored outbound messages to everyone watching live and to the customer's output channel.

Every message is published on its conversation's topic: the agent's ticket page listens there, and
so does the web chat widget. Each channel's output channel (bot.conversations.output) then sends
it to the customer; a channel whose provider may refuse (SMS and WhatsApp through Twilio) goes
through the outbox, where the message was queued in the very transaction that stored it, is sent
at once, and is retried by the outbox worker until the provider accepts or refuses it for good.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.conversations import outbox
from bot.conversations.outbox_worker import OutboxWorker, RetryPolicy
from bot.conversations.output import MessageView, OutputChannel, Recipient
from bot.models.conversation import Author, Channel, Message
from bot.realtime import Hub, conversation_topic


class Delivery:
    def __init__(self, hub: Hub, sessions: sessionmaker[Session], policy: RetryPolicy,
                 clock: Callable[[], datetime]) -> None:
        self.hub = hub
        self._clock = clock
        self._outputs: dict[Channel, OutputChannel] = {}
        self.outbox = OutboxWorker(sessions, self._outputs, hub, policy, clock)
        # SQLAlchemy's session event: whatever stores an outbound message (the core, an agent's
        # reply, a survey's SMS), its outbox row is written in the same transaction, so a crash
        # between storing and sending loses nothing.
        event.listen(sessions, "before_flush", self._queue_new_outbound)

    def register(self, output: OutputChannel) -> None:
        self._outputs[output.channel] = output

    def output(self, channel: Channel) -> OutputChannel:
        return self._outputs[channel]

    async def deliver(self, conversation_id: str, channel: Channel, messages: list[MessageView]) -> None:
        """Publishes stored messages live and sends the outbound ones on the conversation's channel."""
        for message in messages:
            self.hub.publish(conversation_topic(conversation_id), {"type": "message", "message": message})
        outbound = [message for message in messages if message["author"] != Author.CUSTOMER.value]
        output = self._outputs.get(channel)
        if not outbound or output is None:
            return
        if output.through_outbox:
            await self.outbox.send_now([message["id"] for message in outbound])
            return
        for message in outbound:
            await output.send_message(Recipient(conversation_id, None, message["language"]), message)

    def _queue_new_outbound(self, session: Session, _context, _instances) -> None:
        for message in [new for new in session.new if isinstance(new, Message)]:
            output = self._outputs.get(message.channel)
            if message.author != Author.CUSTOMER and output is not None and output.through_outbox:
                outbox.enqueue(session, message, self._clock())
