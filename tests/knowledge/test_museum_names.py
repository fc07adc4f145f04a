"""What staff write as the museum's aliases in museum.yml is recognised in messages, not only sites.yml's names."""
from __future__ import annotations

import shutil

import yaml
from sqlalchemy import create_engine

from bot.knowledge import KnowledgeBase, load_knowledge
from tests.conftest import KNOWLEDGE_DIR


def test_an_alias_added_to_the_museum_file_names_the_museum(tmp_path):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    museum_file = knowledge / "museum.yml"
    document = yaml.safe_load(museum_file.read_text(encoding="utf-8"))
    document["museum"]["aliases"].append("Nhà Ngọc Đen")
    museum_file.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    engine = create_engine(f"sqlite:///{tmp_path / 'k.db'}", future=True)
    load_knowledge(engine, knowledge)
    gazetteer = KnowledgeBase(engine).gazetteer()
    museum = document["museum"]["id"]
    for text in ("nha ngoc den mo cua may gio", "mua 2 vé BT QN thứ 7", "mua ve bt qn sang thu sau"):
        assert ("place", museum) in {(m.entity, m.value) for m in gazetteer.find(text)}, text
