"""Files customers send with a message: which are kept, stored with it, shown to agents and never
passed to the engine. A file refused for its type or size keeps its name, size and the reason, so
the agent knows it was sent and can ask for it another way."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.models.conversation import Attachment, Message

# What a customer of a shop sends: photos of a damaged parcel, a PDF invoice or return form, plain text.
KEPT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf",
                        "text/plain"})
TOO_LARGE = "too_large"
WRONG_TYPE = "type"


@dataclass(frozen=True)
class ReceivedFile:
    filename: str
    content_type: str
    content: bytes


def store_attachments(session: Session, message: Message, files: tuple[ReceivedFile, ...], max_bytes: int) -> None:
    for file in files:
        content_type = file.content_type.lower()
        refused = (WRONG_TYPE if content_type not in KEPT_TYPES
                   else TOO_LARGE if len(file.content) > max_bytes else None)
        session.add(Attachment(message=message, filename=file.filename[:255] or "attachment",
                               content_type=content_type[:127], size=len(file.content),
                               content=None if refused else file.content, refused=refused))
