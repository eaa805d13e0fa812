"""Work that must run once however many gateways run it (a survey round, the retention pass): a
PostgreSQL advisory lock, held for the length of the work. SQLite serves one gateway by design, so
there the work always runs."""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text


@contextmanager
def only_one(engine: Engine, name: str) -> Iterator[bool]:
    """Yields True in the one process that got the lock for `name` (and holds it until the block
    ends), False in every other process that tries at the same time."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    with engine.connect() as connection:
        acquired = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        try:
            yield bool(acquired)
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
