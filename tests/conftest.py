"""Shared fixtures: a fresh SQLite database per test, the real knowledge folder, and service gates."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.settings import PROJECT_ROOT

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
REQUIRE_SERVICES = os.environ.get("QN_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a newcomer's machine; fail in CI, where QN_REQUIRE_SERVICES=1 says the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (QN_REQUIRE_SERVICES=1 makes this required)")
    pytest.skip(f"{reason}; set QN_REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture
def engine(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}", future=True)
    yield engine
    engine.dispose()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of the real knowledge files that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


POSTGRES_URL = os.environ.get("QN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres_engine():
    """An engine on a private schema of the test PostgreSQL, dropped afterwards."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(POSTGRES_URL, future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error.orig).__name__})")
    schema = f"qn_test_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = create_engine(POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def patched_rasa():
    """Rasa with bot/serving.py's patches installed for one test, and Rasa's own functions back after it."""
    from bot import serving

    serving.install()
    yield serving
    serving.uninstall()
