"""The production database: the same load, the same all-or-nothing refusal, on PostgreSQL."""
from __future__ import annotations

import pytest
import yaml

from bot.knowledge import KnowledgeBase, KnowledgeValidationError, load_knowledge

pytestmark = pytest.mark.postgres


def test_knowledge_loads_on_postgres_and_a_bad_file_changes_nothing(postgres_engine, knowledge_copy):
    load_knowledge(postgres_engine, knowledge_copy)
    reader = KnowledgeBase(postgres_engine)
    before = reader.stats()
    assert before.sites > 0 and before.procedures > 0 and before.museum

    path = knowledge_copy / "procedures.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["procedures"][0]["online_level"] = "online"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeValidationError) as caught:
        load_knowledge(postgres_engine, knowledge_copy)
    assert caught.value.errors[0].field == "online_level"
    assert reader.stats() == before

    document["procedures"][0]["online_level"] = "một phần"
    document["procedures"].pop()
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    load_knowledge(postgres_engine, knowledge_copy)
    assert reader.stats().procedures == before.procedures - 1
