"""`qn-staff import-portal`: the national portal's records in the database, by code, as staff would run it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.knowledge import load_knowledge
from bot.knowledge.cli import main as staff
from bot.knowledge.loader import read_knowledge
from bot.knowledge.models import KnowledgeVersion, PortalRecord
from bot.knowledge.portal_import import import_portal
from bot.knowledge.repository import KnowledgeBase
from tests.conftest import KNOWLEDGE_DIR
from tests.knowledge.conftest import REAL_DATA
from tests.knowledge.test_portal import FIXTURE, LIST_ROWS, write_list_export


def record(code: str, name: str, level: str = "Cấp xã", **fields: str) -> dict[str, str]:
    """A detail record with the portal's field names (only what a test needs; the rest empty)."""
    return {"ma_thu_tuc": code, "ten_thu_tuc": name, "cap_thuc_hien": level, "linh_vuc": "Hộ tịch",
            "detail_url": f"https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{code}", "source_date": "2026-06-15",
            **fields}


def write_records(path: Path, records: list[dict | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
                    + "\n", encoding="utf-8")
    return path


def codes(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {r.code: r.name for r in session.execute(select(PortalRecord)).scalars()}


def versions(engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(KnowledgeVersion)).scalar_one())


def test_a_folder_is_imported_with_its_tables_parsed_and_its_bad_lines_reported(engine, tmp_path):
    folder = tmp_path / "dvc"
    shutil.copytree(FIXTURE / "records", folder / "records")
    (folder / "lists").mkdir()
    write_list_export(folder / "lists" / "danh-sach-tthc-BoTuPhap.xlsx", LIST_ROWS)

    report = import_portal(engine, folder)

    stored = codes(engine)
    assert report.added == len(stored) == report.read
    assert "1.900004" not in stored and "1.900008" in stored  # a cut line is reported; a list-only row is kept
    assert any(e.line == 4 and "malformed JSON" in e.reason for e in report.errors)
    assert any(e.code == "1.900001" and "duplicate" in e.reason for e in report.errors)
    guide = KnowledgeBase(engine).procedure("1.900001")
    assert guide is not None and guide.steps and guide.documents and guide.channels and not guide.curated
    assert {c.kind for c in guide.channels} >= {"in_person"}


def test_reimporting_updates_by_code_and_reports_what_disappeared(engine, tmp_path):
    path = write_records(tmp_path / "bo-tu-phap.jsonl", [record("1.000001", "Thủ tục đăng ký khai sinh"),
                                                        record("1.000002", "Thủ tục đăng ký kết hôn")])
    first = import_portal(engine, path)
    assert (first.added, first.version is not None) == (2, True)
    again = import_portal(engine, path)
    assert (again.unchanged, again.version) == (2, None)  # nothing changed: no new knowledge version

    write_records(path, [record("1.000001", "Thủ tục đăng ký khai sinh (sửa đổi)")])
    changed = import_portal(engine, path)

    assert (changed.updated, changed.removed) == (1, [("1.000002", "Thủ tục đăng ký kết hôn")])
    assert codes(engine) == {"1.000001": "Thủ tục đăng ký khai sinh (sửa đổi)"}
    assert KnowledgeBase(engine).procedure("1.000002") is None


def test_records_of_another_file_and_of_a_file_with_unreadable_lines_are_kept(engine, tmp_path):
    justice = write_records(tmp_path / "bo-tu-phap.jsonl", [record("1.000001", "Đăng ký khai sinh"),
                                                           record("1.000002", "Đăng ký kết hôn")])
    police = write_records(tmp_path / "bo-cong-an.jsonl", [record("1.000003", "Đăng ký tạm trú")])
    import_portal(engine, justice)
    import_portal(engine, police)

    write_records(justice, [record("1.000001", "Đăng ký khai sinh"), '{"ma_thu_tuc": "1.0000'])
    report = import_portal(engine, justice)

    assert report.kept == [("1.000002", "Đăng ký kết hôn")] and report.removed == []
    assert set(codes(engine)) == {"1.000001", "1.000002", "1.000003"}


def test_a_list_row_never_replaces_a_detailed_record(engine, tmp_path):
    detailed = record("1.900006", "Đăng ký khai sinh", trinh_tu_thuc_hien="Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.")
    import_portal(engine, write_records(tmp_path / "records" / "bo-tu-phap.jsonl", [detailed]))
    export = write_list_export(tmp_path / "danh-sach-tthc-BoTuPhap.xlsx", LIST_ROWS)

    report = import_portal(engine, export)

    guide = KnowledgeBase(engine).procedure("1.900006")
    assert guide is not None and guide.steps == ("Nộp hồ sơ.", "Nhận kết quả.")
    assert report.added == 2 and report.unchanged == 1  # 1.900008 and 1.900010 are new; 1.900011 has no name


def test_a_staff_load_keeps_the_imported_records(engine, tmp_path):
    import_portal(engine, write_records(tmp_path / "r.jsonl", [record("1.000001", "Đăng ký khai sinh lưu động")]))
    load_knowledge(engine, KNOWLEDGE_DIR)
    assert "1.000001" in codes(engine)


def test_the_staff_command_prints_what_it_did_and_refuses_what_it_cannot_read(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    path = write_records(tmp_path / "r.jsonl", [record("1.000001", "Đăng ký khai sinh"), "not json"])

    assert staff(["--database-url", url, "import-portal", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Read 1 procedures: 1 added" in out and "1 could not be read" in out
    assert "r.jsonl:2" in err and "malformed JSON" in err

    assert staff(["--database-url", url, "import-portal", str(tmp_path / "missing")]) == 1
    assert "Nothing imported" in capsys.readouterr().err


def test_a_curated_guide_with_a_code_is_answered_with_the_records_facts_beneath_it(engine, tmp_path):
    load_knowledge(engine, KNOWLEDGE_DIR)
    papers = "Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai đăng ký kết hônMẫu TK.docx1 bản chính,0 bản sao"
    channels = "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việcMiễn phíNộp tại UBND xã"
    import_portal(engine, write_records(tmp_path / "r.jsonl", [
        record("1.000894", "Thủ tục đăng ký kết hôn", thanh_phan_ho_so=papers, cach_thuc_thuc_hien=channels)]))
    kb = KnowledgeBase(engine)

    match = kb.find_procedure("1.000894")  # the code names the curated guide, not a second procedure
    guide = kb.procedure("dang-ky-ket-hon")

    assert match.procedure is not None and match.procedure.id == "dang-ky-ket-hon"
    curated = next(p for p in read_knowledge(KNOWLEDGE_DIR).procedures if p["id"] == "dang-ky-ket-hon")
    assert guide is not None and guide.curated and list(guide.steps) == curated["steps"]  # the staff's steps stay
    assert guide.channel_facts("time") == (("in_person", "5 Ngày làm việc"),)  # the record supplies the rest
    assert "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/1.000894" in guide.sources
    assert [ref.id for ref in kb.procedure_index().entries.values()].count("1.000894") == 0


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"the portal's records are not at {REAL_DATA}")
def test_every_record_of_the_national_portal_is_imported(engine):
    report = import_portal(engine, REAL_DATA)
    assert report.read == report.added == len(codes(engine)) >= 2600 and not report.errors
    first_card = KnowledgeBase(engine).procedure("1.014061")
    assert first_card is not None and "14 tuổi" in first_card.name and first_card.steps and first_card.documents
