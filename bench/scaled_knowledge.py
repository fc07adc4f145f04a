"""Shared by the benchmarks: the real knowledge files plus synthetic records, loaded into a fresh SQLite."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.knowledge import KnowledgeBase, load_knowledge  # noqa: E402


def scaled_knowledge(workdir: Path, file: str, key: str, make_extra) -> tuple[KnowledgeBase, list[dict]]:
    """Copy knowledge/ to `workdir`, append `make_extra(real_records)` to `file`'s list `key`, load it all.
    Returns the knowledge base and the real records."""
    folder = workdir / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    document = yaml.safe_load((folder / file).read_text(encoding="utf-8"))
    real = document[key]
    document[key] = real + make_extra(real)
    (folder / file).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    engine = create_engine(f"sqlite:///{workdir / 'bench.db'}", future=True)
    load_knowledge(engine, folder)
    return KnowledgeBase(engine), real
