"""`koliber backup` and `koliber restore`: the whole database in one file and back, with the schema
version the backup records checked against this code's migrations before anything is overwritten."""

from dataclasses import dataclass
from pathlib import Path

from bot.persistence.schema import code_revisions, newer_than_code
from db.backup import (
    BackupError,
    NoSchemaVersion,
    database_kind,
    holds_tables,
    require_same_kind,
    restore_backup,
    revision_in_backup,
    write_backup,
)
from db.base import utcnow


class RestoreRefused(BackupError):
    """A restore that would do harm: a backup from a newer schema, or data that --force must allow to replace."""


@dataclass(frozen=True)
class Backup:
    path: Path
    revision: str


@dataclass(frozen=True)
class Restored:
    revision: str
    head: str

    @property
    def needs_migration(self) -> bool:
        return self.revision != self.head


def make_backup(database_url: str, path: Path) -> Backup:
    """Backs the database up to `path`, or to a file named by the time when `path` is a folder."""
    if path.is_dir():
        suffix = "sqlite" if database_kind(database_url) == "sqlite" else "dump"
        path = path / f"koliber-{utcnow():%Y%m%d-%H%M%S}.{suffix}"
    write_backup(database_url, path)
    try:
        revision = revision_in_backup(path)  # read back: the file is readable and was a migrated database
    except NoSchemaVersion:
        path.unlink(missing_ok=True)
        raise BackupError("the database has no schema version: run `koliber migrate` before backing it up") from None
    return Backup(path, revision)


def restore(database_url: str, path: Path, force: bool = False) -> Restored:
    """Replaces the database with the backup. Refused, with the database untouched, for a damaged
    file, a backup of the other database kind or of a newer schema, or a database that holds data
    unless `force`."""
    require_same_kind(path, database_url)
    revision, head = revision_in_backup(path), code_revisions()[-1]
    if newer_than_code(revision):
        raise RestoreRefused(f"the backup was made at schema revision {revision}, newer than this code knows (its "
                             f"newest is {head}): restore it with the Koliber version that made it, or a newer one")
    if not force and holds_tables(database_url):
        raise RestoreRefused("the database already holds data: add --force to replace all of it with the backup "
                             "(back it up first if you may want it again)")
    restore_backup(path, database_url)
    return Restored(revision, head)
