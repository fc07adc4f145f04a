"""The recorded conversations (tests/data/trackers/long_*.json, bench/record_conversations.py) that the serving
tests replay through the trained model, and the tracker stores they are replayed on."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

RECORDED = sorted((PROJECT_ROOT / "tests" / "data" / "trackers").glob("long_*.json"))
MESSAGES = 45  # of each recorded conversation: the window is cut about every four messages from the 8th on


def store_of_kind(kind: str, agent, workdir: Path) -> Any:
    """A fresh tracker store: Rasa's in-memory one ("memory"), Rasa's SQL one ("sql") or the project's masking
    SQL store ("masking"), each SQL one on a SQLite file of its own in `workdir`."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    from bot.conversations.store import MaskingSQLTrackerStore

    database = workdir / f"{kind}-{time.time_ns()}.db"
    if kind == "memory":
        return InMemoryTrackerStore(agent.domain)
    store_class = SQLTrackerStore if kind == "sql" else MaskingSQLTrackerStore
    store = store_class(agent.domain, dialect="sqlite", db=str(database))
    # Test speed only: SQLite does not wait for the disk at each commit (what is stored is the same).
    sa.event.listen(store.engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=OFF"))
    store.engine.dispose()
    return store


def use_store(agent, store) -> None:
    """The agent and its processor keep conversations in `store` from now on (as if loaded with it)."""
    from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore

    agent.tracker_store = agent.processor.tracker_store = AwaitableTrackerStore(FailSafeTrackerStore(store))
    agent.processor.__dict__.pop("_qn_history", None)
