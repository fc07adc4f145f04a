"""Rasa's SQL tracker store, without the visitors' names and phone numbers in clear.

What Rasa 3.6's SQLTrackerStore does (rasa/core/tracker_store.py), and what follows from it:
- `save` appends the events the store does not have yet: it counts the stored events of the latest session and
  stores the tracker's events past that count, each as `event.as_dict()` in JSON (and streams them to the event
  broker). Stored events are never rewritten.
- `retrieve` rebuilds the tracker at every turn by replaying the stored events, so a slot holds what its last
  stored SlotSet event says: the booking form gets `visitor_name` and `visitor_phone` back from the store.

So this store writes every event masked: an answer typed to the name or phone question, those values wherever
they appear later (the summary repeats them), and phone- or ID-like digit runs in anything typed. The form's
current name and phone wait in `pending_personal_data` until the booking holds them, and go back into the
slots as the events are replayed. Once the booking is made (`booking_code` set after them), or the form drops
them, or the conversation has been idle longer than a session (swept within a minute), that row is gone and the
slots come back empty: the bookings table is then the only place that holds them. The event broker gets the
same masked events.
"""
from __future__ import annotations

import json
import re
import time
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401 - sa.orm.sessionmaker
import ujson
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

from bot.conversations.writer import writer_for
from bot.db import get_engine
from bot.settings import PROJECT_ROOT, Settings, current_settings, environment

# Slots that hold what identifies a visitor, and the slot whose value says the booking now holds them.
PERSONAL_SLOTS = ("visitor_name", "visitor_phone")
HOLDER_SLOT = "booking_code"
MASK = "•••"
_MASK_AS_STORED = json.dumps(MASK)[1:-1]  # as the rows' JSON writes it
# A run of 9 or more digits, single spaces, dots or hyphens allowed between them: mobile numbers (0912 345 678,
# +84 912.345.678), ID card numbers (9 or 12 digits). Dates (8 digits at most), times and prices stay.
NUMBER_LIKE = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]?\d){8,}(?!\w)")
# How long a form's name and phone wait for the booking when the domain sets no session expiry, and how often
# those left by forms nobody finished are removed.
DEFAULT_PENDING_SECONDS = 3600
SWEEP_EVERY_SECONDS = 60


class SavedRows(NamedTuple):
    """What a `save` wrote for one conversation (MaskingSQLTrackerStore.last_save)."""

    last_row: int  # the id of its last row
    data: list[str]  # each row's data, in order


# The sender and what the latest save in this task wrote (MaskingSQLTrackerStore.last_save).
_saved: ContextVar[tuple[str, SavedRows] | None] = ContextVar("qn_saved_rows", default=None)

_metadata = sa.MetaData()
pending_personal_data = sa.Table(
    "pending_personal_data", _metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("slot", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("stored_at", sa.Float, nullable=False, index=True),
)


def conversations_url(settings: Settings, environ: dict[str, str] | None = None) -> str:
    """Where conversations are kept on the embedded default, and read by the staff page: `QN_CONVERSATIONS_URL`,
    else a SQLite file beside the knowledge base's (var/conversations.db by default), so that a bot started with
    a database of its own (a test's) keeps its conversations beside it, never in a developer's var/."""
    configured = environment(environ).get("QN_CONVERSATIONS_URL", "").strip()
    if configured:
        return configured
    knowledge = settings.database_url
    if knowledge.startswith("sqlite:///") and ":memory:" not in knowledge:
        folder = Path(knowledge.removeprefix("sqlite:///").split("?", 1)[0]).parent
    else:
        folder = PROJECT_ROOT / "var"
    return f"sqlite:///{folder / 'conversations.db'}"


def mask_numbers(text: str) -> str:
    """`text` with phone- and ID-like digit runs replaced by the mask."""
    return NUMBER_LIKE.sub(MASK, text)


def _replace_strings(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, dict):
        return {key: _replace_strings(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, pattern) for item in value]
    return value


def _requested_slots(events: Sequence[Event]) -> list[str | None]:
    """For each event, the slot the form was asking for when it happened."""
    requested: str | None = None
    asked = []
    for event in events:
        asked.append(requested)
        if event.type_name == "slot" and getattr(event, "key", None) == "requested_slot":
            requested = event.value  # type: ignore[attr-defined]
    return asked


def masked_events(events: Sequence[Event], first_new: int) -> list[dict[str, Any]]:
    """The events from `first_new` on, as Rasa stores them (`as_dict()`), with the personal data masked.

    Personal: what was typed while the form asked for a name or a phone, every value those slots took wherever
    it appears, and number-like runs in anything typed."""
    asked = _requested_slots(events)
    # Every value the slots took (an answer as typed, then as the form cleaned it), not every answer typed: a
    # "no" typed when asked the name is masked where it was typed, not in every later message.
    known = {event.value.strip() for event in events  # type: ignore[attr-defined]
             if event.type_name == "slot" and getattr(event, "key", None) in PERSONAL_SLOTS
             and isinstance(getattr(event, "value", None), str)}
    known = {value for value in known if len(value) >= 2 and value != MASK}
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in sorted(known, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE) if known else None

    stored = []
    for event, requested in zip(events[first_new:], asked[first_new:]):
        data = event.as_dict()
        if event.type_name == "slot" and data.get("name") in PERSONAL_SLOTS and data.get("value") is not None:
            data["value"] = MASK
        if event.type_name == "user":
            typed_personal = requested in PERSONAL_SLOTS
            parse_data = data.get("parse_data") or {}
            for holder in (data, parse_data):
                if isinstance(holder.get("text"), str):
                    holder["text"] = MASK if typed_personal else mask_numbers(holder["text"])
            if typed_personal:
                parse_data["entities"] = []
        if pattern is not None:
            data = _replace_strings(data, pattern)
        stored.append(data)
    return stored


def pending_values(events: Iterable[Event]) -> dict[str, str]:
    """The form's name and phone that no booking holds yet, after `events`."""
    pending: dict[str, str] = {}
    for event in events:
        if event.type_name != "slot":
            continue
        key, value = getattr(event, "key", None), getattr(event, "value", None)
        if key in PERSONAL_SLOTS:
            if isinstance(value, str) and value:
                pending[key] = value
            else:
                pending.pop(key, None)
        elif key == HOLDER_SLOT and value:
            pending.clear()  # the booking now holds them
    return pending


def row_data(data: str) -> Any:
    """A stored row's JSON. ujson reads it in about half of json's time (a conversation's recent rows are read at
    every message: json's 2.4% of the Rasa process's busy samples at 20 users) and gives the same values, floats
    included (tested on generated rows); anything it refuses goes to json, which says what is wrong."""
    try:
        return ujson.loads(data)
    except (ValueError, OverflowError):
        return json.loads(data)


def _make_folder_of(url: str) -> None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///").split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=8)
def conversations_engine(url: str) -> Engine:
    """The engine of the conversations' database, one per process (bot/db.py's for a server database).

    For a SQLite file, an engine that keeps its connections open, in WAL mode with
    `synchronous=NORMAL`, instead of Rasa's, which opens a connection per session: Rasa's SQLite store cost 4.6-25 ms
    a turn, this one 2.6-3.3 ms (docs/staff-page.md), because every close of the last connection
    checkpoints the WAL and every commit waits for the disk. NORMAL in WAL mode loses no turn if the bot
    crashes, only the last ones if the machine loses power. The turn summary's writer uses it too, so that
    neither holds the file's write lock while waiting for the disk."""
    if not url.startswith("sqlite"):
        return get_engine(url)
    _make_folder_of(url)
    engine = sa.create_engine(url, poolclass=QueuePool, pool_size=5, max_overflow=10,
                              connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return engine


def _touches_personal_data(events: Iterable[Event]) -> bool:
    return any(event.type_name == "slot" and getattr(event, "key", None) in (*PERSONAL_SLOTS, HOLDER_SLOT)
               for event in events)


class MaskingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore (same tables, same configuration keys) that stores and streams events masked.
    Without `url`/`db` in endpoints.yml, conversations go to `conversations_url` (SQLite)."""

    def __init__(self, domain: Domain | None = None, host: str | None = None, dialect: str = "sqlite",
                 db: str | None = None, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        if host is None and db is None:
            host = conversations_url(current_settings())
            _make_folder_of(host)
        super().__init__(domain=domain, host=host, dialect=dialect, db=db or "rasa.db", event_broker=event_broker,
                         **kwargs)
        self._swept_at = 0.0
        rasas: Engine = self.engine  # type: ignore[has-type]  # Rasa sets it unannotated
        if rasas.dialect.name == "sqlite":
            rasas.dispose()
            self.engine = conversations_engine(str(rasas.url))
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        _metadata.create_all(self.engine)
        self._insert_event = self.SQLEvent.__table__.insert()  # built once: a turn's write is on the busy path

    def _pending_seconds(self) -> float:
        minutes = self.domain.session_config.session_expiration_time if self.domain else 0
        return minutes * 60 if minutes and minutes > 0 else DEFAULT_PENDING_SECONDS

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> DialogueStateTracker | None:
        """Rasa's `_retrieve`, with the form's name and phone put back while no booking holds them."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions
                                     ).with_entities(self.SQLEvent.data).all()  # the JSON only: no ORM objects
        return self.tracker_of(sender_id, [data for (data,) in rows])

    def tracker_of(self, sender_id: str, rows: Sequence[str]) -> DialogueStateTracker | None:
        """The tracker these stored rows (each row's `data`, in the store's order) make, as `_retrieve` gives it:
        bot/serving.py's bounded_history builds a conversation's next tracker from the rows it saw written."""
        events = [row_data(data) for data in rows]
        masked_slots = [e for e in events if e.get("event") == "slot" and e.get("name") in PERSONAL_SLOTS
                        and e.get("value") == MASK]
        pending: dict[str, str] = {}
        if masked_slots:
            cutoff = time.time() - self._pending_seconds()
            query = sa.select(pending_personal_data.c.slot, pending_personal_data.c.value).where(
                pending_personal_data.c.sender_id == sender_id, pending_personal_data.c.stored_at >= cutoff)
            with self.engine.connect() as connection:
                pending = dict(connection.execute(query).all())  # type: ignore[arg-type]
        for event in masked_slots:
            event["value"] = pending.get(event["name"])
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `save` (the events not stored yet, one row each), masked; then the same events to the broker.
        The rows are written by the database's one writer (bot/conversations/writer.py), with whatever other turns
        are waiting, off the event loop; the turn goes on once they are in."""
        _saved.set(None)  # a save that fails leaves no earlier save's rows to be taken for its own
        with self.session_scope() as session:  # Rasa counts the stored rows here; bounded_history does not
            new_events = list(self._additional_events(session, tracker))
        events = list(tracker.events)
        stored = masked_events(events, len(events) - len(new_events))
        rows = [{"sender_id": tracker.sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                 "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                 "action_name": data.get("name"), "data": json.dumps(data)}
                for event, data in zip(new_events, stored)]
        touched = _touches_personal_data(new_events)
        pending = pending_values(events) if touched else None
        last_row = None
        if rows or touched or time.time() - self._swept_at > SWEEP_EVERY_SECONDS:  # else nothing to write
            last_row = await writer_for(self.engine).write(
                lambda connection: self._write_turn(connection, tracker.sender_id, rows, pending))
        _saved.set((tracker.sender_id, SavedRows(last_row, [row["data"] for row in rows]))
                   if last_row is not None else None)
        if self.event_broker is not None:
            for data in stored:
                self.event_broker.publish({"sender_id": tracker.sender_id, **data})

    def _write_turn(self, connection: Connection, sender_id: str, rows: list[dict[str, Any]],
                    pending: dict[str, str] | None) -> int | None:
        """In the writer's transaction: the turn's rows, then the form's pending name and phone if the turn
        changed them, and once a minute the sweep of those nobody came back for. Returns the last row's id."""
        last_row = None
        if len(rows) > 1:
            connection.execute(self._insert_event, rows[:-1])
        if rows:
            last_row = connection.execute(self._insert_event, rows[-1]).inserted_primary_key[0]
        now = time.time()
        if pending is not None:
            self._keep_pending(connection, sender_id, pending, now)
        if pending is not None or now - self._swept_at > SWEEP_EVERY_SECONDS:
            table = pending_personal_data
            connection.execute(table.delete().where(table.c.stored_at < now - self._pending_seconds()))
            self._swept_at = now
        return int(last_row) if last_row is not None else None

    def rows_hold_events_unmasked(self, rows: Sequence[str]) -> bool:
        """Whether these rows (each row's data) hold their events exactly as the bot had them: the mask appears
        nowhere in them (nothing was masked, no slot waits to be put back). bot/serving.py's bounded_history then
        goes on from the tracker the last turn left instead of building the same tracker again from its rows."""
        return not any(_MASK_AS_STORED in row or MASK in row for row in rows)

    def last_save(self, sender_id: str) -> SavedRows | None:
        """What this task's latest `save` wrote for `sender_id`, its last row id and its rows' data (None if it wrote
        none): what bounded_history (bot/serving.py) would otherwise read back from the database after each turn."""
        saved = _saved.get()
        return saved[1] if saved is not None and saved[0] == sender_id else None

    def _keep_pending(self, connection: Connection, sender_id: str, values: dict[str, str], now: float) -> None:
        table = pending_personal_data
        connection.execute(table.delete().where(table.c.sender_id == sender_id))
        if values:
            connection.execute(table.insert(), [{"sender_id": sender_id, "slot": slot, "value": value,
                                              "stored_at": now} for slot, value in values.items()])
