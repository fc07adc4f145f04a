"""Action tests run the real action code against a real (SQLite) knowledge base and the real domain."""
from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from bot.knowledge import load_knowledge
from bot.settings import PROJECT_ROOT
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def rasa_domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain"))


@pytest.fixture(scope="session")
def domain(rasa_domain) -> dict[str, Any]:
    return rasa_domain.as_dict()


def copy_database(source: Path, target: Path) -> None:
    """A private copy of an SQLite database (SQLite's backup: whole, whatever its journal mode)."""
    with contextlib.closing(sqlite3.connect(source)) as original, contextlib.closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


@pytest.fixture(scope="session")
def loaded_knowledge(tmp_path_factory) -> Path:
    """knowledge/ loaded once, into an SQLite file that each test's knowledge_db copies."""
    from bot.db import get_engine

    path = tmp_path_factory.mktemp("loaded-knowledge") / "knowledge.db"
    load_knowledge(get_engine(f"sqlite:///{path}"), KNOWLEDGE_DIR)
    return path


@pytest.fixture(scope="session")
def loaded_bookable(tmp_path_factory):
    """knowledge/ loaded once with a trial schedule (booking open), into an SQLite file each bookable_db copies."""
    from bot.db import get_engine
    from bot.knowledge.trial import parse_trial, save_trial

    folder = tmp_path_factory.mktemp("loaded-bookable")
    trial = folder / "trial.json"
    save_trial(trial, parse_trial("08:00-10:00,10:00-12:00,14:00-16:00", "50"))
    load_knowledge(get_engine(f"sqlite:///{folder / 'form.db'}"), KNOWLEDGE_DIR, trial)
    return folder / "form.db"


@pytest.fixture
def knowledge_db(tmp_path, monkeypatch, loaded_knowledge):
    """Point the action server's knowledge base at a fresh database loaded from knowledge/ (a copy of the one
    loaded for the session: the same load, a database of the test's own)."""
    copy_database(loaded_knowledge, tmp_path / "actions.db")
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("QN_DATABASE_URL", url)
    base.knowledge_base.cache_clear()
    yield url
    base.knowledge_base.cache_clear()


def make_tracker(text: str = "", intent: str = "", ranking: list[tuple[str, float]] = (), language: str = "vi",
                 entities: list[dict] = (), sender: str = "tester") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": ranking[0][1] if ranking else 1.0},
              "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": list(entities)}
    return Tracker(sender, {"language": language}, latest, [], False, None, {}, "action_listen")


async def run_action(action, tracker: Tracker, domain: dict) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


async def rendered(messages: list[dict], rasa_domain, language: str = "vi", channel: str = "rest") -> list[dict]:
    """What a user of `channel` receives for an action's messages: Rasa's own rendering of each response (its
    variation for the `language` slot and the channel, its {variables} filled), as the Rasa server does it."""
    import copy

    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    class Channel(CollectingOutputChannel):
        @classmethod
        def name(cls) -> str:
            return channel

    tracker = DialogueStateTracker.from_events("tester", [SlotSet("language", language)], slots=rasa_domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(rasa_domain.responses)
    uttered = await RemoteAction._utter_responses(copy.deepcopy(messages), Channel(), nlg, tracker)
    return [{"text": event.text, **{k: v for k, v in event.data.items() if v}} for event in uttered]
