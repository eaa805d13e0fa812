"""A gateway whose code is newer than the database's schema refuses to start and says what to run."""

import os
import subprocess
import sys

import pytest
from alembic import command
from fastapi.testclient import TestClient

from bot.main import create_app
from bot.persistence.migrate import alembic_config, upgrade
from bot.persistence.schema import SchemaMismatch, code_revisions, require_current_schema
from bot.settings import PROJECT_ROOT, Settings
from db.sessions import make_engine


@pytest.fixture
def old_schema(tmp_path) -> str:
    """A SQLite database one migration behind this code."""
    url = f"sqlite:///{tmp_path / 'koliber.db'}"
    command.upgrade(alembic_config(url), code_revisions()[-2])
    return url


def test_the_guard_names_both_revisions_and_the_command(old_schema):
    engine = make_engine(old_schema)
    with pytest.raises(SchemaMismatch) as refusal:
        require_current_schema(engine)
    assert str(refusal.value) == (f"the database is at revision {code_revisions()[-2]}, this code needs "
                                  f"{code_revisions()[-1]}: run `koliber migrate`")
    upgrade(old_schema)
    require_current_schema(engine)  # migrated: it starts
    engine.dispose()


def test_the_app_refuses_to_start_on_an_old_schema(old_schema):
    app = create_app(Settings(KOLIBER_ENV="development", DATABASE_URL=old_schema))
    with pytest.raises(SchemaMismatch, match="run `koliber migrate`"), TestClient(app):
        pass


def test_the_gateway_process_exits_with_the_message(old_schema):
    gateway = subprocess.run([sys.executable, "-m", "bot.serve", "--port", "0"], cwd=PROJECT_ROOT, timeout=60,
                             capture_output=True, text=True,
                             env={**os.environ, "KOLIBER_ENV": "development", "DATABASE_URL": old_schema})
    assert gateway.returncode != 0
    assert gateway.stderr.strip() == (f"error: the database is at revision {code_revisions()[-2]}, this code needs "
                                      f"{code_revisions()[-1]}: run `koliber migrate`")


def test_migrate_refuses_a_schema_from_a_newer_koliber_and_says_what_to_do(tmp_path, koliber, capsys):
    url = f"sqlite:///{tmp_path / 'koliber.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:  # what a newer Koliber's migrations leave behind
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    capsys.readouterr()

    assert koliber("migrate", DATABASE_URL=url) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: the database was migrated by a newer Koliber (revision 9999_from_the_future); this code's newest "
        f"is {code_revisions()[-1]}: upgrade the code or restore a backup")
    with engine.connect() as connection:  # untouched
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "9999_from_the_future"
    engine.dispose()
