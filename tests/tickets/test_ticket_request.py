"""A visitor's booking message, in every shape people write it: the tickets counted are the tickets asked for,
the day is the day said, whatever numbers the date or the time holds ("thứ 7", "15/12", "14:00-16:00").

The cases are generated (hypothesis, seeded): a date expression × a count expression × an optional time × word
order × with or without diacritics × English. The expected values come from what was said, not from the parser.
"""
from __future__ import annotations

from datetime import date, timedelta

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import strip_diacritics
from bot.tickets.parsing import read_booking_change, read_ticket_request, ticket_kinds
from tests.conftest import KNOWLEDGE_DIR

MUSEUM = yaml.safe_load((KNOWLEDGE_DIR / "museum.yml").read_text(encoding="utf-8"))["museum"]
KINDS = ticket_kinds([(t["id"], t["name_vi"], t.get("name_en")) for t in MUSEUM["ticket_types"]],
                     {t["id"]: tuple(t.get("aliases") or ()) for t in MUSEUM["ticket_types"]})
CASES = settings(max_examples=2000, derandomize=True, deadline=None)  # seeded: the same 2,000 cases every run

VI_KIND_WORDS = {"adult": ["người lớn", "vé người lớn", "ng lớn"], "child": ["trẻ em", "học sinh", "bé", "cháu"],
                 "student": ["sinh viên", "sv"], "elderly": ["người cao tuổi", "người già"],
                 "child-free": ["trẻ em dưới 7 tuổi", "bé dưới 7 tuổi"]}
EN_KIND_WORDS = {"adult": ["adult", "adults"], "child": ["child", "children", "kids"], "student": ["students"],
                 "elderly": ["seniors"], "child-free": ["children under 7", "toddlers"]}
VI_NUMBERS = ["một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"]
EN_NUMBERS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
VI_WEEKDAYS = [["thứ hai", "thứ 2", "t2"], ["thứ ba", "thứ 3", "t3"], ["thứ tư", "thứ 4", "t4"],
               ["thứ năm", "thứ 5", "t5"], ["thứ sáu", "thứ 6", "t6"], ["thứ bảy", "thứ 7", "t7"],
               ["chủ nhật", "CN"]]
EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]


@st.composite
def said_dates(draw, reference: date, english: bool) -> tuple[str, date]:
    """A date expression and the day it names (by the meaning people give it, written out here)."""
    form = draw(st.sampled_from(["numeric", "words", "weekday", "relative"]))
    if form == "weekday":
        weekday = draw(st.integers(0, 6))
        next_week = draw(st.booleans())
        if next_week:
            expected = reference - timedelta(days=reference.weekday()) + timedelta(days=7 + weekday)
        else:
            expected = reference + timedelta(days=(weekday - reference.weekday()) % 7)
        if english:
            name = EN_WEEKDAYS[weekday]
            return (f"next {name}" if next_week else draw(st.sampled_from([name, f"this {name}", f"on {name}"])),
                    expected)
        name = draw(st.sampled_from(VI_WEEKDAYS[weekday]))
        suffix = draw(st.sampled_from([" tuần sau", " tuần tới"])) if next_week else \
            draw(st.sampled_from(["", " này", " tuần này"]))
        return name + suffix, expected
    if form == "relative":
        days = draw(st.integers(0, 2))
        words = (["today"], ["tomorrow"], ["the day after tomorrow"])[days] if english else \
            (["hôm nay", "hnay"], ["ngày mai", "mai"], ["ngày kia"])[days]
        return draw(st.sampled_from(words)), reference + timedelta(days=days)
    target = reference + timedelta(days=draw(st.integers(0, 300)))
    d, m, y = target.day, target.month, target.year
    if form == "numeric":
        return draw(st.sampled_from([f"{d}/{m}", f"{d:02d}/{m:02d}", f"{d}/{m}/{y}", f"{d}-{m}-{y}",
                                     f"{d}.{m}.{y}", f"{y}-{m:02d}-{d:02d}"] +
                                    ([] if english else [f"ngày {d}/{m}", f"ngày {d:02d}/{m:02d}/{y}"]))), target
    if english:
        month = EN_MONTHS[m - 1]
        return draw(st.sampled_from([f"{month} {d}", f"{month[:3]} {d}", f"{d} {month}", f"{d}th {month}",
                                     f"the {d}th of {month}", f"{month} {d}, {y}"])), target
    return draw(st.sampled_from([f"ngày {d} tháng {m}", f"{d} tháng {m}", f"ngày {d} tháng {m} năm {y}",
                                 f"{d} thg {m}", f"mùng {d} tháng {m}"] if d <= 10 else
                                [f"ngày {d} tháng {m}", f"{d} tháng {m}", f"ngày {d} tháng {m} năm {y}",
                                 f"{d} thg {m}"])), target


@st.composite
def said_counts(draw, english: bool) -> tuple[str, dict[str, int]]:
    """"4 người lớn và 2 trẻ em", "two adults, 3 kids": what is said and the counts it means."""
    kinds = draw(st.lists(st.sampled_from(sorted(VI_KIND_WORDS)), min_size=1, max_size=3, unique=True))
    parts, expected = [], {}
    for kind in kinds:
        number = draw(st.integers(1, 60))
        expected[kind] = number
        word = draw(st.sampled_from((EN_KIND_WORDS if english else VI_KIND_WORDS)[kind]))
        spelled = (EN_NUMBERS if english else VI_NUMBERS)[number - 1] if number <= 10 else None
        said = spelled if spelled and draw(st.booleans()) else str(number)
        ticket = draw(st.sampled_from(["", " tickets for"] if english else ["", " vé"]))
        parts.append(f"{said}{ticket} {word}")
    joiner = draw(st.sampled_from([", ", " and "] if english else [", ", " và ", " ", " + "]))
    return joiner.join(parts), expected


@st.composite
def said_times(draw, english: bool) -> tuple[str, str | None]:
    """Nothing, or a time of day and the start it names."""
    hour = draw(st.integers(8, 16))
    choices = [("", None), (f"{hour}:00-{hour + 1}:00", f"{hour:02d}:00"), (f"{hour}h30", f"{hour:02d}:30")]
    if english:
        choices += [(f"at {hour % 12 or 12}{'pm' if hour >= 12 else 'am'}", f"{hour:02d}:00"),
                    (f"at {hour}:00", f"{hour:02d}:00")]
    else:
        choices += [(f"lúc {hour}h", f"{hour:02d}:00"), (f"{hour}h-{hour + 2}h", f"{hour:02d}:00"),
                    (f"{hour % 12 or 12} giờ {'chiều' if hour >= 12 else 'sáng'}", f"{hour:02d}:00")]
    return draw(st.sampled_from(choices))


@st.composite
def booking_messages(draw):
    reference = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    english = draw(st.booleans())
    date_text, expected_date = draw(said_dates(reference, english))
    counts_text, expected_counts = draw(said_counts(english))
    time_text, expected_time = draw(said_times(english))
    pieces = draw(st.permutations([counts_text, date_text, time_text]))
    opening = draw(st.sampled_from(["I'd like to book", "book", "", "tickets:"] if english else
                                   ["đặt", "cho mình đặt", "mua vé bảo tàng", "", "đặt vé"]))
    # English puts a comma or "on" between "1 January" and "11 adults"; without one even a person cannot tell.
    text = (", " if english else " ").join(p for p in pieces if p)
    text = " ".join(p for p in (opening, text) if p)
    if not english and draw(st.booleans()):
        text = strip_diacritics(text)
    return text, reference, expected_counts, expected_date, expected_time


@CASES
@given(booking_messages())
def test_the_tickets_counted_and_the_day_are_the_ones_said(case):
    text, reference, counts, day, time = case
    request = read_ticket_request(text, KINDS, "adult", reference)
    assert request.counts == counts, text
    assert request.date.value == day, text
    assert request.time.start == time, text


@CASES
@given(st.data())
def test_a_change_of_day_or_of_tickets_during_the_booking_is_read_as_said(data):
    reference = data.draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
    english = data.draw(st.booleans())
    current = {"adult": data.draw(st.integers(1, 10))}
    kind = data.draw(st.sampled_from(sorted(VI_KIND_WORDS)))
    number = data.draw(st.integers(1, 9))
    word = data.draw(st.sampled_from((EN_KIND_WORDS if english else VI_KIND_WORDS)[kind]))
    change = data.draw(st.sampled_from(["day", "add", "remove"]))
    if change == "day":
        said, day = data.draw(said_dates(reference, english))
        verb = data.draw(st.sampled_from(["change to", "switch to", "make it"] if english else
                                         ["đổi sang", "chuyển sang", "đổi thành", "cho mình đổi qua"]))
        text, expected = f"{verb} {said}", ("visit_date", day)
    elif change == "add":
        verb = data.draw(st.sampled_from(["add", "plus"] if english else ["thêm", "cho thêm", "thêm giúp mình"]))
        text = f"{verb} {number} {word}"
        expected = ("ticket_counts", {**current, kind: current.get(kind, 0) + number})
    else:
        verb = data.draw(st.sampled_from(["remove", "minus"] if english else ["bớt", "giảm", "bớt đi"]))
        number = min(number, current["adult"])  # fewer adults than booked: never below none
        word = data.draw(st.sampled_from((EN_KIND_WORDS if english else VI_KIND_WORDS)["adult"]))
        text = f"{verb} {number} {word}"
        left = current["adult"] - number
        expected = ("ticket_counts", {"adult": left} if left else {})
    if not english and data.draw(st.booleans()):
        text = strip_diacritics(text)
    found = read_booking_change(text, KINDS, "adult", reference, current)
    slot, value = expected
    got = found.values.get(slot)
    assert (got.value if slot == "visit_date" else got) == value, text


def test_the_messages_that_miscounted_before():
    monday = date(2026, 11, 23)
    request = read_ticket_request("đặt 4 vé người lớn thứ 7 tuần sau", KINDS, "adult", monday)
    assert (request.counts, request.date.value) == ({"adult": 4}, date(2026, 12, 5))
    request = read_ticket_request("đặt 2 vé người lớn ngày 15 tháng 12", KINDS, "adult", monday)
    assert (request.counts, request.date.value) == ({"adult": 2}, date(2026, 12, 15))
    request = read_ticket_request("3 vé 15/12 8h", KINDS, "adult", monday)
    assert (request.counts, request.date.value, request.time.start) == ({"adult": 3}, date(2026, 12, 15), "08:00")


def test_an_age_a_phone_number_and_a_group_are_not_counted_as_tickets():
    monday = date(2026, 11, 23)
    request = read_ticket_request("đoàn 30 học sinh, 2 bé dưới 7 tuổi, sđt 0912 345 678", KINDS, "adult", monday)
    assert request.counts == {"child": 30, "child-free": 2} and request.group


def test_a_time_without_a_day_and_a_day_without_tickets():
    request = read_ticket_request("đặt vé bảo tàng chiều mai", KINDS, "adult", date(2026, 11, 23))
    assert request.counts is None and request.date.value == date(2026, 11, 24)
    assert request.time.part_of_day == "afternoon"
