"""Schemathesis generates requests from the gateway's own OpenAPI description of `/api/v1` (valid and
invalid: odd strings, NUL bytes, reused ids, unknown conversations) against a real uvicorn gateway on
PostgreSQL: no request may end in a server error. Its command line runs it (its pytest plugin does
not support pytest 9)."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.main import create_app
from bot.models.conversation import Message
from bot.persistence.migrate import upgrade
from db.sessions import make_engine, session_factory
from testing.fakes.twilio_cloud import FakeTwilioCloud, RunningFake
from testing.served import ServedApp
from tests.bot.conftest import ALWAYS_OPEN, API_KEY, DEAD_ENGINE, gateway_settings
from tests.conftest import POSTGRES_ADMIN_URL

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
pytestmark = pytest.mark.postgres


@pytest.fixture
def api_database(postgres_admin):
    name = f"koliber_fuzz_{uuid.uuid4().hex[:10]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(database_url)
    yield database_url
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_no_request_to_the_api_ends_in_a_server_error(api_database, tmp_path):
    cloud = FakeTwilioCloud("AC" + "2" * 32, "fuzz-twilio-token")
    with RunningFake(cloud), ServedApp(create_app(gateway_settings(api_database, DEAD_ENGINE, ALWAYS_OPEN,
                                                                   cloud))) as server:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{server.base_url}/openapi.json", "--checks", "not_a_server_error",
             "--include-path-regex", "^/api/v1/", "--header", f"Authorization: Bearer {API_KEY}",
             "--max-examples", "60", "--generation-deterministic", "--workers", "1",
             "--report-dir", str(tmp_path / "report")],
            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    with session_factory(make_engine(api_database))() as session:  # it reached the core, not only validation
        assert session.scalar(select(func.count()).select_from(Message)) > 10
