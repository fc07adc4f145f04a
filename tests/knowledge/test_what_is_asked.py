"""What a question asks, on the portal's real records, where part of it reads like something else (issue 17): an act
done already is background to what it asks, unless what it asks is the very paper that act gives ("thi bằng A1 đỗ
rồi, bao lâu thì có bằng" asks for the licence the exam leads to); an official phrase said in full is not another
phrase read with words slipped into it."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.knowledge.conftest import code_found


@settings(max_examples=25, deadline=None)
@given(done=st.sampled_from([("thi bằng lái xe máy đỗ rồi,", "bằng"), ("thi bằng b2 xong rồi,", "bằng lái"),
                             ("thi bang a1 do roi,", "bang"), ("làm hộ chiếu xong rồi,", "hộ chiếu")]),
       wait=st.sampled_from(["bao lâu thì có", "mấy ngày nữa thì có", "khi nào thì có", "bao lau thi co"]))
def test_the_paper_a_done_act_gives_is_what_is_asked(portal, done, wait):
    act, paper = done
    expected = "1.001456" if "hộ chiếu" in act else "3.000346"  # Cấp hộ chiếu phổ thông; Cấp giấy phép lái xe
    assert code_found(portal, f"{act} {wait} {paper}") == expected


def test_a_done_act_stays_background_to_another_procedure(portal):
    assert code_found(portal, "hợp đồng công chứng xong rồi, giờ làm thủ tục sang tên xe") == "1.013076"


def test_a_household_business_finalising_personal_income_tax_finds_its_own_version(portal):
    # The official phrase said in full, not a salaried person's finalisation read with "thu nhập" slipped in.
    assert code_found(portal, "hộ kinh doanh bán tạp hóa có phải quyết toán thuế thu nhập cá nhân không") == "1.014976"
