"""Staff load the knowledge files; a broken file is refused with a precise message and changes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge import KnowledgeBase, KnowledgeValidationError, load_knowledge, read_knowledge
from bot.knowledge.models import Site
from tests.conftest import KNOWLEDGE_DIR


def edit_yaml(path: Path, change) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def site_ids(engine) -> set[str]:
    with Session(engine) as session:
        return set(session.execute(select(Site.id)).scalars())


def test_the_real_knowledge_files_are_valid_and_load_completely(engine):
    files = {name: yaml.safe_load((KNOWLEDGE_DIR / name).read_text(encoding="utf-8"))
             for name in ("sites.yml", "procedures.yml", "contacts.yml")}
    version, bundle = load_knowledge(engine, KNOWLEDGE_DIR)
    stats = KnowledgeBase(engine).stats()
    assert stats.version == version
    assert stats.sites == len(files["sites.yml"]["sites"])
    assert stats.procedures == len(files["procedures.yml"]["procedures"])
    assert stats.museum
    assert len(KnowledgeBase(engine).contacts()) == len(files["contacts.yml"]["contacts"])


def test_every_record_names_its_source():
    bundle = read_knowledge(KNOWLEDGE_DIR)
    for record in [*bundle.sites, *bundle.procedures, *bundle.contacts, bundle.museum]:
        assert record["source"] and all(url.startswith("http") for url in record["source"]), record["id"]


def _load_then_break(engine, knowledge_copy, breaker) -> KnowledgeValidationError:
    load_knowledge(engine, knowledge_copy)
    before = site_ids(engine)
    version_before = KnowledgeBase(engine).version()
    breaker(knowledge_copy)
    with pytest.raises(KnowledgeValidationError) as caught:
        load_knowledge(engine, knowledge_copy)
    assert site_ids(engine) == before, "a refused load must leave the database as it was"
    assert KnowledgeBase(engine).version() == version_before
    return caught.value


def test_broken_yaml_names_the_file_and_line(engine, knowledge_copy):
    def breaker(folder: Path) -> None:
        path = folder / "sites.yml"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines.insert(len(lines) // 2, "  - id: [unclosed")
        path.write_text("\n".join(lines), encoding="utf-8")

    error = _load_then_break(engine, knowledge_copy, breaker)
    assert any(e.file == "sites.yml" and e.line and "not valid YAML" in str(e) for e in error.errors)


def test_a_missing_required_field_names_the_record_and_field(engine, knowledge_copy):
    def breaker(folder: Path) -> None:
        edit_yaml(folder / "sites.yml", lambda d: d["sites"][2].pop("intro_vi"))

    error = _load_then_break(engine, knowledge_copy, breaker)
    site = yaml.safe_load((knowledge_copy / "sites.yml").read_text(encoding="utf-8"))["sites"][2]
    [problem] = error.errors
    assert (problem.file, problem.record, problem.record_id, problem.field) == ("sites.yml", 3, site["id"], "intro_vi")
    assert f"record 3 (id: {site['id']}), field 'intro_vi'" in str(problem)


def test_a_duplicate_id_is_refused(engine, knowledge_copy):
    def breaker(folder: Path) -> None:
        edit_yaml(folder / "procedures.yml", lambda d: d["procedures"].append(dict(d["procedures"][0])))

    error = _load_then_break(engine, knowledge_copy, breaker)
    [problem] = error.errors
    assert problem.field == "id" and "duplicate id: record 1" in problem.message


def test_a_wrong_type_is_refused(engine, knowledge_copy):
    def breaker(folder: Path) -> None:
        def change(d):
            d["museum"]["ticket_types"][0]["price_vnd"] = "40.000đ"
        edit_yaml(folder / "museum.yml", change)

    error = _load_then_break(engine, knowledge_copy, breaker)
    [problem] = error.errors
    assert problem.file == "museum.yml" and problem.field == "ticket_types"
    assert "item 1 (id: adult), field 'price_vnd': must be a whole number" in str(problem)


def test_a_misspelt_field_and_a_bad_choice_are_both_reported(engine, knowledge_copy):
    def breaker(folder: Path) -> None:
        def change(d):
            d["sites"][0]["adress"] = "typo"
            d["sites"][1]["kind"] = "chua"
        edit_yaml(folder / "sites.yml", change)

    error = _load_then_break(engine, knowledge_copy, breaker)
    assert {(e.record, e.field) for e in error.errors} == {(1, "adress"), (2, "kind")}


def test_a_missing_file_is_refused_not_treated_as_empty(engine, knowledge_copy):
    error = _load_then_break(engine, knowledge_copy, lambda folder: (folder / "procedures.yml").unlink())
    assert error.errors[0].file == "procedures.yml" and "missing" in error.errors[0].message


def test_a_new_load_is_seen_by_a_running_reader_without_restart(engine, knowledge_copy):
    load_knowledge(engine, knowledge_copy)
    reader = KnowledgeBase(engine)  # stands for the running action server
    contacts_before = reader.contacts()
    sites_before = reader.stats().sites

    def change(d):
        d["sites"].pop()
    edit_yaml(knowledge_copy / "sites.yml", change)
    edit_yaml(knowledge_copy / "contacts.yml", lambda d: d["contacts"].pop())
    load_knowledge(engine, knowledge_copy)

    assert reader.stats().sites == sites_before - 1
    assert len(reader.contacts()) == len(contacts_before) - 1


def test_one_answer_reads_one_load_and_the_next_answer_sees_the_new_one(engine, knowledge_copy):
    """A staff load landing while an action is answering does not mix into that answer; the next answer
    sees it."""
    load_knowledge(engine, knowledge_copy)
    reader = KnowledgeBase(engine)
    edit_yaml(knowledge_copy / "contacts.yml", lambda d: d["contacts"].pop())
    with KnowledgeBase.consistent_reads():
        before = len(reader.contacts())
        load_knowledge(engine, knowledge_copy)
        assert len(reader.contacts()) == before
    assert len(reader.contacts()) == before - 1


def test_ids_sent_by_users_do_not_grow_the_cache(engine, knowledge_copy):
    load_knowledge(engine, knowledge_copy)
    reader = KnowledgeBase(engine)
    real = sorted(site_ids(engine))[0]
    assert reader.place_card(real).id == real
    size = len(reader._cache)
    for n in range(300):
        assert reader.place_card(f"forged-{n}") is None and reader.procedure(f"forged-{n}") is None
    assert len(reader._cache) == size


def test_questions_arriving_together_after_a_staff_load_build_the_procedure_index_once(engine, knowledge_copy):
    """The action server answers in worker threads: after a start or a staff load, the questions that arrive while
    the index is being built wait for that one build, not each build it again on the same cores."""
    import threading
    import time

    from bot.knowledge.retrieval import BM25Index

    builds: list[int] = []

    def counted_ranker(documents):
        builds.append(len(documents))
        time.sleep(0.2)  # a build long enough for the others to arrive during it
        return BM25Index(documents)

    load_knowledge(engine, knowledge_copy)
    reader = KnowledgeBase(engine, ranker=counted_ranker)
    for load in range(2):
        if load:
            edit_yaml(knowledge_copy / "contacts.yml", lambda document: document["contacts"].pop())
            load_knowledge(engine, knowledge_copy)
        found: list[object] = []
        askers = [threading.Thread(target=lambda: found.append(reader.procedure_index())) for _ in range(8)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
        assert len(builds) == load + 1 and len(found) == 8 and all(index is found[0] for index in found)
    assert reader._building == {}


def test_a_worker_forked_while_an_index_was_being_built_builds_it_instead_of_waiting_forever(engine, knowledge_copy):
    """With ACTION_SERVER_SANIC_WORKERS above 1, Sanic forks the action server: a worker forked mid-build holds the
    build's entry but not the thread that would end it."""
    import os
    import threading

    load_knowledge(engine, knowledge_copy)
    reader = KnowledgeBase(engine)
    reader._building["procedure_index"] = (threading.Event(), os.getpid() + 1)  # as the parent left it
    found: list[object] = []
    asker = threading.Thread(target=lambda: found.append(reader.procedure_index()), daemon=True)
    asker.start()
    asker.join(timeout=60)
    assert found and reader.procedure_index() is found[0]
