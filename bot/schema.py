"""The database's schema, changed only through Alembic migrations (bot/migrations/versions/).

`migrate(engine)` brings any database to the latest schema: an empty one gets every table; one made by the
earlier `create_all` calls (before migrations existed) is recognised as the first revision and upgraded from
there, keeping its rows. The staff CLI, the booking store and the Zalo token store call it, so a newcomer's
embedded SQLite and a production PostgreSQL go through the same steps; concurrent callers take turns.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema as create_all made it before migrations existed
_MIGRATION_LOCK = 734_251  # PostgreSQL advisory lock: one migration at a time across processes


def _config(connection: Connection):  # noqa: ANN202 - alembic.config.Config
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> str | None:
    """Upgrade the database to the newest revision; returns it."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        config = _config(connection)
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and tables & {"bookings", "sites", "zalo_tokens"}:
            command.stamp(config, BASELINE)  # made by create_all: it holds revision 0001's tables
        command.upgrade(config, "head")
        return MigrationContext.configure(connection).get_current_revision()


def revision_of(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
