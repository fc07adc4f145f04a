"""A staff load makes the action server rebuild its procedure index for the new version. Compiling the
vocabulary's phrase patterns is most of that build (about 4.8 s of it on these machines), so the patterns are kept
across builds: the rebuild compiles only the phrases staff added, and the running bot answers with them."""
from __future__ import annotations

from pathlib import Path

from bot.knowledge import KnowledgeBase, load_knowledge, retrieval

BIRTH = "dang-ky-khai-sinh"
NEW_SAYING = "giấy mừng bé chào đời"  # not in the shipped vocabulary: what a staff member adds


def _found(kb: KnowledgeBase, text: str) -> str | None:
    match = kb.find_procedure(text)
    return match.procedure.id if match.procedure else None


def test_a_staff_load_rebuilds_the_index_compiling_only_the_phrases_it_adds(engine, knowledge_copy: Path):
    load_knowledge(engine, knowledge_copy)
    kb = KnowledgeBase(engine)
    question = f"làm {NEW_SAYING} cho con ở đâu"
    before_the_load = _found(kb, question)
    assert before_the_load != BIRTH, "the test's saying must be new to the vocabulary"
    first_index = kb.procedure_index()

    terms = knowledge_copy / "procedure_terms.yml"
    shipped = terms.read_text(encoding="utf-8")
    entry = "  - means: khai sinh\n    say: ["
    assert entry in shipped
    terms.write_text(shipped.replace(entry, entry + NEW_SAYING + ", ", 1), encoding="utf-8")
    compiled = retrieval._phrase_pattern.cache_info().misses
    load_knowledge(engine, knowledge_copy)

    assert _found(kb, question) == BIRTH  # the running knowledge base answers with the new saying
    assert kb.procedure_index() is not first_index
    new_patterns = retrieval._phrase_pattern.cache_info().misses - compiled
    # The new saying's few forms (exact, gapped, typed with or without its diacritics), not the 8,900 again.
    assert 0 < new_patterns <= 8, new_patterns
