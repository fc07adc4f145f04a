"""The production set-up: knowledge, bookings and conversations in PostgreSQL, conversations locked in Redis.
A conversation survives a restart of Rasa, because it lives in the database, not in the process."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import POSTGRES_URL, skip_or_fail
from tests.conversations.conftest import launched_bot

pytestmark = pytest.mark.postgres


@pytest.fixture
def services():
    """A private PostgreSQL schema, and Redis; skipped (or, in CI, failed) where either is missing."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis is not reachable at 127.0.0.1:6379 ({type(error).__name__})")
    admin = create_engine(POSTGRES_URL, future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error.orig).__name__})")
    schema = f"qn_prod_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def endpoints_for(schema: str) -> str:
    url = create_engine(POSTGRES_URL).url
    return (f"tracker_store:\n  type: bot.conversations.store.MaskingSQLTrackerStore\n  dialect: postgresql\n"
            f"  url: {url.host}\n  port: {url.port or 5432}\n"
            f"  db: {url.database}\n  username: {url.username}\n  password: \"{url.password or ''}\"\n"
            f"  query:\n    options: \"-csearch_path={schema}\"\n"
            f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: 6379\n  key_prefix: {schema}\n")


def test_a_conversation_on_postgresql_and_redis_survives_a_restart(services, tmp_path):
    schema = services
    database_url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    user = f"prod-{uuid.uuid4().hex[:8]}"
    with launched_bot(tmp_path / "first", database_url, extra_endpoints=endpoints_for(schema)) as bot:
        assert "Yên Tử" in " ".join(bot.texts(user, "giới thiệu về Yên Tử"))
        assert bot.slot(user, "place_id") == "yen-tu"
    with launched_bot(tmp_path / "second", database_url, extra_endpoints=endpoints_for(schema)) as bot:
        hours = " ".join(bot.texts(user, "mấy giờ mở cửa?"))  # "it" is still Yên Tử, after the restart
        assert "Yên Tử" in hours
    with create_engine(database_url).connect() as connection:
        assert connection.execute(text("select count(*) from events where sender_id = :u"), {"u": user}).scalar() > 0
