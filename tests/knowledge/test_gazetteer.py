"""Entities found by the knowledge base's names: every site, with or without diacritics, inside a question."""
from __future__ import annotations

import pytest
import yaml

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.text import fold, strip_diacritics
from tests.conftest import KNOWLEDGE_DIR

SITES = yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]


@pytest.fixture(scope="module")
def gazetteer(tmp_path_factory):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('gaz') / 'k.db'}", future=True)
    load_knowledge(engine, KNOWLEDGE_DIR)
    return KnowledgeBase(engine).gazetteer()


def found(gazetteer, text):
    return {(m.entity, m.value) for m in gazetteer.find(text)}


@pytest.mark.parametrize("site", SITES, ids=[s["id"] for s in SITES])
def test_each_site_is_tagged_with_its_id_however_it_is_written(gazetteer, site):
    for name in (site["name"], strip_diacritics(site["name"]).lower()):
        text = f"cho hỏi {name} mở cửa mấy giờ"
        mentions = gazetteer.find(text)
        assert ("place", site["id"]) in {(m.entity, m.value) for m in mentions}, text
        mention = next(m for m in mentions if m.entity == "place")
        assert fold(text[mention.start:mention.end]) == fold(name)


def test_areas_kinds_and_procedures(gazetteer):
    assert found(gazetteer, "ở Đông Triều có chùa nào?") == {("area", "Đông Triều"), ("category", "chùa")}
    assert found(gazetteer, "o uong bi co dinh nao ko") == {("area", "Uông Bí"), ("category", "đình")}
    assert found(gazetteer, "list pagodas in Ha Long") == {("category", "chùa"), ("area", "Hạ Long")}
    assert ("procedure", "dang-ky-tam-tru") in found(gazetteer, "dk tam tru tren vneid the nao")


def test_a_word_typed_with_diacritics_must_be_spelt_like_the_name(gazetteer):
    assert found(gazetteer, "mình đến rồi") == set()  # "đến" (arrive) is not "đền" (temple)
    assert ("category", "đền") in found(gazetteer, "có đền nào ở Hạ Long")
    assert ("category", "đền") in found(gazetteer, "co den nao o ha long")  # without diacritics: either


def test_a_kind_word_with_a_name_close_to_sites_is_a_place(gazetteer):
    [mention] = gazetteer.find("giới thiệu đền Trần đi")
    assert (mention.entity, mention.value) == ("place", "đền Trần")  # several sites: the bot will ask which
    assert found(gazetteer, "có đền nào ở Hạ Long") == {("category", "đền"), ("area", "Hạ Long")}
    assert found(gazetteer, "chùa long tienn ở đâu") == {("place", "chua-long-tien")}


def test_ordinary_words_are_not_entities(gazetteer):
    assert found(gazetteer, "không, cái khác cơ") == set()
    assert found(gazetteer, "cảm ơn bạn nhiều nhé") == set()


PROVINCE_SAID = ["Quảng Ninh", "quang ninh", "QN", "qn", "tỉnh Quảng Ninh"]
AROUND = [("liệt kê các chùa ở {}", "chùa"), ("{} có những di tích nào", None),
          ("{} có danh thắng nào đẹp", "danh thắng"), ("du lịch {} nên đi đâu", None),
          ("which temples are there in {}", "đền")]


@pytest.mark.parametrize("said", PROVINCE_SAID)
@pytest.mark.parametrize("template, kind", AROUND)
def test_the_province_is_never_a_site_however_it_is_written(gazetteer, said, template, kind):
    assert not [m for m in gazetteer.find(template.format(said)) if m.entity == "place"]


@pytest.mark.parametrize("site", SITES, ids=[s["id"] for s in SITES])
def test_a_site_named_inside_a_longer_question_is_that_site_and_only_once(gazetteer, site):
    for name in (site["name"], strip_diacritics(site["name"]).lower()):
        for text in (f"mình ở Hạ Long, muốn hỏi {name} có gì đẹp", f"ngoài {name} còn chỗ nào khác không",
                     f"How far is {name} from here?"):
            places = [m for m in gazetteer.find(text) if m.entity == "place"]
            assert [(m.value, fold(text[m.start:m.end])) for m in places] == [(site["id"], fold(name))], text


def test_an_ordinary_phrase_that_is_also_a_name_is_not_that_site(gazetteer):
    assert not [m for m in gazetteer.find("viết giúp tôi một bài thơ tình") if m.entity == "place"]
    assert found(gazetteer, "gia đình tôi muốn đi chơi") == set()  # a family, not a communal house
    assert found(gazetteer, "de sau di, gio chua can") == set()  # "chưa" (not yet), not "chùa"
    assert not [m for m in gazetteer.find("canh chua cá nấu thế nào") if m.entity == "place"]  # not chùa Cả
    assert ("place", "chua-hoa-yen") in found(gazetteer, "chùa Cả ở đâu")
    assert ("place", "nui-bai-tho") in found(gazetteer, "núi Bài Thơ cao bao nhiêu")


def test_a_name_that_is_also_an_area_is_the_area_when_a_kind_of_site_is_asked_for(gazetteer):
    assert found(gazetteer, "Hạ Long có đền nào linh") == {("area", "Hạ Long"), ("category", "đền")}
    assert ("place", "vinh-ha-long") in found(gazetteer, "vịnh Hạ Long có đẹp không")
