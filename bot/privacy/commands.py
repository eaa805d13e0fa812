"""The `koliber privacy` subcommands: export, erase and retention, for the shop's data requests."""

import argparse
import sys
from datetime import datetime
from pathlib import Path

from bot.settings import Settings, get_settings

EXIT_ENGINE_PENDING = 1
EXIT_BAD_ADDRESS = 2


def add_privacy_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    privacy = commands.add_parser("privacy", help="customers' data requests (RODO/GDPR): export, erase, retention")
    actions = privacy.add_subparsers(dest="privacy_command", required=True)
    export = actions.add_parser("export", help="everything about a person as one JSON file")
    export.add_argument("address", help="their e-mail address or phone number")
    export.add_argument("--output", "-o", help="file to write (owner-only), or - for standard output "
                                                "(default: a new file in var/exports/)")
    erase = actions.add_parser("erase", help="erase everything about a person (orders stay, anonymised)")
    erase.add_argument("address", help="their e-mail address or phone number")
    erase.add_argument("--yes", action="store_true", help="do not ask to type the address again")
    retention = actions.add_parser("retention", help="anonymise conversations idle longer than the retention period")
    retention.add_argument("--days", type=int, help="the retention period (default: KOLIBER_RETENTION_DAYS)")
    privacy.set_defaults(handler=cmd_privacy)


def cmd_privacy(args: argparse.Namespace) -> int:
    from bot.engine.address import EngineAddress
    from bot.privacy.audit import Actor
    from bot.privacy.engine_trackers import EngineTrackers
    from bot.privacy.finder import UnknownIdentifier
    from db.base import utcnow
    from db.sessions import make_engine, session_factory

    settings = get_settings()
    sessions = session_factory(make_engine(settings.database_url))
    engine = EngineTrackers(EngineAddress(settings.rasa_url, settings.engine_token), settings.engine_timeout_seconds)
    try:
        if args.privacy_command == "export":
            return _export(args, settings, sessions, Actor.command_line(), engine, utcnow)
        if args.privacy_command == "erase":
            return _erase(args, sessions, Actor.command_line(), engine, utcnow)
        return _retention(args, settings, sessions, engine, utcnow)
    except UnknownIdentifier as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_ADDRESS


def _export(args, settings: Settings, sessions, actor, engine, clock) -> int:
    from bot.privacy.export import export_person
    from db.private_files import write_private

    data = export_person(sessions, args.address, actor, engine.tracker, clock)
    if args.output == "-":
        sys.stdout.buffer.write(data.json_bytes() + b"\n")
        sys.stdout.flush()
    else:
        path = Path(args.output) if args.output else _new_export_path(settings.privacy_exports_dir, clock())
        write_private(path, data.json_bytes())
        print(f"written to {path}", file=sys.stderr)
    if data.engine_missing:
        print(f"incomplete: the engine at {settings.rasa_url} could not be reached, so the trackers of "
              f"{len(data.engine_missing)} conversations are missing: {', '.join(data.engine_missing)}",
              file=sys.stderr)
        return EXIT_ENGINE_PENDING
    return 0


def _new_export_path(folder: Path, now: datetime) -> Path:
    return folder / f"personal-data-{now.strftime('%Y%m%d-%H%M%S-%f')}.json"


def _erase(args, sessions, actor, engine, clock) -> int:
    from bot.privacy.erase import erase_person
    from bot.privacy.finder import parse_identifier

    parse_identifier(args.address)
    if not args.yes:
        typed = input(f"This erases everything about {args.address} for good. Type it again to confirm: ")
        if typed.strip() != args.address.strip():
            print("not confirmed: nothing was erased", file=sys.stderr)
            return EXIT_BAD_ADDRESS
    erasure = erase_person(sessions, args.address, actor, engine.forget, clock)
    print("erased: " + ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in erasure.counts.items()))
    return _engine_outcome(erasure.engine_pending, "erase the same address again")


def _retention(args, settings: Settings, sessions, engine, clock) -> int:
    from bot.privacy.retention import apply_retention

    days = args.days or settings.retention_days
    done = apply_retention(sessions, days, engine.forget, clock)
    print(f"retention {days} days: {done.anonymised} conversations idle since before "
          f"{done.cutoff:%Y-%m-%d %H:%M} UTC anonymised")
    return _engine_outcome(done.engine_pending, "run this again")


def _engine_outcome(pending: list[str], retry: str) -> int:
    if not pending:
        return 0
    print(f"the engine could not be reached: it still remembers {len(pending)} conversations "
          f"({', '.join(pending)}); the database part is done, {retry} once the engine runs", file=sys.stderr)
    return EXIT_ENGINE_PENDING
