"""Situations citizens describe in their own words, not by a procedure's name (issue 17): the vocabulary
(knowledge/procedure_terms.yml) reads them as the official words, among names that share their everyday words."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.portal_import import import_portal
from bot.knowledge.retrieval import Vocabulary
from bot.text import strip_diacritics
from tests.conftest import KNOWLEDGE_DIR
from tests.knowledge.conftest import code_found as found
from tests.knowledge.test_portal_import import record, write_records

# The procedures asked for, and names sharing the words of the situation ("bị cháy", "ngân hàng", "công ty", "đăng ký").
RECORDS = [
    ("2.001077", "Thủ tục đổi tiền không đủ tiêu chuẩn lưu thông"),
    ("1.008628", "Cấp lại Chứng chỉ hành nghề luật sư trong trường hợp bị mất, bị rách, bị cháy hoặc vì lý do khách "
                 "quan mà thông tin trên Chứng chỉ hành nghề luật sư bị thay đổi"),
    ("1.001477", "Chấp thuận hoạt động xuất khẩu, nhập khẩu ngoại tệ tiền mặt của các ngân hàng được phép"),
    ("1.011607", "Công nhận hộ nghèo, hộ cận nghèo thường xuyên hằng năm"),
    ("6.001435", "Phê duyệt Đề án hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo trên địa bàn các huyện nghèo"),
    ("1.008503", "Đăng ký thay đổi thông tin đăng ký thuế không làm thay đổi cơ quan thuế quản lý trực tiếp (trừ "
                 "trường hợp đăng ký thuế theo cơ chế một cửa liên thông qua cơ quan đăng ký kinh doanh)"),
    ("1.014063", "Cấp đổi thẻ căn cước"),
    ("1.013079", "Đổi chứng nhận đăng ký xe, biển số xe bằng dịch vụ công trực tuyến một phần hoặc trực tiếp"),
    ("2.002638", "Cấp lại Giấy chứng nhận đăng ký tổ hợp tác/ Giấy chứng nhận đăng ký hợp tác xã/ Giấy chứng nhận đăng "
                 "ký liên hiệp hợp tác xã"),
    ("2.002029", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo (doanh nghiệp, chi "
                 "nhánh, văn phòng đại diện, địa điểm kinh doanh)"),
    ("2.002057", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp đối với công ty bị tách (đối với công ty trách nhiệm "
                 "hữu hạn, công ty cổ phần)"),
    ("1.001570", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh"),
    ("1.010386", "Trình báo mất hộ chiếu phổ thông"),
    ("1.001456", "Cấp hộ chiếu phổ thông ở trong nước"),
    ("1.012786", "Cấp lại Giấy chứng nhận do bị mất"),
    ("1.012783", "Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất"),
    ("1.013993", "Đăng ký, cấp Giấy chứng nhận đối với trường hợp hộ gia đình, cá nhân đang sử dụng đất không đúng mục "
                 "đích đã được Nhà nước công nhận quyền sử dụng đất trước ngày 01 tháng 7 năm 2014"),
    ("1.008891", "Thủ tục cấp chứng chỉ hành nghề kiến trúc"),
    ("1.008993", "Thủ tục chuyển đổi chứng chỉ hành nghề kiến trúc của người nước ngoài ở Việt Nam"),
    ("1.001193", "Thủ tục đăng ký khai sinh"),
    ("1.004772", "Thủ tục đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân"),
    ("1.007277", "Khai lệ phí trước bạ nhà, đất/ Miễn lệ phí trước bạ nhà, đất"),
    ("1.013831", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất trong các trường hợp "
                 "chuyển đổi quyền sử dụng đất nông nghiệp mà không theo phương án dồn điền, đổi thửa; chuyển nhượng, "
                 "thừa kế, tặng cho quyền sử dụng đất"),
    ("1.004222", "Đăng ký thường trú"),
    ("1.010038", "Tách hộ"),
    ("1.003197", "Xóa đăng ký thường trú"),
    ("1.012904", "Đăng ký cấp quyền khai thác, sử dụng thông tin, dữ liệu về nhà ở và thị trường bất động sản thuộc "
                 "thẩm quyền giải quyết của Bộ Xây dựng"),
    ("1.013206", "Chứng nhận an toàn kỹ thuật và bảo vệ môi trường đối với xe cơ giới cải tạo, xe máy chuyên dùng "
                 "cải tạo"),
    ("1.012885", "Chấp thuận chủ trương đầu tư đồng thời với chấp thuận nhà đầu tư làm chủ đầu tư đối với dự án cải "
                 "tạo, xây dựng lại nhà chung cư không bằng nguồn vốn đầu tư công"),
    ("1.005126", "Cấp Giấy phép xây dựng, cải tạo, nâng cấp đường ngang"),
    ("1.003494", "Cấp giấy thông hành nhập, xuất cảnh cho công dân Việt Nam sang du lịch các tỉnh, thành phố biên giới "
                 "Trung Quốc tiếp giáp với Việt Nam tại Công an cấp tỉnh"),
    ("1.010055", "Trình báo mất giấy thông hành (thực hiện tại cấp xã)"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("situations")
    engine = create_engine(f"sqlite:///{folder / 'loaded.db'}", future=True)
    try:
        load_knowledge(engine, KNOWLEDGE_DIR)
        import_portal(engine, write_records(folder / "records.jsonl",
                                            [record(code, name, "Cấp tỉnh") for code, name in RECORDS]))
    finally:
        engine.dispose()
    return folder / "loaded.db"


@pytest.fixture(scope="module")
def portal(loaded: Path) -> Iterator[KnowledgeBase]:
    engine = create_engine(f"sqlite:///{loaded}", future=True)
    yield KnowledgeBase(engine)
    engine.dispose()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=30)
@given(money=st.sampled_from(["tiền", "mấy tờ tiền", "tờ tiền polymer"]),
       damage=st.sampled_from(["bị cháy sém", "bị chuột gặm rách", "bị rách", "bị mối xông", "bị ướt nhòe"]),
       ask=st.sampled_from(["đổi ở đâu được", "đổi ở ngân hàng nào", "thì làm sao"]),
       bare=st.booleans())
def test_damaged_money_is_changing_money_unfit_for_circulation(portal, money, damage, ask, bare):
    question = f"tôi có {money} {damage}, {ask}"
    assert found(portal, strip_diacritics(question) if bare else question) == "2.001077"


@pytest.mark.parametrize("question, expected", [
    ("Gia đình tôi thu nhập thấp, làm thế nào để được xét công nhận hộ cận nghèo?", "1.011607"),
    ("đky hộ nghèo cần j ạ, nộp ở xã à", "1.011607"),
    ("dang ky ho ngheo o dau", "1.011607"),
    ("e đổi số cccd mà mst vẫn theo cmnd cũ, cập nhật thông tin đky thuế ntn", "1.008503"),
    ("cập nhật mã số thuế sau khi đổi căn cước", "1.008503"),
    ("đăng ký xe cũ bị rách nát, muốn đổi cái mới thì lm sao", "1.013079"),
    ("cà vẹt bị hỏng, đổi ở đâu", "1.013079"),
    ("muốn tạm dừng cty 1 năm thì báo ntn", "2.002029"),
    ("tam dung cong ty 6 thang thi thong bao o dau", "2.002029"),
    ("hộ kinh doanh tạm ngừng kinh doanh 3 tháng", "1.001570"),  # a household business is no company
    ("e bị mất hc lúc đi du lịch về, báo mất ở đâu", "1.010386"),  # "hc": hộ chiếu
    ("lm hc lần đầu ở đâu", "1.001456"),
    ("sổ đỏ đã cũ, muốn đổi sang giấy chứng nhận mẫu mới", "1.012783"),
    ("so do mau moi doi o dau", "1.012783"),
    ("kiến trúc sư muốn xin cchn kiến trúc thì nộp ở đâu", "1.008891"),
    # A child's birth registered late, or not yet, is the ordinary one; an adult's, the one for people with papers.
    ("con chua co giay khai sinh thi lam the nao", "1.001193"),
    ("bé chưa làm giấy khai sinh, giờ làm ở đâu", "1.001193"),
    ("khai sinh muộn cho con có bị phạt không", "1.001193"),
    ("tôi 30 tuổi rồi mà chưa có giấy khai sinh", "1.004772"),
    # "hk": hộ khẩu in chat, read in the residence phrases that say it ("nhập hk", "tách hk", "cắt hk")
    ("nhập hk cho chồng về nhà vợ thì cần gì", "1.004222"),
    ("nhap hk cho vo o dau", "1.004222"),
    ("cưới xong muốn tách hk ra ở riêng", "1.010038"),
    ("tach so hk lam o dau", "1.010038"),
    ("cắt hk chuyển đi tỉnh khác", "1.003197"),
    # "độ thùng xe" (chat for modifying a vehicle's body) is a modified motor vehicle, not any "cải tạo"
    ("xe tải nhà e muốn độ thùng thì làm giấy tờ gì", "1.013206"),
    ("co noi thung xe tai thi phai dang kiem lai the nao", "1.013206"),
    ("cải tạo xe tải thành xe chở hàng đông lạnh xin chứng nhận ở đâu", "1.013206"),
    # a trip to China across the border ("sang TQ chơi") is the border provinces' travel pass
    ("muốn sang tq chơi vài ngày thì làm giấy thông hành ở đâu", "1.003494"),
    ("di trung quoc choi bang giay thong hanh lam the nao", "1.003494"),
    # What a procedure is done before ("trước khi làm hộ chiếu mới") is a later step, not what is asked; and "làm mất
    # hộ chiếu" loses one, it does not say "làm hộ chiếu"
    ("tôi cần báo mất hộ chiếu trước khi làm hộ chiếu mới ở đâu", "1.010386"),
    ("bao mat ho chieu o dau truoc khi xin cap ho chieu moi", "1.010386"),
    ("e làm mất hộ chiếu, trình báo ở đâu trc khi xin cấp cái mới", "1.010386"),
    ("do I have to report my lost passport before getting a new passport", "1.010386"),
])
def test_everyday_ways_of_saying_frequent_procedures(portal, question, expected):
    assert found(portal, question) == expected


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=60)
@given(situation=st.sampled_from(["đổi sang căn cước 12 số", "khi đổi sang căn cước mới", "mới làm hộ chiếu",
                                  "khi sang tên nhà đất", "sau khi sang tên sổ đỏ", "mới mở hộ kinh doanh"]),
       asked=st.sampled_from([("thay đổi thông tin đăng ký thuế", "1.008503"),
                              ("nộp lệ phí trước bạ nhà đất", "1.007277"), ("đăng ký khai sinh cho con", "1.001193")]),
       tail=st.sampled_from(["ở đâu", "thế nào", "như thế nào, mất bao lâu"]), bare=st.booleans())
def test_a_situation_before_then_is_background_to_the_act_after_it(portal, situation, asked, tail, bare):
    # "mua xe máy mới thì nộp lệ phí trước bạ", "khi sang tên nhà đất thì khai lệ phí trước bạ": what is done after
    # "thì" is asked; the situation before it, another procedure, is why.
    question, expected = asked
    text = f"{situation} thì {question} {tail}"
    assert found(portal, strip_diacritics(text) if bare else text) == expected


def test_a_phrase_read_with_words_between_never_skips_a_loss():
    # "mở thêm hộ kinh doanh" says "mở hộ kinh doanh"; "làm mất hộ chiếu" is no "làm hộ chiếu".
    vocabulary = Vocabulary([("cấp hộ chiếu", ["làm hộ chiếu"]),
                             ("đăng ký thành lập hộ kinh doanh", ["mở hộ kinh doanh"])])
    assert vocabulary.read("tôi muốn mở thêm hộ kinh doanh").meanings == ["đăng ký thành lập hộ kinh doanh"]
    assert vocabulary.read("làm gấp hộ chiếu ở đâu").meanings == ["cấp hộ chiếu"]
    for question in ("tôi làm mất hộ chiếu", "lam mat ho chieu roi"):
        assert "cấp hộ chiếu" not in vocabulary.read(question).meanings

