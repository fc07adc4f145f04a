"""The conversation store against Rasa's own SQLTrackerStore: the same rows where nothing is personal; the booking
form's name and phone read back across turns while the form needs them, and nowhere in the store once the
booking holds them."""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.conversations.store import MASK, MaskingSQLTrackerStore, conversations_url, mask_numbers, row_data
from bot.settings import PROJECT_ROOT, Settings

PHONE_TYPED, PHONE = "0912 345 678", "0912345678"
NAME_TYPED, NAME = "nguyễn văn an", "Nguyễn Văn An"


class CollectingBroker:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


def user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9},
                       parse_data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})


def ask(slot: str | None) -> list:
    return [ActionExecuted("ticket_form"), SlotSet("requested_slot", slot), ActionExecuted("action_listen")]


# One booking, turn by turn: the events Rasa adds to the tracker at each turn (simplified, same kinds).
BOOKING_TURNS = [
    [ActionExecuted("action_session_start"), ActionExecuted("action_listen"), user("đặt vé bảo tàng", "book_ticket"),
     ActionExecuted("action_start_booking"), SlotSet("booking_open", True), *ask("visitor_name")],
    [user(NAME_TYPED), ActionExecuted("validate_ticket_form"), SlotSet("visitor_name", NAME_TYPED),
     SlotSet("visitor_name", NAME), *ask("visitor_phone")],
    [user(PHONE_TYPED), ActionExecuted("validate_ticket_form"), SlotSet("visitor_phone", PHONE_TYPED),
     SlotSet("visitor_phone", PHONE), ActionExecuted("ticket_form"), SlotSet("requested_slot", None),
     ActionExecuted("action_booking_summary"), BotUttered(f"👤 {NAME}, {PHONE}", metadata={"name": NAME,
                                                                                       "phone": PHONE}),
     ActionExecuted("action_listen")],
    [user("/affirm", "affirm"), ActionExecuted("action_confirm_booking"), BotUttered("Đặt vé thành công: AB3DE7"),
     SlotSet("booking_code", "AB3DE7"), ActionExecuted("action_listen")],
]


async def play(store, sender: str, turns: list[list]) -> list[dict[str, Any]]:
    """Each turn as Rasa runs it: the tracker read back from the store, the turn's events, saved; returns the
    personal slots as the next turn would find them."""
    seen = []
    for events in turns:
        tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        again = await store.retrieve(sender)
        seen.append({slot: again.get_slot(slot) for slot in ("visitor_name", "visitor_phone", "booking_code")})
    return seen


def stored_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("select sender_id, type_name, intent_name, action_name, data from events "
                                  "order by id").fetchall()


def readable(value: Any) -> Any:
    """A column as a person would read it: Rasa keeps events as JSON with non-ASCII letters escaped."""
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)
    return value


def everything_stored(path: Path) -> str:
    """Every row of every table of the store, as readable text."""
    with sqlite3.connect(path) as connection:
        tables = [name for (name,) in connection.execute("select name from sqlite_master where type = 'table'")]
        return "\n".join(json.dumps([readable(value) for value in row], ensure_ascii=False) for table in tables
                         for row in connection.execute(f"select * from {table}"))


@pytest.mark.asyncio
async def test_without_personal_data_it_stores_what_rasa_stores(tmp_path, domain):
    turns = [[ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
              user("giới thiệu Yên Tử", "ask_place_info"), ActionExecuted("action_place_info"),
              BotUttered("Yên Tử ...", metadata={"utter_action": "utter_place_card"}), SlotSet("place_id", "yen-tu"),
              ActionExecuted("action_listen")],
             [user("mấy giờ mở cửa", "ask_opening_hours"), ActionExecuted("action_opening_hours"),
              BotUttered("Giờ mở cửa ...", metadata={"utter_action": "utter_place_hours_unknown"}),
              ActionExecuted("action_listen")]]
    ours = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'ours.db'}")
    rasas = SQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'rasa.db'}")
    for store in (ours, rasas):
        await play(store, "visitor-1", turns)
    assert stored_rows(tmp_path / "ours.db") == stored_rows(tmp_path / "rasa.db")
    mine, theirs = await ours.retrieve("visitor-1"), await rasas.retrieve("visitor-1")
    assert mine.current_state() == theirs.current_state()


@pytest.mark.asyncio
async def test_the_form_reads_name_and_phone_back_until_the_booking_holds_them(tmp_path, domain):
    broker = CollectingBroker()
    store = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'c.db'}", event_broker=broker)
    seen = await play(store, "visitor-2", BOOKING_TURNS)
    assert seen[1]["visitor_name"] == NAME  # the next turn's form finds the name it was given
    assert seen[2] == {"visitor_name": NAME, "visitor_phone": PHONE, "booking_code": None}  # the summary's
    assert seen[3] == {"visitor_name": None, "visitor_phone": None, "booking_code": "AB3DE7"}
    stored = everything_stored(tmp_path / "c.db")
    published = json.dumps(broker.published, ensure_ascii=False)
    for text in (stored, published):
        for personal in (PHONE, PHONE_TYPED, "345 678", NAME, NAME_TYPED, "Văn An"):
            assert personal.lower() not in text.lower()
        assert MASK in text and "AB3DE7" in text and "đặt vé bảo tàng" in text
    assert [e["event"] for e in broker.published].count("user") == 4


@pytest.mark.asyncio
async def test_a_dropped_or_abandoned_form_leaves_nothing_behind(tmp_path, domain):
    store = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'c.db'}")
    dropped = [*BOOKING_TURNS[:3], [user("/deny", "deny"), ActionExecuted("action_drop_booking"),
                                    SlotSet("visitor_name", None), SlotSet("visitor_phone", None),
                                    ActionExecuted("action_listen")]]
    assert (await play(store, "visitor-3", dropped))[-1]["visitor_phone"] is None
    await play(store, "visitor-4", BOOKING_TURNS[:3])
    with sqlite3.connect(tmp_path / "c.db") as connection:
        assert connection.execute("select count(*) from pending_personal_data").fetchone() == (2,)
        # visitor-4 went quiet for longer than a session: the form's answers are not kept for ever
        connection.execute("update pending_personal_data set stored_at = ?", (time.time() - 2 * 3600,))
    tracker = await store.retrieve("visitor-4")
    assert tracker.get_slot("visitor_phone") is None
    await play(store, "visitor-5", BOOKING_TURNS[:2])  # any write of the form's answers sweeps the stale ones
    assert PHONE not in everything_stored(tmp_path / "c.db")


@pytest.mark.asyncio
async def test_numbers_typed_anywhere_are_masked_and_ordinary_ones_kept(tmp_path, domain):
    assert mask_numbers("gọi 0912.345.678 hoặc +84 912 345 678, CCCD 001099012345") == \
        f"gọi {MASK} hoặc {MASK}, CCCD {MASK}"
    kept = "2 vé ngày 12/10/2025 lúc 08:00-10:00, 40.000 đ, mã AB3DE7"
    assert mask_numbers(kept) == kept
    store = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'c.db'}")
    await play(store, "visitor-6", [[ActionExecuted("action_listen"), user("sđt tôi 0987654321 gọi lại nhé")]])
    assert "0987654321" not in everything_stored(tmp_path / "c.db")


def test_conversations_stay_beside_the_database_a_bot_was_given(tmp_path):
    settings = Settings.from_env({"QN_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    assert conversations_url(settings, {}) == f"sqlite:///{tmp_path / 'conversations.db'}"
    shipped = Settings.from_env({})
    assert conversations_url(shipped, {}) == f"sqlite:///{PROJECT_ROOT / 'var' / 'conversations.db'}"
    assert conversations_url(shipped, {"QN_CONVERSATIONS_URL": "postgresql://x/y"}) == "postgresql://x/y"


@pytest.mark.asyncio
async def test_turns_saved_at_once_are_stored_as_one_by_one_each_told_its_last_row(tmp_path, domain):
    """Conversations saving together share the writer's transactions (bot/conversations/writer.py): the rows are
    Rasa's, each conversation's in its order, and each save knows the last row it wrote."""
    turns = [[ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
              user("giới thiệu Yên Tử", "ask_place_info"), ActionExecuted("action_place_info"),
              BotUttered("Yên Tử ...", metadata={"utter_action": "utter_place_card"}), ActionExecuted("action_listen")],
             [user("mấy giờ mở cửa", "ask_opening_hours"), ActionExecuted("action_opening_hours"),
              BotUttered("Giờ mở cửa ..."), ActionExecuted("action_listen")]]
    together = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'together.db'}")
    alone = SQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'alone.db'}")
    senders = [f"visitor-{n}" for n in range(8)]
    last_rows: list[int | None] = []
    for store in (together, alone):
        for events in turns:
            trackers = [await store.get_or_create_tracker(sender, append_action_listen=False) for sender in senders]
            for tracker in trackers:
                for event in events:
                    tracker.update(event)

            async def save(tracker: Any, store: Any = store) -> int | None:
                await store.save(tracker)
                saved = store.last_save(tracker.sender_id) if store is together else None
                return saved.last_row if saved is not None else None

            told = await asyncio.gather(*(save(tracker) for tracker in trackers))
            last_rows = told if store is together else last_rows
    with sqlite3.connect(tmp_path / "together.db") as connection:
        newest = "select max(id) from events where sender_id = ?"
        assert last_rows == [connection.execute(newest, (sender,)).fetchone()[0] for sender in senders]
    for sender in senders:
        assert [row for row in stored_rows(tmp_path / "together.db") if row[0] == sender] == \
            [row for row in stored_rows(tmp_path / "alone.db") if row[0] == sender]
    assert together.last_save("somebody-else") is None


@pytest.mark.asyncio
async def test_a_failed_save_tells_no_rows_so_the_next_message_reads_the_store(tmp_path, domain, monkeypatch):
    """bounded_history builds the next message's tracker from the rows a save says it wrote: a save whose write
    fails (Rasa's fail-safe store logs it and goes on) must say none, not the rows of the save before it."""
    from rasa.core.tracker_store import FailSafeTrackerStore

    from bot.conversations import store as conversation_store

    store = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'conversations.db'}")
    tracker = await store.get_or_create_tracker("visitor", append_action_listen=False)
    for event in [ActionExecuted("action_listen"), user("giới thiệu Yên Tử", "ask_place_info"),
                  ActionExecuted("action_place_info"), BotUttered("Yên Tử ...")]:
        tracker.update(event)
    await FailSafeTrackerStore(store).save(tracker)
    saved = store.last_save("visitor")
    assert saved is not None and len(saved.data) == 4

    class DatabaseDown:
        async def write(self, _work: Any) -> None:
            raise RuntimeError("database down")

    monkeypatch.setattr(conversation_store, "writer_for", lambda _engine: DatabaseDown())
    for event in [ActionExecuted("action_listen"), user("mấy giờ mở cửa", "ask_opening_hours"),
                  ActionExecuted("action_opening_hours"), BotUttered("Giờ mở cửa ...")]:
        tracker.update(event)
    await FailSafeTrackerStore(store).save(tracker)
    assert store.last_save("visitor") is None


def test_a_failing_write_fails_alone_and_the_others_of_its_batch_are_written(tmp_path):
    import sqlalchemy as sa

    from bot.conversations.writer import ConversationWriter

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("create table t (n integer primary key)"))
    writer = ConversationWriter(engine)
    gate = threading.Event()
    first = writer.submit(lambda connection: gate.wait(5))  # holds the writer while the next ones queue up
    futures = [writer.submit(lambda connection, n=n: connection.execute(sa.text("insert into t values (:n)"),
                                                                        {"n": 1 if n == 2 else n}) and n)
               for n in range(1, 5)]
    gate.set()
    assert first.result(5) is True
    assert [future.exception(5) is None for future in futures] == [True, False, True, True]
    assert [future.result() for i, future in enumerate(futures) if i != 1] == [1, 3, 4]
    writer.flush(5)
    assert writer.batches >= 2 and writer.jobs == 6  # the four queued went in as one batch first
    with engine.connect() as connection:
        assert [n for (n,) in connection.execute(sa.text("select n from t order by n"))] == [1, 3, 4]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(value=st.dictionaries(st.sampled_from(["event", "timestamp", "text", "parse_data", "value", "name"]),
                             _JSON_VALUES, min_size=1))
def test_a_stored_row_reads_back_as_json_reads_it(value):
    """Any row as Rasa writes it (json.dumps of an event's dict: floats, big integers, any text): the fast read
    gives exactly json's values and types, so the tracker built from the rows is the one Rasa's read builds."""
    data = json.dumps(value)
    assert repr(row_data(data)) == repr(json.loads(data))
