"""Action tests run the real action code against a real (SQLite) knowledge base and the real domain."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from bot.knowledge import load_knowledge
from bot.settings import PROJECT_ROOT
from tests.conftest import KNOWLEDGE_DIR


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain")).as_dict()


@pytest.fixture
def knowledge_db(tmp_path, monkeypatch):
    """Point the action server's knowledge base at a fresh database loaded from knowledge/."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("QN_DATABASE_URL", url)
    base.knowledge_base.cache_clear()
    from bot.db import get_engine

    load_knowledge(get_engine(url), KNOWLEDGE_DIR)
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
