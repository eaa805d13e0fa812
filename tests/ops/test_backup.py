"""`koliber backup` then `koliber restore` gives back the very conversations it copied, on SQLite and
PostgreSQL, and a restore that would do harm is refused with the database untouched."""

import sqlite3
import uuid
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, delete, select, update

from bot.models.conversation import Attachment, Author, Channel, Contact, Conversation, Message
from bot.persistence.migrate import alembic_config, upgrade
from bot.persistence.schema import code_revisions, database_revision
from db.sessions import make_engine, session_factory, unit_of_work
from tests.conftest import FIXED_NOW

CONVERSATION_TABLES = (Contact, Conversation, Message, Attachment)


def _write_conversations(engine: Engine, phones: str = "+4860000000") -> list[str]:
    ids = []
    with unit_of_work(session_factory(engine)) as session:
        for number, channel in enumerate((Channel.WEB, Channel.SMS, Channel.EMAIL)):
            when = FIXED_NOW + timedelta(minutes=number)
            contact = Contact(phone=f"{phones}{number}", display_name="Zażółć Gęślą")
            conversation = Conversation(id=str(uuid.uuid4()), channel=channel, contact=contact, language="pl",
                                        pending_data={"step": number}, created_at=when, last_activity_at=when)
            question = Message(conversation=conversation, author=Author.CUSTOMER, channel=channel, language="pl",
                               text=f"Gdzie jest moje zamówienie 4821{number}?", intent="order_status",
                               confidence=0.93, created_at=when)
            answer = Message(conversation=conversation, author=Author.BOT, channel=channel, language="pl",
                             text="Już sprawdzam „Twoje” zamówienie.", buttons=[{"title": "Tak", "payload": "/affirm"}],
                             created_at=when + timedelta(seconds=2))
            question.attachments.append(Attachment(filename="paragon.jpg", content_type="image/jpeg", size=4,
                                                   content=bytes([0, 255, 10, 13])))
            session.add_all([conversation, question, answer])
            ids.append(conversation.id)
    return ids


def _conversations(database_url: str) -> dict[str, list[dict]]:
    """Every row of every conversation table, all columns, in id order."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {model.__tablename__: [dict(row) for row in connection.execute(
                select(model.__table__).order_by(model.__table__.c.id)).mappings()] for model in CONVERSATION_TABLES}
    finally:
        engine.dispose()


def test_backup_then_restore_gives_back_identical_conversations(database_url, koliber, tmp_path, capsys):
    upgrade(database_url)
    engine = make_engine(database_url)
    _, deleted, changed = _write_conversations(engine)
    before = _conversations(database_url)
    backup = tmp_path / "koliber.backup"

    assert koliber("backup", str(backup), DATABASE_URL=database_url) == 0
    assert backup.stat().st_mode & 0o077 == 0  # customers' data: owner-only

    with unit_of_work(session_factory(engine)) as session:  # the day after: one deleted, one edited, one new
        gone = select(Message.id).where(Message.conversation_id == deleted)
        session.execute(delete(Attachment).where(Attachment.message_id.in_(gone)))
        session.execute(delete(Message).where(Message.conversation_id == deleted))
        session.execute(delete(Conversation).where(Conversation.id == deleted))
        session.execute(update(Message).where(Message.conversation_id == changed).values(text="zmienione"))
    _write_conversations(engine, phones="+4870000000")
    engine.dispose()
    assert _conversations(database_url) != before
    capsys.readouterr()

    assert koliber("restore", str(backup), DATABASE_URL=database_url) == 2  # data there: --force needed
    assert "--force" in capsys.readouterr().err
    assert koliber("restore", "--force", str(backup), DATABASE_URL=database_url) == 0
    assert "koliber migrate" not in capsys.readouterr().out  # same schema: nothing more to do
    assert _conversations(database_url) == before


def _backup_at(revision: str, tmp_path: Path, koliber) -> Path:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    command.upgrade(alembic_config(source), revision)
    backup = tmp_path / "backup.db"
    assert koliber("backup", str(backup), DATABASE_URL=source) == 0
    return backup


def test_a_backup_from_a_newer_schema_is_refused(tmp_path, koliber, capsys):
    backup = _backup_at("head", tmp_path, koliber)
    with closing(sqlite3.connect(backup)) as file, file:
        file.execute("UPDATE alembic_version SET version_num = '0099_from_a_newer_koliber'")
    target = tmp_path / "target.db"

    assert koliber("restore", str(backup), DATABASE_URL=f"sqlite:///{target}") == 2
    error = capsys.readouterr().err
    assert "0099_from_a_newer_koliber" in error and "newer" in error
    assert not target.exists()


def test_an_older_backup_replaces_a_newer_database_and_asks_to_migrate(database_url, koliber, tmp_path, capsys):
    older = code_revisions()[-2]
    command.upgrade(alembic_config(database_url), older)
    backup = tmp_path / "before-the-upgrade.backup"
    assert koliber("backup", str(backup), DATABASE_URL=database_url) == 0
    upgrade(database_url)  # the upgrade the shop wants to undo
    capsys.readouterr()

    assert koliber("restore", "--force", str(backup), DATABASE_URL=database_url) == 0
    output = capsys.readouterr().out
    assert older in output and "koliber migrate" in output
    engine = make_engine(database_url)
    assert database_revision(engine) == older
    engine.dispose()
    assert koliber("migrate", DATABASE_URL=database_url) == 0  # what the newer schema added went with the restore


def test_a_missing_or_damaged_backup_is_an_error(tmp_path, koliber, capsys):
    backup = _backup_at("head", tmp_path, koliber)
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(backup.read_bytes()[:3000])
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("zakupy: mleko")
    target = tmp_path / "target.db"
    capsys.readouterr()

    for path, says in ((tmp_path / "missing.db", "no such backup file"), (damaged, "damaged"),
                       (not_a_backup, "not a Koliber backup")):
        assert koliber("restore", str(path), DATABASE_URL=f"sqlite:///{target}") == 1
        assert says in capsys.readouterr().err
    assert not target.exists()
    assert koliber("restore", str(backup), DATABASE_URL=f"sqlite:///{target}") == 0  # empty: no --force needed
