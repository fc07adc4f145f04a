"""Twins that differ in whom they serve ("… lần đầu đối với tổ chức đang sử dụng đất" / "… đối với hộ gia đình, cá
nhân, …"): a question naming no organisation is a citizen's, and means the version for households and individuals
(issue 17), among the portal's 2,642 records."""
from __future__ import annotations

import pytest

from bot.knowledge.repository import ProcedureEntry, serves_organisations_only
from tests.knowledge.conftest import code_found as found

FIRST_TITLE = ("Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài "
               "sản gắn liền với đất lần đầu đối với ")


@pytest.mark.parametrize("whom, organisations_only", [
    ("tổ chức đang sử dụng đất", True),
    ("doanh nghiệp, cơ quan nhà nước", True),
    ("hộ gia đình, cá nhân, cộng đồng dân cư", False),
    ("tổ chức, cá nhân", False),  # people among those served: no version for organisations
])
def test_a_name_serving_organisations_only_is_told_from_one_serving_people(whom, organisations_only):
    assert serves_organisations_only(ProcedureEntry.of("x", FIRST_TITLE + whom, ())) is organisations_only


@pytest.mark.parametrize("question, code", [
    ("cấp giấy chứng nhận quyền sử dụng đất lần đầu cho đất nhà tôi", "1.013978"),
    ("cap giay chung nhan quyen su dung dat lan dau", "1.013978"),
    ("Our grandparents' plot has never had a land title. How is one issued for the first time?", "1.013978"),
    ("công ty đang sử dụng đất muốn cấp giấy chứng nhận quyền sử dụng đất lần đầu", "1.012753"),  # an organisation's
])
def test_a_citizens_question_means_the_version_serving_people(portal, question, code):
    assert found(portal, question) == code
