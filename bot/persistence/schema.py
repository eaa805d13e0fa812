"""The schema version: which Alembic revision a database is at, which ones this code knows, and
the guard that keeps a gateway from starting on a schema it was not written for."""

from functools import cache

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

from bot.persistence.migrate import alembic_config, upgrade
from db.sessions import make_engine


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this code needs; the message says what to run."""


@cache
def code_revisions() -> tuple[str, ...]:
    """Every revision this code's migrations know, oldest first; the last is the head it needs."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return tuple(reversed([revision.revision for revision in script.walk_revisions()]))


def database_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def newer_than_code(revision: str) -> bool:
    """A revision this code does not know was written by a newer Koliber's migrations."""
    return revision not in code_revisions()


def schema_mismatch(revision: str | None) -> str | None:
    """What is wrong with a database at `revision` for this code, or None when it fits."""
    head = code_revisions()[-1]
    if revision == head:
        return None
    if revision is None:
        return f"the database has no schema yet, this code needs revision {head}: run `koliber migrate`"
    if newer_than_code(revision):
        return (f"the database is at revision {revision}, which this code does not know (it needs {head}): "
                "a newer Koliber migrated it; run that version, or restore a backup made with this one")
    return f"the database is at revision {revision}, this code needs {head}: run `koliber migrate`"


def require_current_schema(engine: Engine) -> None:
    """Refuses to go on unless the database is at this code's head revision."""
    problem = schema_mismatch(database_revision(engine))
    if problem is not None:
        raise SchemaMismatch(problem)


def migrate(database_url: str) -> None:
    """Brings the database up to this code's schema (`koliber migrate`). A database a newer Koliber
    migrated is refused with SchemaMismatch, untouched: Alembic would only say it cannot locate the
    revision, before changing anything."""
    try:
        upgrade(database_url)
    except CommandError:
        engine = make_engine(database_url)
        try:
            revision = database_revision(engine)
        finally:
            engine.dispose()
        if revision is None or not newer_than_code(revision):
            raise
        raise SchemaMismatch(f"the database was migrated by a newer Koliber (revision {revision}); this code's "
                             f"newest is {code_revisions()[-1]}: upgrade the code or restore a backup") from None


def require_current_schema_at(database_url: str) -> None:
    """require_current_schema for a database URL (a process that has no engine of its own yet)."""
    engine = make_engine(database_url)
    try:
        require_current_schema(engine)
    finally:
        engine.dispose()
