"""The booking form understands counts, phones and names as people type them, and refuses the impossible."""
import pytest
import yaml

from bot.tickets.parsing import booking_field_in, normalise_name, normalise_phone, parse_ticket_counts, ticket_kinds
from tests.conftest import KNOWLEDGE_DIR

MUSEUM = yaml.safe_load((KNOWLEDGE_DIR / "museum.yml").read_text(encoding="utf-8"))["museum"]
KINDS = ticket_kinds([(t["id"], t["name_vi"], t.get("name_en")) for t in MUSEUM["ticket_types"]],
                     {t["id"]: tuple(t.get("aliases") or ()) for t in MUSEUM["ticket_types"]})


@pytest.mark.parametrize("text,expected", [
    ("4", {"adult": 4}),
    ("đặt 4 vé", {"adult": 4}),
    ("4 người lớn 2 trẻ em", {"adult": 4, "child": 2}),
    ("4 nguoi lon, 2 tre em", {"adult": 4, "child": 2}),
    ("đoàn 30 học sinh", {"child": 30}),
    ("2 sinh viên và 1 người lớn", {"student": 2, "adult": 1}),
    ("hai vé người lớn", {"adult": 2}),
    ("2 adults 1 child", {"adult": 2, "child": 1}),
    ("đặt 4 vé người lớn thứ Bảy tuần sau", {"adult": 4}),
    ("3 vé thứ sáu tuần sau", {"adult": 3}),
    ("ba người lớn", {"adult": 3}),
])
def test_ticket_counts(text, expected):
    assert parse_ticket_counts(text, KINDS, "adult") == expected


@pytest.mark.parametrize("text", ["-5", "0 vé", "không biết", "vé", "-5 người lớn"])
def test_impossible_counts_are_refused(text):
    assert parse_ticket_counts(text, KINDS, "adult") is None


@pytest.mark.parametrize("text,expected", [("0912345678", "0912345678"), ("0912 345 678", "0912345678"),
                                           ("+84 912 345 678", "0912345678"), ("84912345678", "0912345678"),
                                           ("0387.654.321", "0387654321")])
def test_vietnamese_mobile_numbers(text, expected):
    assert normalise_phone(text) == expected


@pytest.mark.parametrize("text", ["12345", "0212345678", "091234567", "09123456789", "abc", ""])
def test_wrong_phone_numbers(text):
    assert normalise_phone(text) is None


def test_names():
    assert normalise_name("  nguyễn   văn an ") == "Nguyễn Văn An"
    assert normalise_name("John O'Neil") == "John O'Neil"
    assert normalise_name("x") is None and normalise_name("abc123") is None and normalise_name("a" * 81) is None


@pytest.mark.parametrize("text, field", [
    ("đổi ngày", "visit_date"), ("doi sang thu 7 duoc ko", "visit_date"), ("can I change the date?", "visit_date"),
    ("đổi giờ khác", "time_slot"), ("switch to the afternoon slot", "time_slot"),
    ("sửa số vé", "ticket_counts"), ("change the number of tickets", "ticket_counts"),
    ("tên bị sai", "visitor_name"), ("my name is misspelled", "visitor_name"),
    ("sđt sai rồi", "visitor_phone"), ("doi so dien thoai", "visitor_phone"), ("wrong phone number", "visitor_phone"),
    ("đổi cái khác", None), ("change something", None),
])
def test_a_typed_change_request_names_the_field_to_change(text, field):
    assert booking_field_in(text) == field
