"""Runs Alembic migrations from code (the CLI and tests use this)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import PROJECT_ROOT
from db.private_files import private_file


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "bot" / "persistence" / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    database_file = database_url.removeprefix("sqlite:///").partition("?")[0]
    if database_url.startswith("sqlite:///") and database_file not in ("", ":memory:"):
        # Created owner-only before SQLite creates it (its journal files copy the file's mode).
        private_file(Path(database_file))
    command.upgrade(alembic_config(database_url), "head")
