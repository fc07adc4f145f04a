"""The knowledge watcher: NLU reads the latest names without ever waiting for the database."""
from __future__ import annotations

import threading
import time

import yaml

from bot.db import get_engine
from bot.knowledge import load_knowledge
from bot.knowledge.repository import KnowledgeBase
from bot.knowledge.watcher import KnowledgeWatcher


def test_a_staff_load_reaches_the_snapshot_from_the_background(tmp_path, knowledge_copy):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    load_knowledge(get_engine(url), knowledge_copy)
    watcher = KnowledgeWatcher(url, poll_seconds=0.05)
    first = watcher.snapshot()
    assert first.version is not None and first.gazetteer.find("Yên Tử ở đâu")
    sites = knowledge_copy / "sites.yml"
    document = yaml.safe_load(sites.read_text(encoding="utf-8"))
    document["sites"][0]["aliases"] = [*document["sites"][0].get("aliases", []), "Chốn Tổ Mới Thêm"]
    sites.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    load_knowledge(get_engine(url), knowledge_copy)
    deadline = time.monotonic() + 30
    while watcher.snapshot().version == first.version and time.monotonic() < deadline:
        time.sleep(0.05)
    watcher.stop()
    assert watcher.snapshot().version != first.version
    assert watcher.snapshot().gazetteer.find("Chốn Tổ Mới Thêm ở đâu")


def test_a_stuck_database_never_holds_up_a_reader(tmp_path, knowledge_copy, monkeypatch):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    load_knowledge(get_engine(url), knowledge_copy)
    watcher = KnowledgeWatcher(url, poll_seconds=0.01)
    names = watcher.snapshot().gazetteer
    stuck, entered = threading.Event(), threading.Event()
    real_version = KnowledgeBase.version

    def hung_version(self):
        entered.set()
        stuck.wait(60)  # the database answers only when the test lets it
        return real_version(self)

    monkeypatch.setattr(KnowledgeBase, "version", hung_version)
    assert entered.wait(30)  # the background poll is now stuck in the database
    answers = []
    reader = threading.Thread(target=lambda: answers.extend(watcher.snapshot() for _ in range(1000)))
    reader.start()
    reader.join(timeout=20)
    stuck.set()
    watcher.stop()
    assert not reader.is_alive() and len(answers) == 1000
    assert all(answer.gazetteer is names for answer in answers)  # the names of the last good read


def test_a_poll_asks_for_the_version_once_and_its_names_are_of_that_version(tmp_path, knowledge_copy, monkeypatch):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    load_knowledge(get_engine(url), knowledge_copy)
    asked = []
    real_version = KnowledgeBase.version

    def counted_version(self):
        asked.append(1)
        return real_version(self)

    monkeypatch.setattr(KnowledgeBase, "version", counted_version)
    watcher = KnowledgeWatcher(url, poll_seconds=3600)  # polled by hand below
    first = watcher.snapshot()
    assert first.gazetteer.version == first.version
    load_knowledge(get_engine(url), knowledge_copy)
    asked.clear()
    second = watcher.refresh()
    watcher.stop()
    assert len(asked) == 1  # the new names are built under the version the poll read, not read again
    assert second.version != first.version and second.gazetteer.version == second.version
