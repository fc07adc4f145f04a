"""What a visitor types into the booking form: ticket counts per type, a phone number, a name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable

from bot.text import canonical, nfc
from bot.tickets.dates import DateAnswer, TimeAnswer, find_when, without_spans

# Vietnamese mobile prefixes after the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
MOBILE = re.compile(r"^0[35789]\d{8}$")
NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
                "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "a": 1, "an": 1}
# Words between a number and the kind of ticket ("4 vé người lớn", "2 suất cho trẻ em", "3 tickets for adults").
FILLER_WORDS = frozenset({"ve", "suat", "cho", "loai", "x", "ticket", "for", "of", "entry", "entrie", "admission"})
# Words that make a bare number a count of tickets ("hai vé", "5 people").
GENERIC_WORDS = frozenset({"ve", "nguoi", "khach", "suat", "ticket", "people", "person", "pax", "guest",
                           "visitor", "thanh", "vien"})
AGE_WORDS = frozenset({"tuoi", "year", "yo", "yr", "thang", "month"})  # "trẻ 7 tuổi": an age, not a count
GROUP_WORDS = frozenset({"doan", "nhom", "group", "lop", "class", "tap"})
_IRREGULAR = {"children": "child", "people": "person", "persons": "person", "men": "man", "women": "woman"}


@dataclass(frozen=True)
class TicketKind:
    id: str
    words: tuple[str, ...]  # canonical phrases that name this kind ("nguoi lon", "adult"), longest first


@dataclass(frozen=True)
class TicketRequest:
    """What one message says about the tickets wanted: counts per kind, the day, the time, and whether it is
    a group. A number inside a date or a time ("thứ 7", "15/12", "8h") is never a count."""

    counts: dict[str, int] | None
    date: DateAnswer
    time: TimeAnswer
    group: bool


def singular(word: str) -> str:
    """English plurals as their singular ("adults", "children"), so a kind named "Adult" matches both;
    Vietnamese syllables never end in -s."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) \
        and word.isascii() else word


def _words(text: str) -> list[str]:
    """Canonical words, with a number glued to a word split off ("4nguoi" -> "4 nguoi")."""
    spaced = re.sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " ", text)
    return [singular(w) for w in canonical(spaced).split()]


def ticket_kinds(types: list[tuple[str, str, str | None]],
                 aliases: dict[str, tuple[str, ...]] | None = None) -> list[TicketKind]:
    """From the knowledge file's ticket types (id, Vietnamese name, English name) and their aliases: the
    phrases for each, e.g. "Trẻ em, học sinh phổ thông" gives "tre em" and "hoc sinh pho thong"."""
    kinds = []
    for type_id, name_vi, name_en in types:
        phrases: set[str] = set()
        for name in filter(None, (name_vi, name_en, *(aliases or {}).get(type_id, ()))):
            for part in re.split(r"[,/()]| và | or | and ", nfc(name)):
                words = _words(part)
                if words and not re.search(r"%|mien phi|free|\boff\b|giam", " ".join(words)):
                    phrases.add(" ".join(words))
        kinds.append(TicketKind(type_id, tuple(sorted(phrases, key=lambda p: (-len(p.split()), p)))))
    return kinds


def _longest_phrase(kinds: list[TicketKind], fits: Callable[[list[str]], bool]) -> tuple[str, int] | None:
    """The kind with the longest phrase that `fits` where it is looked for, and that phrase's length in words."""
    best: tuple[str, int] | None = None
    for kind in kinds:
        for phrase in kind.words:
            said = phrase.split()
            if fits(said) and (best is None or len(said) > best[1]):
                best = (kind.id, len(said))
    return best


def _phrase_at(words: list[str], position: int, kinds: list[TicketKind]) -> tuple[str, int] | None:
    """The kind whose phrase starts at `position` (the longest phrase of any kind), and its length in words."""
    return _longest_phrase(kinds, lambda said: words[position:position + len(said)] == said)


def _phrase_before(words: list[str], position: int, kinds: list[TicketKind], free_from: int) -> str | None:
    """The kind named just before a number ("người lớn: 2", "adults 2", "vé trẻ em x3"), unless those words
    already named the kind of an earlier number ("2 người lớn 1 trẻ em": the 1 is not of adults)."""
    end = position
    while end > free_from and words[end - 1] in ("x", "la"):
        end -= 1
    found = _longest_phrase(kinds, lambda said: end - len(said) >= free_from and words[end - len(said):end] == said)
    return found[0] if found else None


def _number_at(words: list[str], position: int, kinds: list[TicketKind]) -> int | None:
    word = words[position]
    if word.isdigit():
        return int(word) if len(word) <= 4 else None  # a phone number is not a count
    if word.startswith("x") and word[1:].isdigit():
        return int(word[1:])
    if word in NUMBER_WORDS:  # a spelled number counts only before a ticket word: "hai vé", not "thứ hai"
        following = position + 1
        while following < len(words) and words[following] in FILLER_WORDS:
            following += 1
        if following < len(words) and (words[following] in GENERIC_WORDS or _phrase_at(words, following, kinds)):
            return NUMBER_WORDS[word]
    return None


def parse_ticket_counts(text: str, kinds: list[TicketKind], default_kind: str) -> dict[str, int] | None:
    """{"adult": 4, "child": 2} from "4 người lớn 2 trẻ em"; a number naming no kind counts as `default_kind`.
    None when the text has no count, or a negative or zero count. Dates and times must already be taken out
    (see read_ticket_request)."""
    if re.search(r"(^|\s)-\s*\d", text):
        return None
    words = _words(text)
    counts: dict[str, int] = {}
    i = claimed = 0  # words before `claimed` already named the kind of a number
    while i < len(words):
        number = _number_at(words, i, kinds)
        if number is None:
            i += 1
            continue
        following = i + 1
        if following < len(words) and words[following] in AGE_WORDS:
            i = following + 1
            continue
        while following < len(words) and words[following] in FILLER_WORDS:
            following += 1
        named_before = _phrase_before(words, i, kinds, claimed)
        named_after = _phrase_at(words, following, kinds) if following < len(words) else None
        if named_before is not None:  # "người lớn 2, trẻ em 1": the kind comes first
            kind, i = named_before, i + 1
        elif named_after is not None:
            kind, size = named_after
            i = following + size
        else:
            kind, i = default_kind, following
        claimed = i
        if number <= 0:
            return None
        counts[kind] = counts.get(kind, 0) + number
    return counts or None


def read_ticket_request(text: str, kinds: list[TicketKind], default_kind: str, reference: date) -> TicketRequest:
    """Everything a booking message says: the date and time first, then the counts in what is left."""
    when = find_when(text, reference)
    rest = re.sub(r"\+?\d[\d .\-]{8,}\d", " , ", without_spans(text, when.spans))  # phone numbers
    counts = parse_ticket_counts(rest, kinds, default_kind)
    group = any(word in GROUP_WORDS for word in _words(rest))
    return TicketRequest(counts, when.date, when.time, group)


def normalise_phone(text: str) -> str | None:
    """A Vietnamese mobile number as 0XXXXXXXXX, from "0912 345 678", "+84 912345678", "84-912-345-678"."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if MOBILE.match(digits) else None


def normalise_name(text: str) -> str | None:
    """A person's name: letters (any script), spaces, apostrophes and hyphens, 2 to 80 characters."""
    name = " ".join(nfc(text or "").split())
    if not 2 <= len(name) <= 80 or not re.fullmatch(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*", name):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split(" "))


# Words that say which field of a booking a user wants to change, checked in this order: "số điện thoại"
# before "số vé", tickets before the name (English "ten tickets"), the slot before the day ("chiều thứ 7");
# not "sang": typed without accents, "đổi sang" (switch to) and "sáng" (morning) look the same.
FIELD_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("visitor_phone", ("so dien thoai", "dien thoai", "sdt", "dt", "phone", "mobile")),
    ("ticket_counts", ("so ve", "ve", "so luong", "so nguoi", "nguoi", "ticket", "tickets", "people",
                       "number of")),
    ("visitor_name", ("ten", "ho ten", "name")),
    ("time_slot", ("gio", "khung gio", "buoi", "slot", "time", "chieu", "morning", "afternoon")),
    ("visit_date", ("ngay", "hom", "thu", "date", "day", "mai", "tuan", "weekday", "monday", "tuesday",
                    "wednesday", "thursday", "friday", "saturday", "sunday", "tomorrow")),
)


def booking_field_in(text: str) -> str | None:
    """Which booking field a typed change request names ("đổi ngày", "sđt sai rồi", "change the time")."""
    words = f" {canonical(text)} "
    for field, phrases in FIELD_WORDS:
        if any(f" {phrase} " in words for phrase in phrases):
            return field
    return None


ADD_WORDS = frozenset({"them", "cong", "add", "plus", "more", "extra", "another"})
REMOVE_WORDS = frozenset({"bot", "giam", "tru", "remove", "less", "fewer", "minus"})


@dataclass(frozen=True)
class BookingChange:
    """A change asked for during a booking: the new values said (slot name -> value the form validates), and
    a field named without a new value, to ask again ("đổi ngày")."""

    values: dict[str, object]
    ask: str | None


def read_booking_change(text: str, kinds: list[TicketKind], default_kind: str, reference: date,
                        current_counts: dict[str, int] | None) -> BookingChange:
    """"đổi sang thứ 7" -> the new day; "thêm 1 trẻ em" -> the counts with one more child; "bớt 1 người lớn"
    -> one adult fewer; "3 người lớn thôi" -> exactly those counts; "đổi ngày" -> ask the day again."""
    request = read_ticket_request(text, kinds, default_kind, reference)
    values: dict[str, object] = {}
    if request.date.value is not None or request.date.problem in ("lunar", "invalid"):
        values["visit_date"] = request.date
    if request.time.start or request.time.part_of_day:
        values["time_slot"] = request.time
    if request.counts:
        said = set(_words(text))
        counts = dict(current_counts or {})
        if said & ADD_WORDS:
            for kind, number in request.counts.items():
                counts[kind] = counts.get(kind, 0) + number
        elif said & REMOVE_WORDS:
            for kind, number in request.counts.items():
                counts[kind] = counts.get(kind, 0) - number
        else:
            counts = dict(request.counts)
        values["ticket_counts"] = {kind: number for kind, number in counts.items() if number > 0}
    phone = next((p for p in map(normalise_phone, re.findall(r"\+?\d[\d .\-]{8,}\d", text)) if p), None)
    if phone:
        values["visitor_phone"] = phone
    named = booking_field_in(text)
    return BookingChange(values, named if named and named not in values else None)
