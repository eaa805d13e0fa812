"""The engine's conversations, kept in the app's own database (Rasa's SQLTrackerStore): an engine
restart, a model swap (`koliber train`) or a second engine process forgets nothing, and several
engines can serve the same conversations (with Rasa's RedisLockStore serialising each one's turns).

Two things are added to Rasa's store: on SQLite, the connection settings the gateway also uses
(write-ahead log, a busy timeout), since both processes write to the one file; and deleting a
conversation, for a customer's erasure request (engine_plugins/channel.py).
"""

from typing import Any, Text

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import SingletonThreadPool

SQLITE_BUSY_TIMEOUT_MS = 30_000


class KoliberSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every session (NullPool): three per turn,
            # each with its pragmas. The engine serves turns on one thread, so one connection is kept.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=SingletonThreadPool)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def delete(self, sender_id: Text) -> None:
        """Forgets one conversation, every session of it."""
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
