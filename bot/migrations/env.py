"""Alembic's environment: the project's one metadata, on the connection bot/schema.py hands over."""
from __future__ import annotations

from alembic import context

import bot.knowledge.models  # noqa: F401
import bot.notifications.models  # noqa: F401
import bot.tickets.models  # noqa: F401
import bot.zalo_tokens  # noqa: F401 - registers its table
from bot.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
