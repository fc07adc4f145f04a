"""Visit dates as visitors type them, with the reference day fixed: Monday 23 November 2026."""
from datetime import date

import pytest

from bot.tickets.dates import parse_visit_date

TODAY = date(2026, 11, 23)  # a Monday

CASES = [
    ("hôm nay", date(2026, 11, 23)),
    ("hom nay", date(2026, 11, 23)),
    ("ngày mai", date(2026, 11, 24)),
    ("mai", date(2026, 11, 24)),
    ("ngay mai nhe", date(2026, 11, 24)),
    ("sáng mai mình đi", date(2026, 11, 24)),
    ("ngày kia", date(2026, 11, 25)),
    ("mốt", date(2026, 11, 25)),
    ("thứ Bảy này", date(2026, 11, 28)),
    ("thu bay nay", date(2026, 11, 28)),
    ("thứ 7", date(2026, 11, 28)),
    ("t7 này", date(2026, 11, 28)),
    ("chủ nhật", date(2026, 11, 29)),
    ("chu nhat nay", date(2026, 11, 29)),
    ("CN", date(2026, 11, 29)),
    ("thứ Hai", date(2026, 11, 23)),
    ("thứ ba", date(2026, 11, 24)),
    ("thứ tư này", date(2026, 11, 25)),
    ("thứ năm", date(2026, 11, 26)),
    ("thứ sáu", date(2026, 11, 27)),
    ("thứ 7 tuần sau", date(2026, 12, 5)),
    ("chủ nhật tuần sau", date(2026, 12, 6)),
    ("thu 2 tuan toi", date(2026, 11, 30)),
    ("25/12", date(2026, 12, 25)),
    ("25-12-2026", date(2026, 12, 25)),
    ("25.12.2026", date(2026, 12, 25)),
    ("ngày 25/12/2026", date(2026, 12, 25)),
    ("1/12", date(2026, 12, 1)),
    ("05/01", date(2027, 1, 5)),  # already past this year: next January
    ("10/1/2027", date(2027, 1, 10)),
    ("25/12/26", date(2026, 12, 25)),
    ("2026-12-24", date(2026, 12, 24)),
    ("ngày 28 tháng 11", date(2026, 11, 28)),
    ("ngay 3 thang 12 nam 2026", date(2026, 12, 3)),
    ("tomorrow", date(2026, 11, 24)),
    ("today", date(2026, 11, 23)),
    ("the day after tomorrow", date(2026, 11, 25)),
    ("this Saturday", date(2026, 11, 28)),
    ("next Saturday", date(2026, 12, 5)),
    ("Sunday", date(2026, 11, 29)),
    ("Dec 25", date(2026, 12, 25)),
    ("25 December", date(2026, 12, 25)),
    ("đặt 1 vé ngày mai", date(2026, 11, 24)),  # "một"/"1" is not "mốt"
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_vietnamese_and_english_dates(text, expected):
    assert parse_visit_date(text, TODAY).value == expected


@pytest.mark.parametrize("text", ["mùng 2 Tết", "mung 2 tet", "rằm tháng Giêng", "15 âm lịch"])
def test_lunar_dates_are_refused_not_guessed(text):
    answer = parse_visit_date(text, TODAY)
    assert answer.value is None and answer.problem == "lunar"


@pytest.mark.parametrize("text,problem", [("31/2", "invalid"), ("32/12", "invalid"), ("lúc nào cũng được", "unknown"),
                                          ("xyz", "unknown")])
def test_impossible_or_missing_dates(text, problem):
    assert parse_visit_date(text, TODAY) == parse_visit_date(text, TODAY).__class__(problem=problem)
