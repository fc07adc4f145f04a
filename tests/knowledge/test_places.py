"""Finding sites by what people type, generated from the knowledge files: every site, every spelling."""
from __future__ import annotations

import pytest
import yaml

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.places import category_of, strip_kind
from bot.text import fold, strip_diacritics
from tests.conftest import KNOWLEDGE_DIR

SITES = yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]


def short_form(site: dict) -> str:
    """The shortest alias people use (at least two words or 5 letters), or the name without its kind word."""
    aliases = [a for a in site.get("aliases", []) if len(a) >= 5 or " " in a]
    return min(aliases, key=len) if aliases else strip_kind(fold(site["name"]))


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('places') / 'k.db'}", future=True)
    load_knowledge(engine, KNOWLEDGE_DIR)
    return KnowledgeBase(engine)


@pytest.mark.parametrize("site", SITES, ids=[s["id"] for s in SITES])
def test_every_site_is_found_by_name_without_diacritics_and_by_short_form(knowledge, site):
    for text in (site["name"], strip_diacritics(site["name"]).lower(), short_form(site)):
        match = knowledge.resolve_place(text)
        assert match.place is not None and match.place.id == site["id"], (text, match)


@pytest.mark.parametrize("site", SITES, ids=[s["id"] for s in SITES])
def test_every_site_is_found_inside_a_question(knowledge, site):
    question = f"cho mình hỏi {strip_diacritics(site['name']).lower()} ở đâu vậy"
    match = knowledge.resolve_place(question)
    assert match.place is not None and match.place.id == site["id"]


def test_typos_find_the_site_or_offer_it_first(knowledge):
    match = knowledge.resolve_place("chua long tienn")
    assert (match.place and match.place.id == "chua-long-tien") or match.candidates[0].id == "chua-long-tien"


def test_an_ambiguous_name_offers_candidates_and_an_unknown_one_nothing(knowledge):
    ambiguous = knowledge.resolve_place("đền Trần")
    assert ambiguous.place is None and len(ambiguous.candidates) >= 2
    assert all("tran" in fold(c.name) for c in ambiguous.candidates)
    unknown = knowledge.resolve_place("tháp Eiffel")
    assert unknown.place is None and unknown.candidates == []


def test_a_bare_kind_is_a_category_unless_one_site_has_it(knowledge):
    assert knowledge.resolve_place("chùa").place is None
    assert knowledge.resolve_place("bảo tàng").place.kind == "bảo tàng"
    assert category_of("pagodas") == "chùa" and category_of("đình") == "đình" and category_of("xyz") is None


def test_lists_by_former_area_and_by_kind_page_by_page(knowledge):
    expected = sorted(s["id"] for s in SITES if s["former_area"] == "Đông Triều")
    assert knowledge.place_index().area("dong trieu") == "Đông Triều"
    first, total = knowledge.find_places("Đông Triều", None, 0, 5)
    rest, _ = knowledge.find_places("Đông Triều", None, 5, 5)
    assert total == len(expected) and sorted(p.id for p in first + rest) == expected
    pagodas, _ = knowledge.find_places(None, "chùa", 0, 100)
    assert {p.id for p in pagodas} == {s["id"] for s in SITES if s["kind"] == "chùa"}


def test_nearest_sites_are_sorted_by_distance(knowledge):
    located = [s for s in SITES if "lat" in s]
    if not located:
        pytest.skip("no site has coordinates in the knowledge files")
    target = located[0]
    nearest = knowledge.nearest_places(target["lat"] + 0.001, target["lon"], 3)
    assert nearest[0][0].id == target["id"] and nearest[0][1] < 0.5
    assert [d for _, d in nearest] == sorted(d for _, d in nearest)


def test_a_site_added_by_staff_is_found_after_a_load_without_retraining(knowledge_copy, engine):
    document = yaml.safe_load((knowledge_copy / "sites.yml").read_text(encoding="utf-8"))
    document["sites"].append({**document["sites"][0], "id": "chua-thu-nghiem", "name": "Chùa Thử Nghiệm",
                              "aliases": ["chùa Thử", "Test Pagoda"], "kind": "chùa"})
    (knowledge_copy / "sites.yml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    load_knowledge(engine, knowledge_copy)
    assert KnowledgeBase(engine).resolve_place("chua thu nghiem").place.id == "chua-thu-nghiem"
