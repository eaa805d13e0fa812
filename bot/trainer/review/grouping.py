"""Near-identical missed messages grouped into one inbox item, so a trainer labels a phrasing once."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.trainer.data.personal_data import find_personal_data
from bot.trainer.review.inbox import MissedMessage, Reason
from text.folding import fold


def group_key(text: str) -> str:
    """Equal for texts that differ only in case, diacritics, spacing, punctuation, digits or the
    personal data in them ("Gdzie jest zamówienie 48213, jan@wp.pl?" and "gdzie jest zamowienie
    51734 anna@example.pl")."""
    for span in reversed(find_personal_data(text)):
        text = f"{text[:span.start]} {span.kind.value} {text[span.end:]}"
    folded = re.sub(r"\d+", "0", fold(text))
    return " ".join(re.findall(r"\w+", folded))


@dataclass(frozen=True)
class InboxItem:
    key: str
    language: str
    messages: tuple[MissedMessage, ...]  # newest first

    @property
    def latest(self) -> MissedMessage:
        return self.messages[0]

    @property
    def text(self) -> str:
        return self.latest.text

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def message_ids(self) -> list[int]:
        return [m.id for m in self.messages]

    @property
    def reasons(self) -> list[Reason]:
        seen = {reason for m in self.messages for reason in m.reasons}
        return [reason for reason in Reason if reason in seen]

    @property
    def bot_intents(self) -> list[tuple[str, int]]:
        """The intents the bot settled on, most frequent first."""
        return Counter(m.intent or "-" for m in self.messages).most_common()

    @property
    def channels(self) -> list[str]:
        return sorted({m.channel.value for m in self.messages})

    @property
    def last_seen(self) -> datetime:
        return self.latest.created_at


def group_messages(messages: list[MissedMessage]) -> list[InboxItem]:
    """Groups per language and folded text; the most frequent first, then the most recent."""
    groups: dict[tuple[str, str], list[MissedMessage]] = {}
    for message in sorted(messages, key=lambda m: (m.created_at, m.id), reverse=True):
        groups.setdefault((message.language, group_key(message.text)), []).append(message)
    items = [InboxItem(key, language, tuple(members)) for (language, key), members in groups.items()]
    items.sort(key=lambda item: item.last_seen, reverse=True)
    items.sort(key=lambda item: item.count, reverse=True)
    return items
