"""Visit dates as people write them in Vietnamese (and English), relative to a reference day.

"hôm nay", "ngày mai", "ngày kia", "thứ Bảy này", "thứ 7 tuần sau", "chủ nhật", "25/12", "25-12-2026",
"ngày 25 tháng 12", "tomorrow", "next Saturday", "Dec 25". Lunar dates ("mùng 2 Tết") are recognised and
refused politely: the calendar conversion is not something to guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.text import canonical

WEEKDAY_WORDS = {  # folded word(s) after "thu" / alone -> Monday=0
    "hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4, "6": 4, "bay": 5, "7": 5,
}
ENGLISH_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
                    "sunday": 6, "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
          "nov": 11, "dec": 12}
LUNAR = re.compile(r"\b(tet|am lich|al|mung \d+ tet|rằm|ram thang|lunar)\b")


@dataclass(frozen=True)
class DateAnswer:
    """A date, or why there is none: 'lunar' (refused politely) or 'unknown' (not a date)."""

    value: date | None = None
    problem: str | None = None


def _weekday_on_or_after(reference: date, weekday: int, weeks_ahead: int) -> date:
    days = (weekday - reference.weekday()) % 7
    return reference + timedelta(days=days + 7 * weeks_ahead)


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


def parse_visit_date(text: str, reference: date) -> DateAnswer:
    """The date `text` names, counted from `reference` (today)."""
    folded = canonical(text)
    if LUNAR.search(folded):
        return DateAnswer(problem="lunar")
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text)
    if iso:
        found = _safe_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        return DateAnswer(found) if found else DateAnswer(problem="invalid")
    numeric = re.search(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?\b", text)
    if numeric:
        day, month = int(numeric.group(1)), int(numeric.group(2))
        year = int(numeric.group(3)) if numeric.group(3) else None
        return _day_month(reference, day, month, year)
    spelled = re.search(r"\bngay (\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?\b", folded) or \
        re.search(r"\b(\d{1,2}) thg (\d{1,2})\b", folded)
    if spelled:
        year = int(spelled.group(3)) if spelled.lastindex and spelled.lastindex >= 3 and spelled.group(3) else None
        return _day_month(reference, int(spelled.group(1)), int(spelled.group(2)), year)
    english = re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? (\d{1,2})\b", folded) or \
        re.search(r"\b(\d{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", folded)
    if english:
        first, second = english.group(1), english.group(2)
        month, day = (MONTHS[first], int(second)) if first in MONTHS else (MONTHS[second], int(first))
        return _day_month(reference, day, month, None)

    words = f" {folded} "
    if re.search(r" (hom nay|today|bua nay|nay luon) ", words):
        return DateAnswer(reference)
    # "mốt" (the day after tomorrow) folds to "mot", which is also "một" (one): only the accented word,
    # or "mot" said alone, counts.
    if re.search(r" (ngay kia|day after tomorrow) ", words) or "mốt" in text.lower() or folded in ("mot", "ngay mot"):
        return DateAnswer(reference + timedelta(days=2))
    if re.search(r" (ngay mai|mai|tomorrow|sang mai|chieu mai) ", words):
        return DateAnswer(reference + timedelta(days=1))
    next_week = bool(re.search(r" (tuan sau|tuan toi|next week|next) ", words))
    weekday = None
    thu = re.search(r" (?:thu |t)(hai|ba|tu|nam|sau|bay|[2-7]) ", words)
    if thu:
        weekday = WEEKDAY_WORDS[thu.group(1)]
    elif re.search(r" (chu nhat|cn|sunday|sun) ", words):
        weekday = 6
    else:
        english_day = next((d for w, d in ENGLISH_WEEKDAYS.items() if f" {w} " in words), None)
        weekday = english_day
    if weekday is not None:
        if next_week:  # "thứ 7 tuần sau": that weekday in the next calendar week
            monday_next = reference - timedelta(days=reference.weekday()) + timedelta(days=7)
            return DateAnswer(monday_next + timedelta(days=weekday))
        return DateAnswer(_weekday_on_or_after(reference, weekday, 0))
    return DateAnswer(problem="unknown")
