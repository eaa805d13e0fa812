"""Engines, sessions and units of work for a database URL (SQLite or PostgreSQL), and the one way
async code runs database work: on a worker thread, so the event loop never waits on it."""

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commits once at the end, rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def read(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """`work` in a session of its own, on a worker thread; nothing is committed."""
    def run() -> T:
        with factory() as session:
            return work(session)
    return await asyncio.to_thread(run)


async def write(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    """`work` as one unit of work on a worker thread: committed once at the end, rolled back on error."""
    def run() -> T:
        with unit_of_work(factory) as session:
            return work(session)
    return await asyncio.to_thread(run)
