"""The database's schema changes only through migrations, and an older database keeps its bookings."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.schema import MIGRATIONS, _config, migrate, revision_of
from tests.conftest import KNOWLEDGE_DIR

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()  # the newest migration


def made_before_migrations(engine) -> None:
    """The database as the code before migrations left it: create_all's tables (revision 0001), no version
    table, with a booking of two lines and a zalo token pair in it."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        now = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
        connection.execute(text(
            "INSERT INTO bookings (code, idempotency_key, sender_id, visit_date, slot, places, total_vnd, status, "
            "payment_method, name, phone, created_at) VALUES ('QN8K2P', 'k1', 'visitor', :day, '08:00-10:00', 3, "
            "90000, 'confirmed', 'counter', 'Nguyễn Văn An', '0912345678', :now)"), {"day": date(2026, 12, 5),
                                                                                       "now": now})
        booking = connection.execute(text("SELECT id FROM bookings")).scalar_one()
        connection.execute(text("INSERT INTO booking_lines (booking_id, ticket_type, quantity, unit_price_vnd) "
                                "VALUES (:b, 'adult', 2, 40000), (:b, 'child', 1, 10000)"), {"b": booking})
        connection.execute(text("INSERT INTO slot_counters (visit_date, slot, booked) VALUES (:day, '08:00-10:00', 3)"),
                           {"day": date(2026, 12, 5)})


def kept(engine) -> tuple:
    with engine.connect() as connection:
        booking = connection.execute(text("SELECT code, name, phone, total_vnd FROM bookings")).one()
        lines = connection.execute(text("SELECT ticket_type, quantity FROM booking_lines ORDER BY id")).all()
        booked = connection.execute(text("SELECT booked FROM slot_counters")).scalar_one()
    return tuple(booking), [tuple(line) for line in lines], booked


def check_upgrade(engine) -> None:
    made_before_migrations(engine)
    before = kept(engine)
    assert revision_of(engine) is None
    assert migrate(engine) == HEAD
    assert kept(engine) == before == (("QN8K2P", "Nguyễn Văn An", "0912345678", 90000),
                                      [("adult", 2), ("child", 1)], 3)
    assert "aliases" in {c["name"] for c in inspect(engine).get_columns("ticket_types")}
    load_knowledge(engine, KNOWLEDGE_DIR)  # the upgraded database takes a load, with the new column
    museum = KnowledgeBase(engine).museum()
    assert "học sinh" in next(t for t in museum.ticket_types if t.id == "child").aliases
    assert migrate(engine) == HEAD and kept(engine) == before  # running it again changes nothing


def test_an_sqlite_database_from_before_migrations_is_upgraded_and_keeps_its_bookings(engine):
    check_upgrade(engine)


@pytest.mark.postgres
def test_a_postgresql_database_from_before_migrations_is_upgraded_and_keeps_its_bookings(postgres_engine):
    check_upgrade(postgres_engine)


def test_a_new_database_gets_every_table_at_the_newest_revision(engine):
    assert migrate(engine) == HEAD
    assert {"bookings", "booking_lines", "sites", "ticket_types", "zalo_tokens", "alembic_version"} <= \
        set(inspect(engine).get_table_names())


# A fresh interpreter: its main thread imports bot/tickets/models.py and is held just before `class BookingLine`
# (Booking, whose relationship names BookingLine, already mapped) while another thread asks for the database's
# models, as the action server's index thread did while rasa_sdk imported the actions. Prints what the other
# thread met, then whether a query works once the import has finished.
_RACE = r"""
import sys, threading
from bot.db import configure_models
from sqlalchemy import select
from sqlalchemy.orm import configure_mappers

way = {"models": configure_models, "mappers": configure_mappers}[sys.argv[1]]
held, asked = threading.Event(), threading.Event()
outcome = []

def ask():
    held.wait(30)
    try:
        way()
        outcome.append("configured")
    except Exception as error:
        outcome.append(type(error).__name__)
    asked.set()

def hold(frame, event, arg):
    if frame.f_code.co_filename.endswith("bot/tickets/models.py"):
        if event == "line" and frame.f_code.co_name == "<module>" and "class BookingLine" in (
                open(frame.f_code.co_filename, encoding="utf-8").read().splitlines()[frame.f_lineno - 1]):
            held.set()
            asked.wait(3)  # the other thread either finishes (configured too early) or waits for this import
        return hold
    return None

threading.Thread(target=ask).start()
sys.settrace(hold)
import bot.tickets.models
sys.settrace(None)
asked.wait(30)
from bot.tickets.models import Booking
try:
    select(Booking.code, Booking.lines).compile()  # what a query builds first, where the failure was met
    after = "query works"
except Exception as error:
    after = type(error).__name__
print(outcome[0], after)
"""


@pytest.mark.parametrize("way, expected", [("models", "configured query works"),
                                           ("mappers", "InvalidRequestError InvalidRequestError")])
def test_models_asked_for_while_another_thread_imports_them_are_whole_once_it_has(way, expected):
    """configure_models waits for the import in progress and configures every mapper; SQLAlchemy's own
    configure_mappers at that moment fails, and the failure stays: the process's later queries fail too (what
    broke every action of an action server whose index thread started its query too early)."""
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-c", _RACE, way], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == [expected], done.stdout[-2000:] + done.stderr[-2000:]
