"""What Koliber writes under var/ is its owner's alone: the SQLite database (and its journal), the
services' logs and the engine's endpoints file (folders 0700, files 0600). Exports: test_requests.py."""

import stat
import sys

from sqlalchemy import text

from bot.persistence.migrate import upgrade
from bot.processes import ManagedProcess, ServiceSpec, Stores, write_endpoints
from db.sessions import make_engine


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_folder_are_owner_only(tmp_path):
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    database = shared / "var" / "data" / "koliber.db"
    upgrade(f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (x TEXT)"))  # leaves a write-ahead log behind
    wal = database.with_name("koliber.db-wal")
    assert wal.exists() and _mode(wal) == 0o600
    engine.dispose()
    assert _mode(database) == 0o600
    assert _mode(database.parent) == 0o700 and _mode(database.parent.parent) == 0o700
    assert _mode(shared) == 0o755  # a folder that was there keeps its mode


def test_service_logs_and_the_endpoints_file_are_owner_only(tmp_path):
    service = ManagedProcess(ServiceSpec("probe", [sys.executable, "-c", "print('customer said hi')"],
                                         "http://127.0.0.1:9/", 1), tmp_path / "var" / "log")
    service.start()
    service.stop()
    assert _mode(service.log_path) == 0o600 and _mode(service.log_path.parent) == 0o700
    endpoints = write_endpoints(tmp_path / "var" / "run" / "endpoints.yml", 5055, Stores(f"sqlite:///{tmp_path}/k.db"))
    assert _mode(endpoints) == 0o600 and "5055" in endpoints.read_text()
