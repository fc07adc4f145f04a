"""English questions find procedures through what their words mean in the official names (bot/lexicon.py's
ENGLISH_GLOSSARY): the words of the portal's own domains (banks, ships, customs, companies, minerals), not phrases
written for one question."""
from __future__ import annotations

import re

import pytest

from bot.knowledge.retrieval import _GLOSSARY, english_meanings
from bot.text import canonical, fold
from tests.knowledge.conftest import REAL_DATA
from tests.knowledge.conftest import code_found as found


@pytest.mark.parametrize("question, means", [
    ("do I need a permit to extract groundwater", "nước dưới đất"),
    ("registering a seagoing vessel", "tàu biển"),
    ("open a bank branch", "ngân hàng"),
    ("an aircraft lease", "tàu bay"),
    ("duty-free shop", "miễn thuế"),
    ("a limited liability company with two or more members", "hai thành viên trở lên"),
    ("veterinary drugs", "thuốc thú y"),  # the longest form first: not "drug" (ma túy)
    ("transporting dangerous goods", "hàng hóa nguy hiểm"),
    ("file my corporate income tax", "thuế thu nhập doanh nghiệp"),
    ("apply for a permanent residence card", "thẻ thường trú"),  # the card, not registering one's residence
    # Everyday English for what the names call by their official words (a foreigner's "permitted stay" is tạm trú).
    ("how long is my permitted stay", "tạm trú cho người nước ngoài"),
    ("hauling an oversized load", "hàng siêu trường, siêu trọng"),
    ("farmers asking for a debt freeze", "khoanh nợ"),
    ("becoming an insurance agent", "đại lý bảo hiểm"),
    ("register a scooter fully online", "trực tuyến toàn trình"),
    ("a locally assembled pickup", "sản xuất lắp ráp trong nước"),
    ("renting official housing", "nhà ở công vụ"),
    ("my old 9-digit ID", "chứng minh nhân dân 09 số"),
    ("a small cooperative group of fishermen", "tổ hợp tác"),
    ("shipping our belongings home", "tài sản di chuyển"),
    ("trucks from China", "trung quốc"),
    ("filing electronically with the tax authority", "cơ quan thuế"),
    ("a CITES-listed parrot", "phụ lục cites"),  # not "listed" (niêm yết, as shares are)
    ("amend the licence", "điều chỉnh"),
    ("extracting sand from the riverbed", "khai thác khoáng sản"),  # not "extract" (trích lục, a civil record's)
    ("raising fish in a lake", "nuôi trồng thủy sản"),  # not "raise" (tăng)
    ("cancel a security registration", "đăng ký biện pháp bảo đảm"),  # not "security" (an ninh trật tự)
    ("the automated gates at the border", "cổng kiểm soát tự động"),
    ("an overdue withholding tax return", "khấu trừ thuế"),
    ("filing VAT returns every quarter", "khai thuế giá trị gia tăng"),
    ("can the interest on late payment be waived", "tiền chậm nộp"),
    ("get my visa changed inside Vietnam", "tại Việt Nam"),
    ("how do I become a licensed auctioneer", "chứng chỉ hành nghề đấu giá"),
    ("a circulation permit for a heavy crane", "giấy phép lưu hành xe"),
    ("registering a ferry that has not operated", "chưa khai thác"),
    ("the yearly review of poor households", "định kỳ hằng năm"),
])
def test_domain_words_are_read_as_the_names_words(question, means):
    assert any(means in meaning for meaning in english_meanings(canonical(question)))


@pytest.mark.parametrize("question, means", [
    ("we plan to open a shop", "tàu bay"),  # "planes" is "plane", never "plan"
    ("a list of members", "niêm yết"),  # "listing" (of shares) is no list
    ("the pond belongs to the village", "tài sản di chuyển"),  # "belongings" are no "belongs"
    ("bringing goods across the border", "nuôi"),  # "breed" is no "bre", whose "-ing" form would be "bring"
])
def test_a_stem_of_another_english_word_is_not_read_as_it(question, means):
    assert not any(means in meaning for meaning in english_meanings(canonical(question)))


def test_a_tax_return_alone_is_any_return_not_the_annual_finalisation(portal):
    reading = portal.procedure_index().vocabulary.read("I have to submit my tax return for the second quarter")
    assert "quyết toán thuế thu nhập cá nhân" not in reading.meanings
    assert "khai thuế" in reading.glossed


@pytest.mark.parametrize("question, means", [
    ("bringing wine above the duty-free allowance", "định mức miễn thuế"),  # not the vocabulary's "allowance"
    ("a shop selling veterinary medicines", "thuốc thú y"),  # not the vocabulary's "veterinary"
])
def test_a_longer_english_phrase_is_read_whole(portal, question, means):
    """A phrase of the vocabulary inside a longer one of the glossary leaves it to the glossary."""
    assert means in portal.procedure_index().vocabulary.read(question).glossed


@pytest.mark.parametrize("question", [
    "dang ky tam tru cho con o ha long",
    "ngan hang o dau gan day",
    "tau bien cap cang cai lan",
    "xin giay phep khai thac cat",
    "dang ky bien phap bao dam bang quyen su dung dat",  # "dam" (đảm) is no dam
    "thu gom rac o phuong",  # "rac" (rác) is no "racing"
])
def test_vietnamese_typed_without_diacritics_reads_no_english_word(question):
    assert english_meanings(canonical(question)) == []


def test_no_english_form_is_made_of_words_the_names_write_in_vietnamese():
    """A form whose every word is a word the official names write with diacritics, folded ("dam": đảm, "rac": rác),
    would read a question typed without them, or the official words the vocabulary writes into one, as English."""
    records = sorted((REAL_DATA / "records").glob("*.jsonl")) if (REAL_DATA / "records").is_dir() else []
    if not records:
        pytest.skip(f"the portal's records are not at {REAL_DATA}")
    words = {word for path in records for word in re.findall(r"\w+", path.read_text(encoding="utf-8").lower())}
    written = {folded for word in words if (folded := fold(word)) != word}  # each distinct word folded once
    assert not [form for form in _GLOSSARY if all(word in written for word in form)]


@pytest.mark.parametrize("question, code", [
    # the company's kind: two or more members, not the one-member company
    ("How do I register a limited liability company with two or more members?", "2.001199"),
    ("How do I get a licence to transport dangerous goods by road?", "1.013259"),
    ("I need a permit for oversize vehicles on the road", "1.000028"),
    ("How do I declare my personal belongings at customs when moving to Vietnam?", "1.007751"),
    # Paraphrases of the names' official words (issue 17): each read by the glossary or the vocabulary.
    ("Can a tourist extend the permitted stay stamped in his passport?", {"1.001146", "1.003326"}),
    ("permit for hauling an oversized load on national highways", "1.000028"),
    ("permit to dig up a national road to lay fibre cables", "1.013061"),
    ("Who licenses a real estate exchange?", "1.012900"),
    ("Which licence lets a firm offer well drilling services?", "1.004122"),
    ("How to take the exam to become an insurance agent", "1.010387"),
    ("Registering as an individual lawyer after the bar exam", "1.002153"),
    ("My passport turned up after I reported it missing. Can it be valid again?", {"1.010382", "1.010384"}),
    ("register a locally assembled motorbike fully online", "1.012575"),
    ("proof that my old 9-digit ID and my personal identification number belong to one person", "1.012566"),
    ("Our restaurant wants to resume operations after a fire safety suspension", "3.000494"),
    ("how do we obtain natural resources and environment data", {"1.004237", "1.004241"}),
    ("can the land use fee be recorded as a debt", "1.012995"),
    ("shipping my household belongings when relocating to Vietnam", "1.007751"),
    ("We bought a second-hand car last week; whose name goes on the registration?", "1.013076"),
    # Married to a Vietnamese: a foreigner asking, whose residence card is the foreigners' one.
    ("I married a Vietnamese woman in 2019. How do I get a permanent residence card?", {"1.001010", "1.003290"}),
    ("I'm married to a Vietnamese man. Where do I apply for a permanent residence card?", {"1.001010", "1.003290"}),
    # A company's branch, not a cooperative's version of closing one.
    ("Our company plans to close its branch office in Ha Long", "2.002020"),
    ("We are breeding CITES-listed turtles; how is the breeding farm registered?", "1.004819"),
    ("Where can a company sign up to deal with the tax office electronically?", "1.008008"),
    ("we no longer use one business location of our firm and want to close it down", "2.002020"),
    # "lost" is read as the glossary reads it (bị mất, cấp lại), as the names of replacements say
    ("Our land certificate was lost when we moved house. How can we get another one?", "1.012786"),
    # to amend an official paper is to adjust it (điều chỉnh), as the names say, not only to change it
    ("We need to amend the investment registration certificate after the project's schedule changed", "1.009647"),
    ("amendment of an investment registration certificate", "1.009647"),
    # Everyday English for the official words (issue 17, development 5)
    ("Which licence does a company need to quarry sand and gravel?", "1.014257"),
    ("Do I need a licence to raise fish in an irrigation reservoir?", {"1.014862", "2.001791"}),
    ("Can I use the automated gates at Noi Bai airport, and how do I sign up?", "1.010047"),
    ("Who certifies driving instructors for practical lessons?", "1.001765"),
    ("How does a coach company register a fixed route between two provinces?", "2.002285"),
    ("Our factory will manufacture fertiliser; which certificate is required?", "1.007927"),
    ("We farm turtles listed under CITES; how is the farm registered?", "1.004819"),
    ("I was in hospital; can I get a filing extension for my tax return?", "1.008513"),
    ("Our shop on rented land was destroyed by fire. Can the land rent be reduced?", "1.008584"),
    ("How do we declare VAT under the credit method?", "1.007014"),
    ("Where does a licensed auctioneer get the practising certificate?", "1.003915"),
    ("Who grants a circulation permit for an overweight crane truck on national roads?", "1.000028"),
    ("Where do I get a certificate confirming my daughter's Vietnamese nationality?", "1.005136"),
])
def test_english_questions_in_the_portals_domains_find_their_procedure(portal, question, code):
    assert found(portal, question) in ({code} if isinstance(code, str) else code)
