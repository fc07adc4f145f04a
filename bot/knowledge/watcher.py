"""The knowledge version and the gazetteer built from it, kept fresh by a background thread.

Rasa runs NLU on its one event loop; asking the database there (every 2 s, for a staff load) would stall every
conversation while the database is slow. The watcher asks in a thread of its own and the NLU reads its latest
snapshot, which never waits, except for the very first one (there is nothing to serve before it). One watcher per
database, and `knowledge_snapshot()` the one way to it: the gazetteer component (bot/nlu/gazetteer.py) and the NLU
cache (bot/serving.py) both read their version there, so the Rasa server polls in one place; a poll reads the
version once (KnowledgeBase.version, the one query of it) and builds the names of that same version. The action
server does not poll: each action asks for the version once (KnowledgeBase.consistent_reads), so a load is seen by
the next action at once. Replicas (`make prod`) need nothing more: each polls the same database, whose latest load's
id is the version, so a staff load reaches every replica within one poll (tests/production/test_replicas.py checks
it).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from bot.knowledge.gazetteer import Gazetteer

logger = logging.getLogger(__name__)
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class KnowledgeSnapshot:
    version: int | None  # None: nothing loaded yet (or the database is unreachable)
    gazetteer: Gazetteer | None


class KnowledgeWatcher:
    def __init__(self, database_url: str, poll_seconds: float = POLL_SECONDS):
        self._database_url, self._poll_seconds = database_url, poll_seconds
        self._snapshot: KnowledgeSnapshot | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def snapshot(self) -> KnowledgeSnapshot:
        """The latest names and version; reads the database only the first time."""
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._read(None)
                    self._start()
            snapshot = self._snapshot
        return snapshot

    def refresh(self) -> KnowledgeSnapshot:
        """Read the database now (what the background thread does every poll)."""
        self._snapshot = self._read(self._snapshot)
        return self._snapshot

    def stop(self) -> None:
        self._stop.set()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._poll, name="knowledge-watcher", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self.refresh()

    def _read(self, previous: KnowledgeSnapshot | None) -> KnowledgeSnapshot:
        try:
            knowledge = _knowledge_base(self._database_url)
            with knowledge.consistent_reads():  # the names built below are of the version read here
                version = knowledge.current_version()
                if previous is not None and previous.version == version and previous.gazetteer is not None:
                    return previous
                return KnowledgeSnapshot(version, knowledge.gazetteer())
        except Exception as error:  # noqa: BLE001 - no knowledge yet: NLU still works, without these names
            if previous is None or previous.gazetteer is None:
                logger.warning("knowledge base unavailable for entity look-up (%s); run `qn-staff load`",
                               type(error).__name__)
            return previous or KnowledgeSnapshot(None, None)


@lru_cache(maxsize=8)
def _knowledge_base(database_url: str):  # noqa: ANN202 - KnowledgeBase, imported late (it imports this module's siblings)
    from bot.db import get_engine
    from bot.knowledge.repository import KnowledgeBase

    return KnowledgeBase(get_engine(database_url))


@lru_cache(maxsize=8)
def watcher_for(database_url: str) -> KnowledgeWatcher:
    """The one watcher of a database, started on first use."""
    return KnowledgeWatcher(database_url)


def knowledge_snapshot(database_url: str) -> KnowledgeSnapshot:
    """The latest version of the knowledge in `database_url` and its names, as the watcher last read them."""
    return watcher_for(database_url).snapshot()
