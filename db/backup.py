"""Copies of a database in one file and back: SQLite through its online backup API (consistent while
the gateway writes), PostgreSQL through pg_dump's custom format and pg_restore. The file carries its
own schema version (the alembic_version table inside it), so nothing beside it can get lost."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path
from typing import IO, Literal

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from db.private_files import private_file
from db.sessions import make_engine

BackupKind = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
CONNECT_TIMEOUT_SECONDS = "10"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


class NoSchemaVersion(BackupError):
    """The file is a database copy, but not of a migrated Koliber database."""


def database_kind(database_url: str) -> BackupKind:
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups cover SQLite and PostgreSQL, not {backend}")
    return backend  # type: ignore[return-value]


def backup_kind(path: Path) -> BackupKind:
    """What made the file, from its first bytes; a missing or foreign file is refused here."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path}: not a Koliber backup (neither a SQLite database nor a pg_dump archive)")


def holds_tables(database_url: str) -> bool:
    """Whether the database has anything in it (a missing SQLite file has not)."""
    if database_kind(database_url) == "sqlite" and not sqlite_file(database_url).exists():
        return False
    engine = make_engine(database_url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def sqlite_file(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("the database is in memory: there is nothing to back up or restore into")
    return Path(name)


def write_backup(database_url: str, target: Path) -> None:
    """A consistent copy of the database into `target` (owner-only), replaced only once complete."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    private_file(partial)
    try:
        if database_kind(database_url) == "sqlite":
            _backup_sqlite(sqlite_file(database_url), partial)
        else:
            _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={_libpq_url(database_url)}"],
                 database_url, "pg_dump")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def revision_in_backup(path: Path) -> str:
    """The schema revision the backup was made at; a damaged file is refused here, before anything
    is overwritten."""
    if backup_kind(path) == "sqlite":
        return _sqlite_revision(path)
    listing = subprocess.run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
                             capture_output=True, text=True)
    if listing.returncode != 0:
        raise BackupError(f"{path}: the archive is damaged: {_first_line(listing.stderr)}")
    lines = listing.stdout.splitlines()
    copy_at = next((i for i, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line), None)
    if copy_at is None or copy_at + 1 >= len(lines) or lines[copy_at + 1] == "\\.":
        raise NoSchemaVersion(f"{path}: not a Koliber backup (it records no schema version)")
    return lines[copy_at + 1].strip()


def require_same_kind(path: Path, database_url: str) -> BackupKind:
    kind, target_kind = backup_kind(path), database_kind(database_url)
    if kind != target_kind:
        raise BackupError(f"{path} is a {kind} backup, but DATABASE_URL points at {target_kind}")
    return kind


def restore_backup(path: Path, database_url: str) -> None:
    """Replaces the whole database with the backup, in one transaction: a failure leaves it as it was."""
    if require_same_kind(path, database_url) == "sqlite":
        target = sqlite_file(database_url)
        private_file(target)  # owner-only from the start, as `koliber migrate` creates it
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target, timeout=30)) as copy:
            source.backup(copy)
        return
    _restore_postgres(path, database_url)


def _backup_sqlite(source_file: Path, target: Path) -> None:
    if not source_file.is_file():
        raise BackupError(f"the database file {source_file} does not exist: there is nothing to back up")
    with closing(sqlite3.connect(source_file, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)  # one step: a snapshot, while the gateway goes on writing (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _sqlite_revision(path: Path) -> str:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as backup:
            problems = [row[0] for row in backup.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path}: the file is damaged: {problems[0]}")
            if not backup.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone():
                raise NoSchemaVersion(f"{path}: not a Koliber backup (it records no schema version)")
            row = backup.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path}: the file is damaged: {error}") from error
    if row is None:
        raise NoSchemaVersion(f"{path}: not a Koliber backup (it records no schema version)")
    return row[0]


def _restore_postgres(path: Path, database_url: str) -> None:
    # pg_restore writes the archive as SQL and psql runs it after dropping what the database holds,
    # all in one transaction: tables a newer schema added go too, and an error undoes everything.
    engine = make_engine(database_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    preamble = "".join(f'DROP TABLE IF EXISTS public."{table}" CASCADE;\n' for table in tables)
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as apply_errors:
        script = subprocess.Popen([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                                   "--file=-", str(path)], stdout=subprocess.PIPE, stderr=script_errors)
        apply = subprocess.Popen([_tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction",
                                  "--set=ON_ERROR_STOP=1", "--file=-", f"--dbname={_libpq_url(database_url)}"],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=apply_errors,
                                 env={**_libpq_env(database_url), "PGOPTIONS": "-c client_min_messages=warning"})
        assert script.stdout is not None and apply.stdin is not None
        try:
            apply.stdin.write(preamble.encode())
            shutil.copyfileobj(script.stdout, apply.stdin)
        except BrokenPipeError:  # psql stopped at an error and rolled back; its message says which
            script.kill()
        script.stdout.close()
        if script.wait() != 0 and apply.poll() is None:
            apply.kill()  # before psql reads the end of its input and commits half an archive
            apply.wait()
            raise BackupError(f"{path}: the archive is damaged: {_first_line(_read(script_errors))} "
                              "(the database is unchanged)")
        try:
            apply.stdin.close()  # the end of the script: psql commits
        except BrokenPipeError:
            pass
        if apply.wait() != 0:
            raise BackupError(f"the restore failed and was undone: {_first_line(_read(apply_errors))}")


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on the PATH: install PostgreSQL's client tools, of the server's major "
                          "version or newer (Debian: apt-get install postgresql-client)")
    return found


def _libpq_url(database_url: str) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver, no password (that goes in the environment,
    not on a command line every user can list)."""
    url = make_url(database_url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _libpq_env(database_url: str) -> dict[str, str]:
    env = {**os.environ, "PGCONNECT_TIMEOUT": CONNECT_TIMEOUT_SECONDS}
    password = make_url(database_url).password
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def _run(argv: list[str], database_url: str, name: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=_libpq_env(database_url))
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {_first_line(done.stderr)}")


def _first_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"
