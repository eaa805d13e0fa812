"""Messages the gateway itself adds to a conversation (queue notices, offers, apologies),
stored like any other and worded per language and channel from config/gateway_texts.yml."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.conversations.texts import GatewayTexts
from bot.handoff.queue import HandoffQueue, QueuePlace
from bot.models.conversation import Author, Conversation, Message
from bot.models.handoff import Ticket

# Payloads the gateway answers itself; everything else goes to the engine.
LEAVE_MESSAGE = "!leave_message"
CALLBACK = "!callback"


class SystemReplies:
    def __init__(self, texts: GatewayTexts, queue: HandoffQueue) -> None:
        self.texts = texts
        self._queue = queue

    @staticmethod
    def outbound(session: Session, conversation: Conversation, author: Author, text: str,
                 buttons: list[dict[str, str]] | None, now: datetime, agent_id: int | None = None) -> Message:
        """A message to the customer, stored (sent by the caller once the transaction commits)."""
        message = Message(conversation=conversation, author=author, channel=conversation.channel,
                          language=conversation.language, text=text, buttons=buttons or [], agent_id=agent_id,
                          created_at=now, handled_at=now)
        session.add(message)
        conversation.last_activity_at = now
        return message

    def system(self, session: Session, conversation: Conversation, key: str, now: datetime,
               buttons: list[dict[str, str]] | None = None, **values: Any) -> Message:
        text = self.texts.say(key, conversation.language, channel=conversation.channel.value, **values)
        return self.outbound(session, conversation, Author.SYSTEM, text, buttons, now)

    def queue_place(self, session: Session, conversation: Conversation, key: str, place: QueuePlace,
                    now: datetime) -> Message:
        """The customer's place in the queue and the wait; `<key>_no_estimate` when no agent's pace
        gives one (nobody in the customer's language is available right now)."""
        if place.wait_minutes is None:
            return self.system(session, conversation, f"{key}_no_estimate", now, position=place.position)
        return self.system(session, conversation, key, now, position=place.position, minutes=place.wait_minutes)

    def offline_offer(self, session: Session, conversation: Conversation, ticket: Ticket, open_now: bool,
                      now: datetime) -> Message:
        """Nobody can answer live: the conversation waits as a ticket; offer a message or a call-back."""
        language = conversation.language
        buttons = [{"title": self.texts.say("button_leave_message", language), "payload": LEAVE_MESSAGE},
                   {"title": self.texts.say("button_callback", language), "payload": CALLBACK}]
        return self.system(session, conversation, "busy_offer" if open_now else "offline_offer", now,
                           buttons=buttons, ticket=ticket.id, hours=self._queue.config.hours_description.get(language, ""),
                           reply_by=self.reply_by(language, now))

    def reply_by(self, language: str, now: datetime) -> str:
        """When a person will have answered a message left now, in words with their preposition:
        "w poniedziałek, 8 grudnia, do 10:00" / "by 10:00 on Monday 8 December"."""
        start = self._queue.hours.next_opening(now) or now
        promise = start + timedelta(hours=self._queue.config.reply_within_hours)
        return self.texts.moment("reply_by", promise, self._queue.hours.zone, language)


def known_contact(conversation: Conversation) -> str | None:
    contact = conversation.contact
    return (contact.email or contact.phone) if contact else None


def known_phone(conversation: Conversation) -> str | None:
    return conversation.contact.phone if conversation.contact else None
