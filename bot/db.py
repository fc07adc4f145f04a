"""One engine per database URL, created lazily (never at import time)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import QueuePool

# The one ORM base: knowledge, bookings and the Zalo token store are tables of one database, whose schema
# changes only through the migrations in bot/migrations (bot/schema.py runs them).
Base = declarative_base()
# Every module that maps a class on Base (Alembic's environment and configure_models import them all).
MODEL_MODULES = ("bot.knowledge.models", "bot.notifications.models", "bot.tickets.models", "bot.zalo_tokens")


def configure_models() -> None:
    """Import every module that maps a class on Base, then configure all the mappers. SQLAlchemy configures every
    mapper of Base at the first query in the process; a thread that queried while another thread was still
    importing one of those modules (the action server's index thread while rasa_sdk imported the actions) met
    Booking, whose relationship names BookingLine, before BookingLine existed, and a failed configuration is
    final: every later query in that process failed, and so did every action that reads the database. An import
    waits for the same import in progress in another thread (Python's module locks), so after this the mappers
    are whole."""
    import importlib

    from sqlalchemy.orm import configure_mappers

    for name in MODEL_MODULES:
        importlib.import_module(name)
    configure_mappers()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """Create (once) the engine for `url`. SQLite files get their folder created and WAL mode, so that
    a staff load does not block the bot's readers.

    SQLite files get a pool of open connections: SQLAlchemy 1.4's default for them opens a new connection
    (and runs the pragmas) for every query, 1 ms each, which was most of an action's time
    (bench/profile_turn.py). A server database gets its pool checked before use (it may have restarted)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=20,
                               connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine
