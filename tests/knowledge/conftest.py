"""What the procedure-search tests share: the national portal's real records, imported once per test session, and
the search's first choice for a question."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine

from bot.knowledge import load_knowledge
from bot.knowledge.portal_import import import_portal
from bot.knowledge.repository import KnowledgeBase
from tests.conftest import KNOWLEDGE_DIR

REAL_DATA = Path(os.environ.get("QN_DVC_DATA") or Path(__file__).parents[3] / "shared" / "data" / "dvc")


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[KnowledgeBase]:
    """The portal's 2,642 records and the bot's own vocabulary (skipped where ../shared/data/dvc is absent). Modules
    searching a few records of their own define a `portal` of their own."""
    if not (REAL_DATA / "records").is_dir():
        pytest.skip(f"the portal's records are not at {REAL_DATA}")
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('portal') / 'portal.db'}", future=True)
    import_portal(engine, REAL_DATA)
    load_knowledge(engine, KNOWLEDGE_DIR)
    yield KnowledgeBase(engine)
    engine.dispose()


def code_found(kb: KnowledgeBase, question: str) -> str | None:
    """The national code of the search's first choice for a question (taken at once, or first offered)."""
    best = kb.find_procedure(question).best
    guide = kb.procedure(best.id) if best else None
    return guide.code if guide else None
