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


# --- procedure mentions from the vocabulary (knowledge/procedure_terms.yml) ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.knowledge.gazetteer import says_procedure  # noqa: E402


def procedures_in(gazetteer, text):
    return [text[m.start:m.end] for m in gazetteer.find(text) if m.entity == "procedure"]


def test_what_people_call_a_procedure_is_a_procedure_mention(gazetteer):
    assert procedures_in(gazetteer, "Chứng thực bản sao từ bản chính thì làm ở đâu?") == ["Chứng thực bản sao"]
    assert procedures_in(gazetteer, "muon lam so do lan dau thi bat dau tu dau")[0].startswith("so do")
    assert procedures_in(gazetteer, "how to apply for a construction permit in Cam Pha") == ["construction permit"]


def test_everyday_words_of_the_vocabulary_are_not_procedures():
    for phrase in ("xe máy", "ô tô", "homestay", "trẻ em", "children", "đám cưới", "khách sạn", "transfer", "đk"):
        assert not says_procedure(phrase), phrase
    for phrase in ("sổ đỏ", "sang tên xe", "rút bhxh một lần", "certified copies", "tạm trú", "passport"):
        assert says_procedure(phrase), phrase


TRAVEL = ["đi {} đến chùa Cái Bầu theo đường nào?", "di {} tu uong bi len chua ba vang mat bao lau",
          "thuê {} đi Bãi Cháy giá bao nhiêu", "can I rent a {} in Ha Long"]


@settings(max_examples=60, deadline=None)
@given(template=st.sampled_from(TRAVEL),
       vehicle=st.sampled_from(["xe máy", "xe may", "ô tô", "o to", "motorbike", "homestay", "xe điện"]))
def test_a_vehicle_or_lodging_said_on_a_trip_is_no_procedure(gazetteer, template, vehicle):
    assert procedures_in(gazetteer, template.format(vehicle)) == []


ACTS = ["cấp lại", "cap lai", "cấp đổi", "cap doi", "làm lại", "lam lai"]
PAPERS = ["thẻ bhyt", "the bhyt", "thẻ bảo hiểm y tế", "the bao hiem y te", "giấy phép xây dựng", "gpxd"]


@settings(max_examples=80, deadline=None)
@given(act=st.sampled_from(ACTS), paper=st.sampled_from(PAPERS),
       ask=st.sampled_from(["{} cần mang gì", "hướng dẫn {} với", "{} mat bao lau", "ad ơi {} lm ntn z"]))
def test_an_act_said_before_a_paper_is_one_mention_with_it(gazetteer, act, paper, ask):
    said = f"{act} {paper}"
    assert procedures_in(gazetteer, ask.format(said)) == [said]


@settings(max_examples=60, deadline=None)
@given(asked=st.sampled_from(["đăng ký kết hôn", "dang ky ket hon", "làm hộ chiếu", "lam ho chieu"]),
       needed=st.sampled_from(["giấy khai sinh", "giay khai sinh", "giấy xác nhận độc thân", "cccd", "bản sao cccd"]),
       joint=st.sampled_from(["cần", "can", "có cần", "co can", "cần mang"]))
def test_a_paper_a_procedure_needs_is_not_another_procedure(gazetteer, asked, needed, joint):
    text = f"{asked} {joint} {needed} không"
    assert procedures_in(gazetteer, text) == [asked.removeprefix("làm ").removeprefix("lam ")]


@settings(max_examples=60, deadline=None)
@given(area=st.sampled_from(["Tiên Yên", "tien yen", "Bãi Cháy", "bai chay", "Bình Liêu", "Đầm Hà", "Mạo Khê"]),
       template=st.sampled_from(["ở {} đăng ký kết hôn ở đâu", "khách sạn ở {} nào rẻ", "o xa {} co gi choi"]))
def test_a_town_of_the_province_with_no_site_listed_is_an_area(gazetteer, area, template):
    areas = [m for m in gazetteer.find(template.format(area)) if m.entity == "area"]
    assert [fold(m.value) for m in areas] == [fold(area)]


@settings(max_examples=60, deadline=None)
@given(text=st.sampled_from(["don dat ve cua toi da duoc xac nhan chua", "cach chua mat ngu", "nau canh chua ntn",
                             "mo cua tu may gio den may gio", "cho xin dinh vi chua hoa yen",
                             "quyet dinh giao dat nop o dau", "muon lam ho chieu thi den dau"]))
def test_a_kind_word_typed_without_diacritics_in_an_everyday_sense_is_no_kind(gazetteer, text):
    assert not [m for m in gazetteer.find(text) if m.entity == "category"]


@pytest.mark.parametrize("text, kind", [("o ha long co nhung chua nao", "chùa"), ("liet ke cac den o uong bi", "đền"),
                                        ("co dinh nao dep khong", "đình"), ("chua nao linh nhat", "chùa")])
def test_a_kind_word_typed_without_diacritics_asked_for_is_that_kind(gazetteer, text, kind):
    assert ("category", kind) in found(gazetteer, text)


@settings(max_examples=60, deadline=None)
@given(asked=st.sampled_from(["apply for a passport", "xin lý lịch tư pháp", "renew my driving licence"]),
       other=st.sampled_from(["birth certificate", "thường trú", "passport"]),
       template=st.sampled_from(["{other} ... {asked}?", "do I need a {other} to {asked}?"]))
def test_one_procedure_is_asked_about_the_one_said_with_an_act(gazetteer, asked, other, template):
    text = template.format(asked=asked, other=other)
    assert procedures_in(gazetteer, text) == [asked.removeprefix("apply for a ").removeprefix("xin ")]


@pytest.mark.parametrize("said", ["dktt", "DKTT", "đkkh", "dkkh", "gplx", "lltp"])
def test_a_procedure_abbreviation_alone_is_a_procedure(gazetteer, said):
    assert procedures_in(gazetteer, f"{said} o dau ad") == [said]


@settings(max_examples=80, deadline=None)
@given(act=st.sampled_from(["register", "transfer", "transferring", "đăng ký", "dang ky", "sang tên"]),
       between=st.sampled_from(["", "my ", "a ", "my new ", "the used "]),
       thing=st.sampled_from(["car", "motorbike", "scooter", "xe máy", "xe may", "ô tô"]))
def test_an_everyday_thing_after_an_act_is_a_procedure_and_alone_is_none(gazetteer, act, between, thing):
    said = f"{act} {between if act.isascii() else ''}{thing}"
    assert procedures_in(gazetteer, f"how do I {said}?") == [said]
    assert procedures_in(gazetteer, f"thuê {thing} đi Bãi Cháy thế nào") == []
    assert procedures_in(gazetteer, f"can I bring my {thing} on the boat to Co To?") == []


def test_paying_a_fine_is_a_procedure(gazetteer):
    assert procedures_in(gazetteer, "Bị phạt nguội thì nộp phạt ở đâu cho nhanh?")


@settings(max_examples=80, deadline=None)
@given(verb=st.sampled_from(["làm", "lam", "lm", "xin", "get", "get a", "apply for", "apply for a", "set up a"]),
       name=st.sampled_from(["sổ đỏ", "so do", "lý lịch tư pháp", "ly lich tu phap", "red book", "household business",
                             "passport", "hộ chiếu"]),
       ask=st.sampled_from(["{} ở đâu ad", "muốn {} thì làm sao", "how do I {} in Ha Long?", "{} mat bao lau"]))
def test_an_everyday_verb_of_getting_is_not_part_of_the_procedure_named(gazetteer, verb, name, ask):
    """The contract's procedure entity is the name ("làm [hộ chiếu]", "get a [red book]"): the action reads the
    whole message when the name alone is ambiguous."""
    assert procedures_in(gazetteer, ask.format(f"{verb} {name}")) == [name]


@settings(max_examples=60, deadline=None)
@given(text=st.sampled_from(["viết giúp tôi một bài thơ tình", "gửi mik bài thơ tỏ tình đi", "bai tho nay cua ai",
                             "doc cho toi bai tho ve me", "write me a bai tho please"]))
def test_a_poem_is_not_the_mountain(gazetteer, text):
    assert not [m for m in gazetteer.find(text) if m.entity == "place"]


@pytest.mark.parametrize("text", ["Bài Thơ ở đâu", "bai tho o dau", "núi bài thơ cao bao nhiêu", "Bai Tho mountain"])
def test_the_mountain_named_or_asked_for_is_the_mountain(gazetteer, text):
    assert ("place", "nui-bai-tho") in found(gazetteer, text)


@pytest.mark.parametrize("text", ["chùa Một Cột có lịch sử thế nào", "chùa Bái Đính có j đẹp k",
                                  "tell me about the Temple of Literature", "is Bai Dinh Pagoda far from here"])
def test_a_kind_word_in_the_name_of_a_site_not_known_is_no_kind_asked_for(gazetteer, text):
    assert not [m for m in gazetteer.find(text) if m.entity == "category"]


@pytest.mark.parametrize("text, kind", [("các đền thờ Trần Hưng Đạo trong tỉnh", "đền"),
                                        ("Which Pagodas are in Ha Long", "chùa"), ("Chùa nào ở Uông Bí đẹp", "chùa")])
def test_a_kind_asked_for_before_a_name_is_still_that_kind(gazetteer, text, kind):
    assert ("category", kind) in found(gazetteer, text)


@pytest.mark.parametrize("text, kind", [("gợi ý đền linh ở tỉnh", "đền"), ("đền thiêng nào nên đi", "đền")])
def test_an_adjective_after_a_kind_word_is_not_a_site_of_a_similar_name(gazetteer, text, kind):
    assert not [m for m in gazetteer.find(text) if m.entity == "place"]


@pytest.mark.parametrize("near", ["gần", "gan", "xung quanh", "quanh", "near", "around"])
def test_what_a_visitor_is_near_is_the_landmark(gazetteer, near):
    assert ("place", "yen-tu") in found(gazetteer, f"{near} Yên Tử còn chỗ nào đi được")
    assert ("area", "Yên Tử") in found(gazetteer, "đăng ký tạm trú ở phường Yên Tử")


@settings(max_examples=60, deadline=None)
@given(vehicle=st.sampled_from(["xe máy", "xe may", "ô tô", "o to"]),
       template=st.sampled_from(["đi miếu Vua Bà bằng {} được không", "di chua Ba Vang bang {} mat bao lau",
                                 "ghé đền Cửa Ông bằng {} có chỗ gửi không"]))
def test_going_by_vehicle_is_no_licence(gazetteer, vehicle, template):
    assert procedures_in(gazetteer, template.format(vehicle)) == []
    assert procedures_in(gazetteer, f"thi bằng {vehicle} ở đâu") != []
