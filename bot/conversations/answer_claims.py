"""Which gateway answers a customer message. The gateway that stores a message holds it for a while
(the longest a turn can take); a copy sent again to another gateway, or another gateway starting or
sweeping meanwhile, leaves it alone. A message whose gateway died mid-turn is free again once the
hold runs out, and any gateway claims it, in one conditional UPDATE, before answering it."""

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.models.conversation import Author, Message


def _free(now: datetime):
    return or_(Message.answering_until.is_(None), Message.answering_until <= now)


def hold(message: Message, holder: str, now: datetime, hold_for: timedelta) -> None:
    """A message this gateway is storing, held by it from the start."""
    message.answering_by, message.answering_until = holder, now + hold_for


def claim(session: Session, message_id: int, holder: str, now: datetime, hold_for: timedelta) -> bool:
    """Holds an unanswered message for `holder`; False when it is answered or another gateway holds it."""
    claimed = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.handled_at.is_(None),
               or_(_free(now), Message.answering_by == holder))
        .values(answering_by=holder, answering_until=now + hold_for)
        .execution_options(synchronize_session=False))
    return claimed.rowcount == 1


def unanswered(session: Session, now: datetime, since: datetime) -> list[tuple[int, str]]:
    """Customer messages stored after `since`, never answered and held by no gateway (this one's own
    are being answered now), oldest first."""
    return [(message_id, conversation_id) for message_id, conversation_id in session.execute(
        select(Message.id, Message.conversation_id)
        .where(Message.handled_at.is_(None), Message.created_at > since, Message.author == Author.CUSTOMER,
               _free(now))
        .order_by(Message.id))]
