"""What a visitor types into the booking form: ticket counts per type, a phone number, a name."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import canonical, fold, nfc

# Vietnamese mobile prefixes after the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
MOBILE = re.compile(r"^0[35789]\d{8}$")
NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
                "muoi": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}
GENERIC_WORDS = ("ve", "nguoi", "khach", "suat", "ticket", "tickets", "people", "persons", "person", "pax")


@dataclass(frozen=True)
class TicketKind:
    id: str
    words: tuple[str, ...]  # folded phrases that name this kind ("nguoi lon", "adult")


def ticket_kinds(types: list[tuple[str, str, str | None]]) -> list[TicketKind]:
    """From the knowledge file's ticket types (id, Vietnamese name, English name): the phrases for each,
    e.g. "Trẻ em, học sinh phổ thông" gives "tre em" and "hoc sinh pho thong" and "hoc sinh"."""
    kinds = []
    for type_id, name_vi, name_en in types:
        phrases: set[str] = set()
        for name in filter(None, (name_vi, name_en)):
            for part in re.split(r"[,/()]| và | or | and ", nfc(name)):
                folded = fold(part)
                if folded and not re.search(r"\d|%|mien phi|free|off", folded):
                    phrases.add(folded)
                    words = folded.split()
                    if len(words) > 2:
                        phrases.add(" ".join(words[:2]))
        kinds.append(TicketKind(type_id, tuple(sorted(phrases, key=len, reverse=True))))
    return kinds


def parse_ticket_counts(text: str, kinds: list[TicketKind], default_kind: str) -> dict[str, int] | None:
    """{"adult": 4, "child": 2} from "4 người lớn 2 trẻ em"; a bare number counts as `default_kind`.
    None when the text has no count, or a negative or zero count."""
    if re.search(r"(^|\s)-\s*\d", text):
        return None
    words = canonical(text).split()
    phrases = [phrase for k in kinds for phrase in k.words] + list(GENERIC_WORDS)

    def counts_something(position: int) -> bool:
        rest = " ".join(words[position + 1:position + 6]) + " "
        return any(rest.startswith(f"{phrase} ") for phrase in phrases)

    # A spelled number counts only before a ticket word ("hai vé", "ba người lớn"): "thứ bảy", "tuần sau"
    # and "năm" (year) are not counts.
    words = [str(NUMBER_WORDS[w]) if w in NUMBER_WORDS and (i == 0 or words[i - 1] != "thu") and counts_something(i)
             else w for i, w in enumerate(words)]
    counts: dict[str, int] = {}
    i = 0
    while i < len(words):
        if not words[i].isdigit():
            i += 1
            continue
        number, rest = int(words[i]), " ".join(words[i + 1:i + 6])
        kind = next((k.id for k in kinds for phrase in k.words if f"{rest} ".startswith(f"{phrase} ")), None)
        if kind is None:
            skipped = rest.split()
            while skipped and skipped[0] in GENERIC_WORDS:  # "4 vé người lớn", "2 người"
                skipped = skipped[1:]
            tail = " ".join(skipped)
            kind = next((k.id for k in kinds for phrase in k.words if f"{tail} ".startswith(f"{phrase} ")),
                        default_kind)
        if number <= 0:
            return None
        counts[kind] = counts.get(kind, 0) + number
        i += 1
    return counts or None


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
