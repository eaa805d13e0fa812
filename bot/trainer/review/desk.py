"""The review inbox's work: list what the bot missed, label or dismiss it, export a conversation
as a test story; each change in one unit of work with its audit entry."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.engine.address import EngineAddress
from bot.handoff.agents import LANGUAGES
from bot.models.conversation import Author, Conversation, Message
from bot.models.review import ReviewAction, ReviewDecision
from bot.settings import PROJECT_ROOT, Settings
from bot.trainer.data.domain_summary import ReviewDomain, load_review_domain
from bot.trainer.data.file_edits import FileLayoutError
from bot.trainer.data.personal_data import Known, Placeholders
from bot.trainer.review import audit
from bot.trainer.review.examples import ExampleError, parse_example, suggest_example
from bot.trainer.review.grouping import InboxItem, group_messages
from bot.trainer.review.inbox import REPHRASE_RESPONSES, InboxFilters, find_missed_messages
from bot.trainer.review.known_personal_data import known_personal_data
from bot.trainer.review.training_data import ExampleConflict, add_example
from bot.trainer.story_export.steps import Step, scrub_steps
from bot.trainer.story_export.stories_file import append_story, story_yaml
from bot.trainer.story_export.tracker import fetch_tracker, steps_from_tracker
from bot.trainer.story_export.transcript import StoredMessage, steps_from_transcript
from db.sessions import unit_of_work


class ReviewNotFound(LookupError):
    pass


class ReviewConflict(RuntimeError):
    """Already decided, or the example clashes with the training data."""


class ReviewInvalid(ValueError):
    pass


@dataclass(frozen=True)
class TrainerRef:
    id: int
    username: str


@dataclass(frozen=True)
class InboxEntry:
    item: InboxItem
    suggestion: str  # the example to start from: placeholders for personal data, entities annotated


@dataclass(frozen=True)
class Labelled:
    intent: str
    example: str
    file: str
    line: int
    added: bool
    messages: int


@dataclass(frozen=True)
class Exported:
    story: str
    file: str
    line: int
    source: str  # "engine" (its tracker) or "transcript" (what the gateway stored)
    yaml: str


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


class ReviewDesk:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings, clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock

    @property
    def domain(self) -> ReviewDomain:
        return load_review_domain(self._settings.domain_path)

    # --- the inbox ---------------------------------------------------------------------------------
    def inbox(self, filters: InboxFilters, max_items: int = 100) -> tuple[list[InboxEntry], int]:
        """The grouped items to show (most frequent first) and how many there are in all."""
        domain = self.domain
        with self._sessions() as session:
            missed = find_missed_messages(session, filters, self._settings.review_confidence_threshold,
                                          domain.texts_of(*REPHRASE_RESPONSES))
            items = group_messages(missed)
            shown = items[:max_items]
            known = known_personal_data(session, {item.latest.conversation_id for item in shown})
        # No intent is preselected: the bot's guess is shown beside the item, and a trainer who only
        # confirmed it would teach the model its own mistakes.
        entries = [InboxEntry(item, suggest_example(item.text, domain.entities, known.get(item.latest.conversation_id, [])))
                   for item in shown]
        return entries, len(items)

    def _undecided(self, session: Session, message_ids: list[int]) -> list[Message]:
        if not message_ids:
            raise ReviewInvalid("no message given")
        messages = list(session.scalars(select(Message).where(Message.id.in_(message_ids))))
        if len(messages) != len(set(message_ids)) or any(m.author != Author.CUSTOMER for m in messages):
            raise ReviewNotFound("no such customer message")
        decided = session.scalars(select(ReviewDecision.message_id).where(ReviewDecision.message_id.in_(message_ids))).all()
        if decided:
            raise ReviewConflict("already decided by another trainer")
        return messages

    def _flush_decisions(self, session: Session) -> None:
        try:
            session.flush()
        except IntegrityError as error:  # another trainer decided the same message meanwhile
            raise ReviewConflict("already decided by another trainer") from error

    def label(self, trainer: TrainerRef, message_ids: list[int], intent: str, annotated: str) -> Labelled:
        domain = self.domain
        if intent not in domain.intents:
            raise ReviewInvalid(f"unknown intent {intent!r}")
        try:
            example = parse_example(annotated, domain.entities)
        except ExampleError as error:
            raise ReviewInvalid(str(error)) from error
        now = self._clock()
        with unit_of_work(self._sessions) as session:
            messages = self._undecided(session, message_ids)
            languages = {m.language or m.conversation.language for m in messages}
            if len(languages) != 1 or not languages <= set(LANGUAGES):
                raise ReviewInvalid("the messages are not all in one known language")
            language = languages.pop()
            # The file is written before the commit: if the commit fails, the example is already
            # there and labelling again finds it instead of adding it twice.
            try:
                placed = add_example(self._settings.nlu_data_dir, language, intent, example.annotated)
            except ExampleConflict as error:
                raise ReviewConflict(str(error)) from error
            except FileLayoutError as error:
                raise ReviewConflict(f"cannot edit the training data: {error}") from error
            target = str(placed.path.relative_to(self._settings.nlu_data_dir))
            entities = [e.as_dict() for e in example.entities]
            for message in messages:
                session.add(ReviewDecision(message_id=message.id, action=ReviewAction.LABELLED, intent=intent,
                                           example=example.annotated, entities=entities, target_file=target,
                                           agent_id=trainer.id, decided_at=now))
            self._flush_decisions(session)
            audit.record(session, trainer.id, "label", {
                "message_ids": sorted(message_ids), "language": language, "intent": intent,
                "example": example.annotated, "file": target, "line": placed.line, "added": placed.added}, now)
        return Labelled(intent, example.annotated, target, placed.line, placed.added, len(messages))

    def dismiss(self, trainer: TrainerRef, message_ids: list[int]) -> int:
        now = self._clock()
        with unit_of_work(self._sessions) as session:
            messages = self._undecided(session, message_ids)
            for message in messages:
                session.add(ReviewDecision(message_id=message.id, action=ReviewAction.DISMISSED, agent_id=trainer.id,
                                           decided_at=now))
            self._flush_decisions(session)
            # The log says which words were dismissed without copying the customer's personal data.
            audit.record(session, trainer.id, "dismiss", {
                "message_ids": sorted(message_ids), "text": Placeholders().scrub(messages[0].text)}, now)
        return len(messages)

    # --- test stories ------------------------------------------------------------------------------
    async def export_story(self, trainer: TrainerRef, conversation_id: str) -> Exported:
        def stored() -> tuple[str, list[StoredMessage], list[Known]]:
            with self._sessions() as session:
                conversation = session.get(Conversation, conversation_id)
                if conversation is None:
                    raise ReviewNotFound(f"no conversation {conversation_id}")
                messages = [StoredMessage(m.author, m.text, m.intent, m.payload) for m in conversation.messages]
                known = known_personal_data(session, [conversation_id]).get(conversation_id, [])
                return f"{conversation.channel.value}, {conversation.language}", messages, known

        where, messages, known = await asyncio.to_thread(stored)
        engine = EngineAddress(self._settings.rasa_url, self._settings.engine_token)
        tracker = await fetch_tracker(engine, conversation_id, self._settings.engine_timeout_seconds)
        source = "engine" if tracker is not None else "transcript"
        steps: list[Step] = (steps_from_tracker(tracker) if tracker
                             else await asyncio.to_thread(lambda: steps_from_transcript(messages, self.domain)))
        if not steps:
            raise ReviewInvalid("the bot answered nothing in this conversation")
        steps = scrub_steps(steps, known)
        now = self._clock()
        name = f"conversation {conversation_id[:8]} ({where}), exported {now:%Y-%m-%d %H:%M:%S}"
        note = f"From conversation {conversation_id}, exported by {trainer.username} on {now:%Y-%m-%d}."
        if source == "transcript":
            note += ("\nRebuilt from the gateway's transcript (the engine did not have it): replace each"
                     "\n`bot:` step with the action that said it, and add the slots it set.")
        path = self._settings.exported_stories_path
        line = await asyncio.to_thread(append_story, path, name, steps, note)

        def log() -> None:
            with unit_of_work(self._sessions) as session:
                audit.record(session, trainer.id, "export_story", {
                    "conversation_id": conversation_id, "story": name, "file": _shown(path), "line": line,
                    "source": source}, now)
        await asyncio.to_thread(log)
        return Exported(name, _shown(path), line, source, story_yaml(name, steps))

    def audit_log(self, limit: int = 200) -> list[audit.AuditView]:
        with self._sessions() as session:
            return audit.recent_entries(session, limit)
