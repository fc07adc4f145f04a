"""Alembic's environment: the project's one metadata, on the connection bot/schema.py hands over."""
from __future__ import annotations

from alembic import context

from bot.db import Base, configure_models

configure_models()  # every table of Base's metadata registered

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
