"""The `koliber backup` and `koliber restore` commands."""

import argparse
import sys
from pathlib import Path

from bot.settings import get_settings

EXIT_FAILED = 1  # a missing or damaged file, a missing tool, a database that cannot be reached
EXIT_REFUSED = 2  # a newer schema, or data to replace without --force: nothing was touched

BACKUP_HELP = """A consistent copy of the whole database (DATABASE_URL) in one owner-only file, safe
while Koliber runs: SQLite through its online backup API, PostgreSQL with pg_dump's custom format
(PostgreSQL's client tools on the PATH, of the server's major version or newer). The file records
the schema version. A folder as PATH gets a new file named by the time."""

RESTORE_HELP = """Replaces the whole database (DATABASE_URL) with a backup, in one transaction: on
any error the database stays as it was. Stop the gateways first. A database that already holds data
is replaced only with --force. A backup made by a newer Koliber (a schema this code does not know) is
refused; an older one is restored, then run `koliber migrate`."""


def add_backup_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    backup = commands.add_parser("backup", help="copy the database into one file", description=BACKUP_HELP)
    backup.add_argument("path", type=Path, help="the file to write (replaced when present), or a folder")
    backup.set_defaults(handler=cmd_backup)
    restore = commands.add_parser("restore", help="replace the database with a backup", description=RESTORE_HELP)
    restore.add_argument("path", type=Path, help="a file `koliber backup` wrote")
    restore.add_argument("--force", action="store_true", help="replace a database that already holds data")
    restore.set_defaults(handler=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.persistence.backup import make_backup
    from db.backup import BackupError

    try:
        backup = make_backup(get_settings().database_url, args.path)
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"backed up to {backup.path} (schema revision {backup.revision})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.persistence.backup import RestoreRefused, restore
    from db.backup import BackupError

    try:
        restored = restore(get_settings().database_url, args.path, force=args.force)
    except RestoreRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return EXIT_REFUSED
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"restored {args.path} (schema revision {restored.revision})")
    if restored.needs_migration:
        print(f"the backup is older than this code (it needs revision {restored.head}): run `koliber migrate` "
              "before starting Koliber")
    return 0
