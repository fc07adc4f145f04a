"""Visit dates and times as people write them in Vietnamese (and English), relative to a reference day.

"hôm nay", "ngày mai", "ngày kia", "thứ Bảy này", "thứ 7 tuần sau", "t7", "chủ nhật", "25/12", "25-12-2026",
"ngày 25 tháng 12", "tomorrow", "next Saturday", "Dec 25"; times "8h", "8h30", "14:00-16:00", "2pm",
"9 giờ sáng", "buổi chiều". Lunar dates ("mùng 2 Tết") are recognised and refused politely: the calendar
conversion is not something to guess.

Every expression is found as a span of the text (`find_when`), so that the numbers inside a date or a time
("thứ 7", "15/12", "8h") are known not to be anything else, such as a number of tickets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.text import nfc, strip_diacritics

VI_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4, "6": 4, "bay": 5,
               "7": 5}
EN_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
               "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6}
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
          "nov": 11, "dec": 12}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:[a-z]*)\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_B = r"(?<![\w/.:-])"  # a span starts at a word boundary that is not inside "15/12" or "8:30"
_E = r"(?![\w/:]|\.\d|-\d)"  # and ends at one
_PART_OF_DAY = {"sang": "morning", "trua": "morning", "morning": "morning", "am": "morning", "chieu": "afternoon",
                "afternoon": "afternoon", "pm": "afternoon", "toi": "evening", "evening": "evening"}


@dataclass(frozen=True)
class DateAnswer:
    """A date, or why there is none: 'lunar' (refused politely), 'invalid' (31/2) or 'unknown' (not a date)."""

    value: date | None = None
    problem: str | None = None


@dataclass(frozen=True)
class TimeAnswer:
    """A time of day said: its start ("14:00"), or only a part of the day ("afternoon")."""

    start: str | None = None
    part_of_day: str | None = None


@dataclass(frozen=True)
class When:
    """The day and the time found in a text, with the spans (start, end) of every date or time expression."""

    date: DateAnswer
    time: TimeAnswer
    spans: tuple[tuple[int, int], ...]


def plain(text: str) -> str:
    """Lowercase and without diacritics, with exactly one character for each character of NFC `text`, so that
    a span found in it is the same span of the text."""
    return "".join(folded if len(folded := strip_diacritics(ch).lower()) == 1 else ch.lower() for ch in nfc(text))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(reference: date, day: int, month: int, year: int | None) -> DateAnswer:
    if year is not None and year < 100:
        year += 2000
    candidate = _safe_date(year or reference.year, month, day)
    if candidate is None:
        return DateAnswer(problem="invalid")
    if year is None and candidate < reference:  # "25/1" said in December means next January
        candidate = _safe_date(reference.year + 1, month, day) or candidate
    return DateAnswer(candidate)


def _day_of_month(reference: date, day: int) -> DateAnswer:
    """"ngày 15" alone: the next 15th from today."""
    for months_ahead in range(3):
        month = (reference.month - 1 + months_ahead) % 12 + 1
        year = reference.year + (reference.month - 1 + months_ahead) // 12
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate >= reference:
            return DateAnswer(candidate)
    return DateAnswer(problem="invalid")


def _weekday(reference: date, weekday: int, next_week: bool) -> date:
    if next_week:  # "thứ 7 tuần sau", "next Saturday": that weekday in the next calendar week
        monday_next = reference - timedelta(days=reference.weekday()) + timedelta(days=7)
        return monday_next + timedelta(days=weekday)
    return reference + timedelta(days=(weekday - reference.weekday()) % 7)


# "2-3 người" is a number of people, not the 2nd of March.
_NOT_A_COUNT = r"(?!\s*(?:nguoi|ng|ve|khach|tre|hs|hoc|sinh|adult|ticket|people|person|pax)\b)"
_NEXT_WEEK = r"(?:\s*,?\s*(tuan\s*(?:sau|toi|nua)|next\s+week|this\s+week|tuan\s+nay|nay))?"
# (pattern, kind): earlier patterns win where spans overlap; every one is matched on plain() text.
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), kind) for p, kind in (
    (_B + r"(?:mung|mong|ngay)?\s*\d{1,2}\s+(?:thang\s+)?(?:gieng|chap)\b|" + _B
     + r"(?:mung\s+\d{1,2}\s+)?tet\b|\bam\s+lich\b|\blunar\b|\bram\s+thang\b|\b\d{1,2}\s*al\b", "lunar"),
    (_B + r"(\d{4})-(\d{1,2})-(\d{1,2})" + _E, "iso"),
    (_B + r"(?:(?:ngay|mung|on|the)\s+)?(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{4}|\d{2}))?" + _E + _NOT_A_COUNT,
     "numeric"),
    (_B + r"(?:(?:ngay|mung|mong)\s+)?(\d{1,2})\s+(?:thang|thg|th)\s*(\d{1,2})(?:\s*(?:nam|,)?\s*(\d{4}))?\b",
     "day_month"),
    (r"\b" + _MONTH + r"\s+(?:the\s+)?(\d{1,2})" + _ORDINAL + r"(?:,?\s+(\d{4}))?\b", "month_day"),
    (_B + r"(?:the\s+)?(\d{1,2})" + _ORDINAL + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(\d{4}))?\b", "day_month_en"),
    (r"\b(?:(next|this|coming)\s+)?(?:thu\s*(hai|ba|tu|nam|sau|bay|[2-7])|t([2-7])|chu\s*nhat|cn|(cuoi\s*tuan))\b"
     + _NEXT_WEEK + r"\b", "weekday_vi"),
    (r"\b(?:(next|this|coming)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|mon|tue|"
     r"wed|fri|sat|sun|weekend)\b" + _NEXT_WEEK + r"\b", "weekday_en"),
    (r"\b(?:hom\s*nay|bua\s*nay|hnay|today|tonight|nay\s+luon)\b", "today"),
    (r"\b(?:ngay\s+kia|ngay\s+mot|(?:the\s+)?day\s+after\s+tomorrow)\b", "after_tomorrow"),
    (r"\b(?:ngay\s+)?mai\b|\btomorrow\b", "tomorrow"),
    (r"\b(?:ngay|mung|mong)\s+(\d{1,2})\b(?!\s*(?:thang|thg|[/.\-]\s*\d))|\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b",
     "day_of_month"),
    (r"\b(?:nam\s+)?(?:19|20)\d{2}\b", "year"),
))
_TIME_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # "14:00-16:00", "8h-10h", "8 - 10h", "từ 8h đến 10h"
    _B + r"(?:tu\s+|from\s+)?(\d{1,2})\s*(?:h|g|:|gio)?(\d{2})?\s*(?:-|–|~|den|toi|to|until)\s*\d{1,2}\s*"
    r"(?:h|g|:|gio)\d{0,2}(?:\s*(sang|chieu|toi|am|pm))?" + _E,
    _B + r"(?:tu\s+|from\s+)?(\d{1,2})\s*(?:h|g|:|gio)(\d{2})?\s*(?:-|–|~|den|toi|to|until)\s*\d{1,2}"
    r"(?:\s*(sang|chieu|toi|am|pm))?" + _E,
    # "8h", "8h30", "8:30", "8 giờ 30", "9 giờ sáng", "2pm", "2:30 pm", "lúc 9h"
    _B + r"(?:luc\s+|at\s+|khoang\s+|around\s+)?(\d{1,2})\s*(?:h|g|:)(\d{2})?(?:\s*(?:phut|p))?"
    r"(?:\s*(sang|chieu|toi|trua|am|pm))?(?![\w:])",
    _B + r"(?:luc\s+|khoang\s+)?(\d{1,2})\s*gio(?:\s*(\d{1,2})(?![/.\-]\d)(?:\s*phut)?|\s*(ruoi))?"
    r"(?:\s*(sang|chieu|toi|trua))?\b",
    _B + r"(?:at\s+|around\s+)?(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?!\w)",
    # "buổi chiều", "sáng": a part of the day; "đổi sang" (switch to) folds to the same "sang" and is not one.
    r"(?<!doi )(?<!chuyen )(?<!qua )(?<!lui )\b(?:buoi\s+)?(sang|chieu|morning|afternoon)\b",
))


def _date_from(match: re.Match[str], kind: str, reference: date, typed: str) -> DateAnswer | None:
    g = match.groups()
    if kind == "lunar":
        return DateAnswer(problem="lunar")
    if kind == "iso":
        found = _safe_date(int(g[0]), int(g[1]), int(g[2]))
        return DateAnswer(found) if found else DateAnswer(problem="invalid")
    if kind == "numeric":
        return _day_month(reference, int(g[0]), int(g[2]), int(g[3]) if g[3] else None)
    if kind == "day_month":
        return _day_month(reference, int(g[0]), int(g[1]), int(g[2]) if g[2] else None)
    if kind == "month_day":
        return _day_month(reference, int(g[1]), MONTHS[g[0]], int(g[2]) if g[2] else None)
    if kind == "day_month_en":
        return _day_month(reference, int(g[0]), MONTHS[g[1]], int(g[2]) if g[2] else None)
    if kind == "today":
        return DateAnswer(reference)
    if kind == "after_tomorrow":
        return DateAnswer(reference + timedelta(days=2))
    if kind == "tomorrow":
        return DateAnswer(reference + timedelta(days=1))
    if kind == "day_of_month":
        return _day_of_month(reference, int(g[0] or g[1]))
    if kind in ("weekday_vi", "weekday_en"):
        qualifier = (g[0] or "") + " " + (g[-1] or "")
        next_week = bool(re.search(r"next|sau|toi|nua", qualifier)) and "this" not in qualifier
        if kind == "weekday_vi":
            said = g[1] or g[2]
            weekday = VI_WEEKDAYS[said] if said else 5 if g[3] else 6  # "cuối tuần": the Saturday
        else:
            weekday = 5 if g[1] == "weekend" else EN_WEEKDAYS[g[1]]
        return DateAnswer(_weekday(reference, weekday, next_week))
    return None  # a year alone says no day


def _time_from(match: re.Match[str]) -> TimeAnswer:
    g = [x for x in match.groups()]
    if len(g) == 1:  # "buổi chiều", "morning"
        return TimeAnswer(part_of_day=_PART_OF_DAY[g[0]])
    hour, minutes = int(g[0]), g[1]
    part = next((x for x in g[2:] if x in _PART_OF_DAY or x in ("a.m.", "p.m.")), None)
    if minutes == "ruoi" or (len(g) > 2 and g[2] == "ruoi"):
        minutes = "30"
    if part in ("chieu", "toi", "pm", "p.m.") and hour < 12:
        hour += 12
    if hour > 23 or (minutes and minutes.isdigit() and int(minutes) > 59):
        return TimeAnswer()
    start = f"{hour:02d}:{int(minutes) if minutes and minutes.isdigit() else 0:02d}"
    return TimeAnswer(start=start, part_of_day="morning" if hour < 12 else "afternoon" if hour < 18 else "evening")


def find_when(text: str, reference: date) -> When:
    """Every date and time expression in `text`: the first date said, the first time said, and their spans."""
    folded = plain(text)
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return start < end and all(end <= s or start >= e for s, e in taken)

    time = TimeAnswer()
    found: list[tuple[int, DateAnswer]] = []
    lunar_pattern = _DATE_PATTERNS[0][0]  # first: "15 âm lịch" is not 15:00 in the morning
    for match in lunar_pattern.finditer(folded):
        taken.append(match.span())
        found.append((match.start(), DateAnswer(problem="lunar")))
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(folded):
            if not free(*match.span()):
                continue
            said_time = _time_from(match)
            if said_time.start is None and said_time.part_of_day is None:
                continue
            taken.append(match.span())
            if time.start is None and (said_time.start or time.part_of_day is None):  # a clock time wins
                time = said_time
    for pattern, kind in _DATE_PATTERNS[1:]:
        for match in pattern.finditer(folded):
            if not free(*match.span()):
                continue
            said_date = _date_from(match, kind, reference, text[match.start():match.end()])
            taken.append(match.span())
            if said_date is not None:
                found.append((match.start(), said_date))
    # "mốt" (the day after tomorrow) folds to "mot", which is also "một" (one): only the accented word counts.
    for match in re.finditer(r"(?<!\w)mốt(?!\w)", nfc(text).lower()):
        if free(*match.span()):
            taken.append(match.span())
            found.append((match.start(), DateAnswer(reference + timedelta(days=2))))
    found.sort(key=lambda item: item[0])
    days = [answer for _, answer in found if answer.value is not None]
    said = days[0] if days else next((answer for _, answer in found), DateAnswer(problem="unknown"))
    return When(said, time, tuple(sorted(taken)))


def parse_visit_date(text: str, reference: date) -> DateAnswer:
    """The date `text` names, counted from `reference` (today)."""
    if plain(text).strip() in ("mot", "ngay mot"):  # "mốt" typed without its accent, said alone
        return DateAnswer(reference + timedelta(days=2))
    return find_when(text, reference).date


def read_visit_date(value: object, reference: date) -> DateAnswer:
    """The day a booking's visit_date holds: an ISO date once read, else the text the visitor typed."""
    text = str(value or "")
    try:
        return DateAnswer(date.fromisoformat(text))
    except ValueError:
        return parse_visit_date(text, reference)


def slot_for(time: TimeAnswer, slots: tuple[str, ...]) -> str | None:
    """The time slot ("08:00-10:00") a time said names: the slot starting then, or containing it; for a part of
    the day alone ("buổi chiều"), the one slot of that part (None when several are)."""
    if time.start:
        return next((s for s in slots if s[:5] == time.start), None) or \
            next((s for s in slots if s[:5] <= time.start < s[6:]), None)
    if time.part_of_day:
        matching = [s for s in slots if (s[:5] < "12:00") == (time.part_of_day == "morning")]
        return matching[0] if len(matching) == 1 else None
    return None


def parse_time(text: str) -> TimeAnswer:
    """The time of day `text` names ("10h", "14:00-16:00", "buổi chiều"), if any."""
    return find_when(text, date.today()).time


def without_spans(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` with the given spans blanked (replaced by a separator), so what is left can be read for counts."""
    pieces, cursor = [], 0
    for start, end in spans:
        pieces.append(text[cursor:start])
        pieces.append(" , ")
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
