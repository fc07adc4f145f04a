"""The booking store on each database it runs on: SQLite (the embedded default) and PostgreSQL (production)."""
from __future__ import annotations

import pytest

from bot.db import get_engine
from bot.schema import migrate
from bot.tickets.repository import BookingRepository


@pytest.fixture
def sqlite_repository(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'tickets.db'}")
    migrate(engine)
    return BookingRepository(engine)


@pytest.fixture
def postgres_repository(postgres_engine):
    migrate(postgres_engine)
    return BookingRepository(postgres_engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repository(request):
    """Each test taking it runs once per database."""
    return request.getfixturevalue(f"{request.param}_repository")
