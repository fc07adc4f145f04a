"""Citizens asking how to do a procedure, through the running bot."""
from __future__ import annotations

import subprocess
import uuid

import yaml

from tests.conftest import KNOWLEDGE_DIR
from tests.conversations.conftest import VENV_BIN

PROCEDURES = {p["id"]: p for p in
              yaml.safe_load((KNOWLEDGE_DIR / "procedures.yml").read_text(encoding="utf-8"))["procedures"]}


def new_user() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def text_of(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_steps_first_with_buttons_for_documents_fee_and_time(running_bot):
    procedure = PROCEDURES["dang-ky-tam-tru"]
    replies = running_bot.say(new_user(), "đăng ký tạm trú trên VNeID thế nào?")
    text = text_of(replies)
    assert text.startswith(procedure["name"]) and procedure["steps"][0] in text
    assert {b["payload"] for b in replies[-1]["buttons"]} == {
        f'/{intent}{{"procedure": "dang-ky-tam-tru"}}'
        for intent in ("ask_procedure_documents", "ask_procedure_fee", "ask_processing_time")}
    assert all(len(r.get("text", "")) <= 4096 for r in replies)


def test_follow_ups_refer_to_the_procedure_in_context(running_bot):
    user = new_user()
    procedure = PROCEDURES["cap-ho-chieu-pho-thong"]
    running_bot.say(user, "làm hộ chiếu thế nào")
    documents = text_of(running_bot.say(user, "cần giấy tờ gì?"))
    assert procedure["name"] in documents
    for document in procedure.get("documents", []):
        assert document in documents
    time_reply = text_of(running_bot.say(user, "mất bao lâu?"))
    assert procedure["name"] in time_reply
    assert procedure.get("processing_time", "chưa có thông tin") in time_reply


def test_a_fee_no_source_gives_is_not_invented(running_bot):
    procedure = next(p for p in PROCEDURES.values() if "fee" not in p)
    text = text_of(running_bot.say(new_user(), f"lệ phí {procedure['name'].lower()} là bao nhiêu?"))
    assert "chưa có thông tin chính thức về lệ phí" in text and procedure["source"][0] in text


def test_without_diacritics_and_in_teencode(running_bot):
    assert text_of(running_bot.say(new_user(), "dk tam tru tren vneid ntn")).startswith("Đăng ký tạm trú")
    text = text_of(running_bot.say(new_user(), "le phi ly lich tu phap bao nhieu"))
    assert PROCEDURES["cap-phieu-ly-lich-tu-phap"]["fee"] in text


def test_close_matches_are_asked_back_with_buttons(running_bot):
    [reply] = running_bot.say(new_user(), "căn cước làm như thế nào vậy")  # three ID-card procedures
    assert reply["text"] == "Bạn hỏi về thủ tục nào ạ?" and len(reply["buttons"]) >= 2


def test_a_procedure_known_only_from_the_portal_is_answered_from_its_record(running_bot, tmp_path):
    """Imported while the bot runs: its next answer knows the record, pages long steps and gives fees per channel."""
    from tests.knowledge.test_portal_import import record, write_records

    steps = " ".join(f"Bước {n}: Tổ chức, cá nhân thực hiện công việc thứ {n} của hồ sơ khai thác tổ yến, "
                     f"gồm kiểm tra hiện trạng đảo, đối chiếu ranh giới khu vực và lập biên bản có chữ ký của các "
                     f"bên liên quan theo quy định (phần việc số {n})." for n in range(1, 9))
    channels = ("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp15 Ngày làm việcPhí : 500,000 Đồng"
                "Nộp tại Sở Nông nghiệp và Môi trường")
    name = "Cấp giấy phép khai thác tổ yến trên đảo"
    path = write_records(tmp_path / "records.jsonl", [
        record("9.999001", name, "Cấp tỉnh", trinh_tu_thuc_hien=steps, cach_thuc_thuc_hien=channels)])
    subprocess.run([str(VENV_BIN / "qn-staff"), "import-portal", str(path)], env=running_bot.env, check=True,
                   capture_output=True)
    user = new_user()

    replies = running_bot.say(user, "xin giấy phép khai thác tổ yến trên đảo thế nào?")

    first = text_of(replies)
    assert first.startswith(name) and "Cấp tỉnh" in first and "công việc thứ 1 " in first
    assert "công việc thứ 8 " not in first and "dichvucong.gov.vn/thu-tuc-hanh-chinh/9.999001" in first
    more = [b["payload"] for b in replies[-1]["buttons"] if "procedure_page" in b["payload"]]
    rest = text_of(running_bot.say(user, more[0]))
    assert "công việc thứ 8 " in rest and "công việc thứ 1 " not in rest
    assert "500,000 Đồng" in text_of(running_bot.say(user, "lệ phí bao nhiêu?"))
    assert "15 Ngày làm việc" in text_of(running_bot.say(user, "mất bao lâu?"))
