"""The portal parser as a specification: what a citizen needs out of the portal's run-together tables.

Fixture records (tests/knowledge/portal_fixture/records) are written in the portal's own format; the list export
is generated here with the standard library. The real data (../shared/data/dvc, or QN_DVC_DATA) is read when
present and the tests on it skip with a message when it is absent.
"""
from __future__ import annotations

import itertools
import re
import shutil
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.knowledge.portal import (
    CHANNEL_KINDS,
    Channel,
    Paper,
    PortalProcedure,
    PortalRecordError,
    parse_channels,
    parse_legal_basis,
    parse_papers,
    parse_record,
    parse_steps,
    read_path,
)
from tests.knowledge.conftest import REAL_DATA

FIXTURE = Path(__file__).parent / "portal_fixture"

CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
PAPERS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"


# ---------------------------------------------------------------------------------------------------- helpers


def write_list_export(path: Path, rows: list[tuple[object, ...]]) -> Path:
    """A portal list export (.xlsx) as the portal writes it: a rich-text title block, a header row, then rows.

    A float in a row is written as a number cell, as Excel does when a code was typed as a number.
    """
    strings: list[str] = []

    def shared(text: str) -> int:
        strings.append(text)
        return len(strings) - 1

    def cell(ref: str, value: object) -> str:
        if isinstance(value, float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="s"><v>{shared(str(value))}</v></c>'

    title = shared("")  # the rich-text title block is written by hand below
    header = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")
    sheet_rows = [f'<row r="1"><c r="A1" t="s"><v>{title}</v></c></row>']
    for number, values in enumerate([header, *rows], start=2):
        cells = "".join(cell(f"{'ABCDE'[i]}{number}", v) for i, v in enumerate(values) if v is not None)
        sheet_rows.append(f'<row r="{number}">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    items = [f"<si><t>{escape(s)}</t></si>" for s in strings]
    items[title] = ("<si><r><rPr><b/></rPr><t xml:space=\"preserve\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n</t></r>"
                    "<r><t xml:space=\"preserve\">DANH SÁCH THỦ TỤC HÀNH CHÍNH\n</t></r></si>")
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Danh sách TTHC" sheetId="1" r:id="rId4"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId4" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}">{"".join(items)}</sst>'),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{"".join(sheet_rows)}'
            '</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


LIST_ROWS = [
    ("1.900006", "Đăng ký khai sinh", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Hộ tịch"),
    ("1.900008", "Đăng ký kết hôn", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã\nSở Tư pháp\n", "Hộ tịch"),
    (1.90001, "Chứng thực bản sao từ bản chính", "Bộ Tư pháp", "Ủy ban nhân dân cấp xã", "Chứng thực"),
    ("1.900011", None, "Bộ Tư pháp", "Sở Tư pháp", "Hộ tịch"),
]


@pytest.fixture(scope="module")
def fixture_outcomes() -> list[tuple[PortalProcedure | None, PortalRecordError | None]]:
    return list(read_path(FIXTURE / "records" / "bo-cong-an.jsonl"))


@pytest.fixture(scope="module")
def fixture_procedures(fixture_outcomes) -> dict[str, PortalProcedure]:
    return {p.code: p for p, _ in fixture_outcomes if p is not None}


@pytest.fixture
def portal_folder(tmp_path: Path) -> Path:
    """The portal folder layout: records/*.jsonl and lists/*.xlsx."""
    shutil.copytree(FIXTURE / "records", tmp_path / "records")
    (tmp_path / "lists").mkdir()
    write_list_export(tmp_path / "lists" / "danh-sach-tthc-BoTuPhap.xlsx", LIST_ROWS)
    return tmp_path


# ---------------------------------------------------------------------------------------------------- fixture records


def test_numbered_steps_are_split_into_clean_steps(fixture_procedures):
    steps = fixture_procedures["1.900001"].steps
    assert steps == (
        "Công dân đến Công an cấp xã đề nghị cấp thẻ căn cước.",
        "Cán bộ thu nhận thông tin, lập hồ sơ.\n+ Trường hợp thông tin chưa có trong Cơ sở dữ liệu quốc gia về dân"
        " cư thì hướng dẫn cập nhật.",
        "Thu nhận vân tay, chụp ảnh khuôn mặt, như đã nêu tại Bước 2, kiểm tra lại.",  # a reference, not a step
        "Nhận kết quả trực tiếp hoặc qua dịch vụ bưu chính.",
    )
    assert fixture_procedures["1.900006"].steps == ("Nộp tờ khai đăng ký khai sinh.", "Nhận Giấy khai sinh.")


def test_lettered_steps_are_steps_when_the_portal_has_no_buoc(fixture_procedures):
    assert fixture_procedures["2.900002"].steps == (
        "Nộp hồ sơ:\n- Người khai hải quan nộp tờ khai qua Hệ thống.",
        "Giải quyết:\n- Cơ quan hải quan kiểm tra hồ sơ.\n- Trả kết quả.",
    )


def test_each_way_of_submitting_has_its_own_time_and_fee(fixture_procedures):
    in_person, online, post = fixture_procedures["1.900001"].channels
    assert in_person == Channel("in_person", "7 Ngày làm việc", "50,000 Việt Nam Đồng",
                                "Trực tiếp tại Công an cấp xã.", "Lệ phí: 50.000 đồng/thẻ (Luật Căn cước)")
    # "Trực tuyến:" inside a description does not open a new row
    assert online == Channel("online", "7 Ngày làm việc", "25,000 Việt Nam Đồng",
                             "Trực tuyến: đăng ký qua Cổng Dịch vụ công quốc gia.", "Giảm 50% khi nộp trực tuyến")
    assert post == Channel("post", "10 Ngày làm việc", None, None)


def test_a_time_glued_to_the_fee_is_split_and_missing_time_is_none(fixture_procedures):
    online, in_person = fixture_procedures["2.900002"].channels
    assert (online.kind, online.time, online.fee) == ("online", "1", "20,000 VNĐ")  # "Trực tuyến120,000 VNĐ"
    assert online.fee_note == "20.000 đồng/tờ khai"
    assert (in_person.time, in_person.fee, in_person.description) == (None, "Miễn phí", "Nộp tại Chi cục Hải quan.")


def test_papers_say_what_to_bring_on_which_form_and_how_many(fixture_procedures):
    assert fixture_procedures["1.900001"].papers == (
        Paper("Tờ khai căn cước (Mẫu CC01 ban hành kèm theo Thông tư số 17/2024/TT-BCA)",
              "Mẫu CC01 Tờ khai căn cước.doc", 1, None),
        Paper("Giấy khai sinh (nếu có); nộp 01 bản sao có chứng thực", None, 0, 1),
        # the count is glued to the date that ends the name: "16/02/20151 bản chính"
        Paper("Văn bản ủy quyền theo Nghị định số 23/2015/NĐ-CP ngày 16/02/2015", None, 1, 2,
              "Trường hợp người đại diện nộp thay"),
    )


def test_papers_keep_their_group_and_all_their_forms(fixture_procedures):
    papers = fixture_procedures["2.900002"].papers
    assert [(p.name, p.form, p.originals, p.copies, p.case) for p in papers] == [
        ("Tờ khai hàng hóa xuất khẩu theo Mẫu số 01 ban hành kèm theo Thông tư số 39/2018/TT-BTC ngày 20/4/2018",
         None, 1, None, "* Giấy tờ phải nộp"),
        ("Hợp đồng mua bán hàng hóa", "Mau01.docx; Mau02.docx", 0, 1, "* Giấy tờ phải nộp"),
        ("Hộ chiếu của người khai", None, 1, None, "* Giấy tờ phải xuất trình"),
    ]


def test_legal_basis_gives_numbers_issuers_and_dates(fixture_procedures):
    documents = fixture_procedures["1.900001"].legal_basis
    assert [(d.number, d.title, d.issued_by, d.kind) for d in documents] == [
        ("26/2023/QH15", "Luật Căn cước", "Quốc hội", "Luật"),
        ("17/2024/TT-BCA", "Thông tư số 17/2024/TT-BCA ngày 15/5/2024 của Bộ Công an quy định chi tiết Luật Căn cước",
         "Bộ Công an", "Thông tư"),
        ("70/2024/NĐ-CP", "Nghị định 70/2024/NĐ-CP", "Chính phủ", "Nghị định"),
    ]
    assert [d.date for d in documents] == [None, date(2024, 5, 15), None]


def test_legal_basis_splits_a_number_glued_to_a_year_and_drops_the_next_section(fixture_procedures):
    documents = fixture_procedures["2.900002"].legal_basis
    assert [(d.number, d.title) for d in documents] == [
        ("54/2014/QH13", "Luật Hải quan năm 2014"),
        ("08/2015/NĐ-CP", "Nghị định 08/2015/NĐ-CP"),
        ("24/2026/NQ-CP", "Nghị quyết của Chính phủ về cắt giảm thủ tục"),  # "Cơ quan thực hiện…" is cut off
    ]


def test_results_conditions_and_related_procedures(fixture_procedures):
    id_card, customs = fixture_procedures["1.900001"], fixture_procedures["2.900002"]
    assert id_card.results == ("Thẻ căn cước", "Giấy hẹn trả kết quả")  # the page's search box is not a result
    assert customs.conditions == "Người khai hải quan có chữ ký số.\nTờ khai đúng mẫu."
    assert customs.related == ("Khai bổ sung hồ sơ hải quan", "Hủy tờ khai hải quan")


def test_identity_fields_are_cleaned_and_lists_split_where_the_portal_means_it(fixture_procedures):
    id_card = fixture_procedures["1.900001"]
    assert id_card.name == "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"
    assert unicodedata.is_normalized("NFC", id_card.name)  # the fixture stores it decomposed
    assert id_card.level == ("Cấp tỉnh", "Cấp xã")
    assert id_card.who == ("Công dân Việt Nam", "Tổ chức (không bao gồm doanh nghiệp, HTX)",
                           "Cán bộ, công chức, viên chức")
    assert (id_card.field, id_card.agency, id_card.decision) == ("Cấp, quản lý căn cước", "Công an cấp Xã",
                                                                 "5710/QĐ-BCA-C06")
    assert id_card.url.startswith("https://dichvucong.gov.vn/thu-tuc-hanh-chinh/")
    assert id_card.detailed and id_card.source_date is None  # the portal's records carry no date


def test_empty_markers_become_none_or_empty(fixture_procedures):
    empty = fixture_procedures["1.900003"]
    assert (empty.level, empty.who, empty.steps, empty.channels, empty.papers, empty.results,
            empty.legal_basis, empty.related) == ((),) * 8
    assert (empty.field, empty.agency, empty.conditions, empty.url, empty.decision) == (None,) * 5


def test_a_malformed_line_and_a_nameless_record_are_reported_where_they_are(fixture_outcomes):
    errors = [e for _, e in fixture_outcomes if e is not None]
    assert [(Path(e.source).name, e.line, e.code, e.field) for e in errors] == [
        ("bo-cong-an.jsonl", 4, None, None),
        ("bo-cong-an.jsonl", 6, "1.900005", "ten_thu_tuc"),
    ]
    assert "malformed JSON" in errors[0].reason and "bo-cong-an.jsonl:4" in str(errors[0])
    assert [p.code for p, _ in fixture_outcomes if p] == ["1.900001", "2.900002", "1.900003", "1.900006"]


def test_the_folder_takes_each_procedure_once_and_the_detail_record_wins(portal_folder):
    outcomes = list(read_path(portal_folder))
    procedures = [p for p, _ in outcomes if p]
    codes = [p.code for p in procedures]
    assert sorted(codes) == ["1.900001", "1.900003", "1.900006", "1.900008", "1.900010", "2.900002", "3.900007"]
    by_code = {p.code: p for p in procedures}
    assert by_code["1.900006"].detailed and by_code["1.900006"].steps  # in the list too: read once, with details
    assert by_code["1.900001"].name == "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên"  # first of a duplicate
    errors = [(Path(e.source).name, e.line, e.code, e.reason) for _, e in outcomes if e]
    assert ("bo-tu-phap.jsonl", 2, "1.900001", "duplicate procedure code; first kept") in errors
    assert ("danh-sach-tthc-BoTuPhap.xlsx", 6, "1.900011", "missing procedure name") in errors
    assert len(errors) == 4


def test_a_list_export_alone_gives_code_name_agency_and_field(portal_folder):
    outcomes = list(read_path(portal_folder / "lists" / "danh-sach-tthc-BoTuPhap.xlsx"))
    procedures = {p.code: p for p, _ in outcomes if p}
    assert list(procedures) == ["1.900006", "1.900008", "1.900010"]  # a code typed as a number keeps its zeros
    marriage = procedures["1.900008"]
    assert (marriage.name, marriage.agency, marriage.field) == ("Đăng ký kết hôn",
                                                                "Ủy ban nhân dân cấp xã, Sở Tư pháp", "Hộ tịch")
    assert not marriage.detailed and marriage.steps == () and marriage.url is None


def test_read_path_refuses_what_it_cannot_read_at_once(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_path(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        read_path(tmp_path)  # a folder with no portal files
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ValueError):
        read_path(tmp_path / "notes.txt")


def test_a_broken_list_export_is_reported_not_raised(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    [(procedure, error)] = list(read_path(broken))
    assert procedure is None and "broken.xlsx" in str(error)


def test_parse_record_refuses_a_record_without_code_or_with_non_text():
    with pytest.raises(PortalRecordError) as missing:
        parse_record({"ten_thu_tuc": "Đăng ký khai sinh"})
    assert missing.value.field == "ma_thu_tuc"
    with pytest.raises(PortalRecordError) as wrong_type:
        parse_record({"ma_thu_tuc": "1.900009", "ten_thu_tuc": "X", "thanh_phan_ho_so": ["a"]})
    assert (wrong_type.value.code, wrong_type.value.field) == ("1.900009", "thanh_phan_ho_so")
    with pytest.raises(PortalRecordError):
        parse_record(["not", "an", "object"])  # type: ignore[arg-type]


def test_messy_table_text_is_kept_rather_than_failing():
    prose = "Hồ sơ gồm đơn đề nghị và bản sao giấy tờ tùy thân."
    assert parse_papers(prose) == (Paper(prose, None, None, None),)
    [channel] = parse_channels(CHANNEL_HEADER + "Trực tiếpNộp hồ sơ tại Bộ phận Một cửa, không ghi thời hạn")
    assert channel == Channel("in_person", None, None, "Nộp hồ sơ tại Bộ phận Một cửa, không ghi thời hạn")
    [document] = parse_legal_basis(LEGAL_HEADER + "Quyết định 24/2024/QĐ-UBND Sơn La về mẫu hồ sơ24/2024")
    assert document.title.endswith("24/2024") and document.number is None


# ---------------------------------------------------------------------------------------------------- generated


TIMES = [("7 Ngày làm việc", "7 Ngày làm việc"), ("8 Giờ", "8 Giờ"), ("1", "1"), ("Không có thông tin", None)]
FEES = [("Miễn phí", "Miễn phí"), ("Không có thông tin", None), ("50,000 Việt Nam Đồng", "50,000 Việt Nam Đồng"),
        ("100 USD", "100 USD")]
NOTES = [None, "Lệ phí: 50.000 đồng/thẻ (Luật Căn cước)"]
DESCRIPTIONS = [None, "Nộp tại Bộ phận Một cửa.", "Trực tuyến: nộp qua Cổng Dịch vụ công quốc gia"]


@pytest.mark.parametrize("time,fee,note,description", itertools.product(TIMES, FEES, NOTES, DESCRIPTIONS))
def test_generated_channel_rows(time, fee, note, description):
    row = time[0] + fee[0] + (f"({note})" if note else "") + (description or "")
    words = {"post": "Dịch vụ bưu chính", "in_person": "Trực tiếp", "online": "Trực tuyến"}
    channels = parse_channels(CHANNEL_HEADER + "".join(word + row for word in words.values()))
    assert channels == tuple(Channel(kind, time[1], fee[1], description, note) for kind in words)


NAMES = ["Đơn đề nghị cấp giấy phép", "Văn bản ủy quyền lập ngày 16/11/2018", "Bản sao giấy tờ tùy thân (nếu có)",
         "Tờ khai theo Mẫu số 02 ban hành kèm theo Nghị định số 70/2024/NĐ-CP"]


@pytest.mark.parametrize("name,form,originals,copies", itertools.product(
    NAMES, [None, "Mẫu 01.docx", "Mau01.docxMau02.docx"], [0, 1, 3], [None, 1, 2]))
def test_generated_paper_rows(name, form, originals, copies):
    count = f"{originals} bản chính" + (f",{copies} bản sao" if copies is not None else "")
    second = "Giấy chứng nhận đăng ký doanh nghiệp0 bản chính,1 bản sao"
    papers = parse_papers("--" + PAPERS_HEADER + name + (form or "") + count + second)
    expected_form = "; ".join(re.findall(r".+?\.docx", form)) if form else None
    assert papers == (Paper(name, expected_form, originals, copies),
                      Paper("Giấy chứng nhận đăng ký doanh nghiệp", None, 0, 1))


LEGAL_ROWS = [
    ("Luật Căn cước", "26/2023/QH15", "Quốc hội", None),
    ("Luật Khiếu nại năm 2011", "02/2011/QH13", "Quốc hội", None),
    ("Nghị định 70/2024/NĐ-CP", "70/2024/NĐ-CP", "Chính phủ", None),
    ("Quy định mức thu lệ phí trong lĩnh vực hải quan", "172/2010/TT-BTC", "Bộ Tài chính", None),
    ("Quyết định số 09/2023/QĐ-TTg ngày 12/4/2023 của Thủ tướng Chính phủ", "09/2023/QĐ-TTg", "Thủ tướng Chính phủ",
     date(2023, 4, 12)),
    ("sửa đổi một số điều của Thông tư số 12/2015/TT-BTC ngày 30/01/2015", "22/2019/TT-BTC", "Bộ Tài chính", None),
]


@pytest.mark.parametrize("rows", itertools.permutations(LEGAL_ROWS, 3))
def test_generated_legal_basis_rows(rows):
    documents = parse_legal_basis(LEGAL_HEADER + "".join(title + number for title, number, _, _ in rows))
    assert [(d.title, d.number, d.issued_by, d.date) for d in documents] == [tuple(row) for row in rows]


@pytest.mark.parametrize("marker", ["Bước {n}:", "- Bước {n}:", "+ Bước {n}.", "{letter}) Bước {n}:", "Bước {n} -"])
def test_generated_step_markers(marker):
    texts = ["Nộp hồ sơ tại Bộ phận Một cửa.", "Cán bộ kiểm tra hồ sơ (nếu đủ thì tiếp nhận).", "Trả kết quả."]
    body = "\n".join(marker.format(n=n, letter="abc"[n - 1]) + " " + text for n, text in enumerate(texts, start=1))
    assert parse_steps("Trình tự thực hiện:\n" + body) == tuple(texts)


# ---------------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_outcomes() -> list[tuple[PortalProcedure | None, PortalRecordError | None]]:
    if not (REAL_DATA / "records").is_dir():
        pytest.skip(f"portal data not found at {REAL_DATA} (set QN_DVC_DATA to the dvc folder to run these tests)")
    return list(read_path(REAL_DATA))


@pytest.fixture(scope="module")
def real(real_outcomes) -> dict[str, PortalProcedure]:
    return {p.code: p for p, _ in real_outcomes if p is not None}


def test_every_real_record_is_parsed_or_reported(real_outcomes):
    lines = sum(1 for file in (REAL_DATA / "records").glob("*.jsonl")
                for line in file.read_text(encoding="utf-8").splitlines() if line.strip())
    procedures = [p for p, _ in real_outcomes if p is not None]
    errors = [e for _, e in real_outcomes if e is not None]
    assert sum(p.detailed for p in procedures) + len(errors) == lines
    assert errors == []
    assert len({p.code for p in procedures}) == len(procedures)


def test_real_records_mostly_give_steps_papers_times_and_fees(real):
    detailed = [p for p in real.values() if p.detailed]

    def share(has) -> float:
        return sum(1 for p in detailed if has(p)) / len(detailed)

    assert share(lambda p: p.steps) >= 0.95
    assert share(lambda p: p.papers) >= 0.95
    assert share(lambda p: any(c.time for c in p.channels)) >= 0.90
    assert share(lambda p: any(c.fee for c in p.channels)) >= 0.80
    assert share(lambda p: any(d.number for d in p.legal_basis)) >= 0.90


def test_real_values_are_well_formed(real):
    number = re.compile(r"^\d{1,4}/(?:\d{4}/)?[A-ZĐ][A-ZĐa-z0-9-]*$")
    for procedure in real.values():
        assert unicodedata.is_normalized("NFC", procedure.name), procedure.code
        assert all(step.strip() for step in procedure.steps), procedure.code
        assert all(c.kind in CHANNEL_KINDS for c in procedure.channels), procedure.code
        for paper in procedure.papers:
            assert paper.name and paper.originals in (None, *range(10)) and paper.copies in (None, *range(10))
        for document in procedure.legal_basis:
            assert document.number is None or number.match(document.number), (procedure.code, document.number)


def test_first_id_card_at_the_ministry(real):
    card = real["1.001247"]
    assert card.name == "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên (thực hiện tại cấp trung ương)"
    assert len(card.steps) == 6
    assert card.steps[2] == "Tiến hành thu nhận vân tay, chụp ảnh khuôn mặt và thu nhận ảnh mống mắt của công dân."
    assert card.steps[5].startswith("Nhận kết quả trực tiếp tại cơ quan quản lý căn cước của Bộ Công an")
    assert card.channels == (Channel("in_person", "7 Ngày làm việc", "Miễn phí", None, "Chưa quy định."),)
    [paper] = card.papers
    assert (paper.form, paper.originals, paper.copies) == ("Mẫu CC01 Phiếu thu nhận thông tin căn cước.doc", 1, None)
    assert paper.name.startswith("Phiếu thu nhận thông tin căn cước (Mẫu CC01")
    assert [d.number for d in card.legal_basis] == [
        "16/2024/TT-BCA", "17/2024/TT-BCA", "18/2024/TT-BCA", "70/2024/NĐ-CP", "26/2023/QH15"]
    assert (card.legal_basis[-1].title, card.legal_basis[-1].issued_by) == ("Luật Căn cước", "Quốc hội")
    assert card.results == ("Thẻ căn cước",)


def test_first_id_card_in_the_province(real):
    card = real["2.000200"]
    assert len(card.steps) == 7 and card.steps[1].startswith("Công dân cung cấp thông tin gồm họ, chữ đệm")
    assert [(c.kind, c.time, c.fee) for c in card.channels] == [
        ("online", "7 Ngày làm việc", None), ("in_person", "7 Ngày làm việc", None)]
    assert [(p.form, p.originals) for p in card.papers] == [
        ("Mẫu CC01 Phiếu thu nhận thông tin căn cước.doc", 1),
        ("Mẫu DC02 Phiếu đề nghị giải quyết thủ tục về căn cước.doc", 1),
        (None, 1),
        ("Mẫu DC01 Phiếu thu thập thông tin dân cư.docx", 1),
    ]
    assert card.papers[2].name == "Giấy tờ pháp lý chứa thông tin công dân"
    assert card.papers[2].case.startswith("Trường hợp công dân chưa có thông tin trong cơ sở dữ liệu quốc gia")
    law = next(d for d in card.legal_basis if d.number == "53/2025/TT-BCA")
    assert law.date == date(2025, 7, 1) and law.issued_by == "Bộ Công an"


def test_id_card_renewal_states_its_fee_and_the_reduction(real):
    [channel] = real["1.000889"].channels
    assert (channel.kind, channel.time, channel.fee) == ("in_person", "7 Ngày làm việc", "50,000 Việt Nam Đồng")
    assert "50%" in channel.fee_note


def test_real_lists_add_nothing_the_records_lack(real):
    # every procedure of the list exports has a detail record, so every procedure read is detailed
    assert all(p.detailed for p in real.values())
