"""Read the national public-service portal's procedure records (dichvucong.gov.vn) into typed values.

The portal publishes each procedure as a detail page whose tables (ways to submit, papers, legal basis, results)
reach us as text with the cells run together and no separators, plus per-ministry list exports (.xlsx) that give
only code, name, agency and field. This module turns both into `PortalProcedure` values and nothing more: it is
pure (no database, no Rasa) so that `qn-staff import-portal PATH` can be built on top of it and so that every
reading rule can be tested alone on the text it was written for.

Reading rules follow the regularities of the real data (checked on 2,642 records): a table starts with its
header words, a channel row starts with its channel word glued to the time cell, a paper row ends with the
portal's count cell ("1 bản chính,1 bản sao"), a legal-basis row ends with the document number. Where a cell
cannot be told apart, the text is kept rather than guessed away, and nothing in a messy table makes a record
fail: only a record without code or name is refused.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.text import nfc

__all__ = [
    "CHANNEL_KINDS", "Channel", "LegalDocument", "Paper", "PortalProcedure", "PortalRecordError", "parse_channels",
    "parse_legal_basis", "parse_list_row", "parse_papers", "parse_record", "parse_related", "parse_results",
    "parse_steps", "read_path",
]

CHANNEL_KINDS = ("in_person", "online", "post")
# The portal writes "no information" in two ways; both mean the cell is empty.
EMPTY_MARKERS = frozenset({"", "không có thông tin", "--"})


# ---------------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Channel:
    """One way to submit ("Hình thức nộp"): in person, online or by post, with its own time and fee.

    `fee` is the fee cell as the portal states it ("Miễn phí", "50,000 Việt Nam Đồng"); `fee_note` is the
    bracketed detail the portal glues after it, which often changes the answer (a 50% reduction until a date, a
    fee per page) and must be shown with the fee.
    """

    kind: str
    time: str | None
    fee: str | None
    description: str | None
    fee_note: str | None = None


@dataclass(frozen=True)
class Paper:
    """One paper of the file ("Thành phần hồ sơ"): what to bring, on which form, how many originals and copies.

    `case` is the heading of the group the paper belongs to ("Trường hợp nộp hồ sơ trực tuyến:"), since the
    portal lists alternative sets of papers one after the other. Counts are None when the portal gives none.
    """

    name: str
    form: str | None
    originals: int | None
    copies: int | None
    case: str | None = None


@dataclass(frozen=True)
class LegalDocument:
    """A document of the legal basis ("Căn cứ pháp lý"): its number (e.g. "26/2023/QH15") and what the portal says.

    `kind` (Luật, Nghị định, Thông tư…) and `issued_by` are read from the number, whose suffix names the issuing
    body by law; `date` only when the title states the document's own date.
    """

    number: str | None
    title: str | None
    issued_by: str | None = None
    date: date | None = None
    kind: str | None = None


@dataclass(frozen=True)
class PortalProcedure:
    """A procedure as the portal publishes it, cleaned (NFC, whitespace) and with its tables split into values.

    A row from a list export has only code, name, agency and field; `detailed` tells the two apart.
    """

    code: str
    name: str
    url: str | None
    level: tuple[str, ...]
    field: str | None
    agency: str | None
    who: tuple[str, ...]
    steps: tuple[str, ...]
    channels: tuple[Channel, ...]
    papers: tuple[Paper, ...]
    conditions: str | None
    results: tuple[str, ...]
    legal_basis: tuple[LegalDocument, ...]
    decision: str | None
    related: tuple[str, ...]
    source_date: date | None
    authority: str | None = None
    address: str | None = None
    detailed: bool = True
    source: str | None = None  # the file's name it was read from (a re-import of that file replaces its records)


class PortalRecordError(ValueError):
    """A record (or line, or file) that cannot be read, with enough context for staff to find and fix it."""

    def __init__(self, code: str | None, field: str | None, reason: str, *, source: str | None = None,
                 line: int | None = None):
        self.code = code
        self.field = field
        self.reason = reason
        self.source = source
        self.line = line
        super().__init__(str(self))

    def located(self, source: str, line: int | None) -> PortalRecordError:
        """The same error, told where it was found."""
        return PortalRecordError(self.code, self.field, self.reason, source=source, line=line)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.source and self.line else (self.source or "")
        parts = [p for p in (where, f"procedure {self.code}" if self.code else "",
                             f"field {self.field}" if self.field else "") if p]
        return f"{', '.join(parts)}: {self.reason}" if parts else self.reason


# ---------------------------------------------------------------------------------------------------- text

# Vietnamese letters with diacritics interleave capitals and small letters in the code chart, so a range like
# "À-Ỹ" mixes both cases; these classes list each case explicitly.
_ACCENTED = [chr(code) for code in range(0xC0, 0x1EFA) if chr(code).isalpha()]
_UPPER = "A-ZĐ" + "".join(ch for ch in _ACCENTED if ch.isupper())
_LOWER = "a-zđ" + "".join(ch for ch in _ACCENTED if ch.islower())

_SPACES = re.compile(r"[ \t\u00a0\u2002-\u200b\u3000]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def _clean_block(text: str | None) -> str | None:
    """Multi-line text: lines kept (lists read better), spaces collapsed, empty markers become None."""
    if text is None:
        return None
    text = _SPACES.sub(" ", nfc(text).replace("\r\n", "\n").replace("\r", "\n"))
    text = _BLANK_LINES.sub("\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
    return None if text.casefold() in EMPTY_MARKERS else text


def _clean_line(text: str | None) -> str | None:
    """One-line text (names, agencies): every whitespace run becomes one space."""
    text = _clean_block(text)
    return " ".join(text.split()) if text else None


def _split_list(text: str | None) -> tuple[str, ...]:
    """Split a portal enumeration ("Cấp tỉnh, Cấp xã") at commas outside brackets.

    A piece starting in lower case continues the previous one: "Cán bộ, công chức, viên chức" is one audience,
    and so is "Tổ chức (không bao gồm doanh nghiệp, HTX)".
    """
    text = _clean_line(text)
    if not text:
        return ()
    pieces: list[str] = []
    depth, current = 0, []  # type: int, list[str]
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth <= 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    items: list[str] = []
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if items and piece[0].islower():
            items[-1] = f"{items[-1]}, {piece}"
        else:
            items.append(piece)
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------------- steps

_STEP_MARK = re.compile(r"(?:Bước|BƯỚC)\s*(\d{1,2})(?!\d)\s*([:.\-–)]?)")
_BULLET_TAIL = re.compile(r"(?:^|\s)(?:[-+*•–]|[a-zđ]\)|\d{1,2}[.)])\s*$")
_LINE_START_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:[-+*•–]|[a-zđ]\)|\d{1,2}[.)])?[ \t]*$")
_HEADING_ONLY = re.compile(r"^(?:[\d.]+\s*)?Trình tự thực hiện\s*:?$", re.IGNORECASE)
_LETTER_ORDER = "abcdđeghiklmnopqrstuvxy"
_LETTER_ITEM = re.compile(r"(?m)^[ \t]*([a-zđ])\)[ \t]*")
_NUMBER_ITEM = re.compile(r"(?m)^[ \t]*(\d{1,2})[.)](?!\d)[ \t]*")
_BULLET_ITEM = re.compile(r"(?m)^[ \t]*([-+•–])[ \t]*")


def _strip_bullet_tail(text: str) -> str:
    """Drop the list marker that belongs to the next item ("…hồ sơ.\nb)" before "Bước 2")."""
    previous = None
    while previous != text:
        previous, text = text, _BULLET_TAIL.sub("", text).rstrip()
    return text


def _is_step_mark(text: str, match: re.Match[str]) -> bool:
    """A "Bước N" that opens a step, not a reference to one ("như tại Bước 2,")."""
    before = text[:match.start()]
    if _LINE_START_BEFORE.search(before) or match.group(2) == ":":
        return True
    after = text[match.end():match.end() + 2].strip()
    return bool(before.rstrip()[-1:] in {".", ";", ":", ")"} and (match.group(2) or after[:1].isupper()))


def _split_items(text: str, marks: list[re.Match[str]]) -> list[str]:
    """Cut text at the given item markers; the text before the first becomes context of the first item."""
    items = [_strip_bullet_tail(text[m.end():end].lstrip(" \t\n:.-–)").rstrip()) for m, end in
             zip(marks, [m.start() for m in marks[1:]] + [len(text)])]
    preamble = _strip_bullet_tail(text[:marks[0].start()].strip())
    items = [item for item in items if item]
    if preamble and not _HEADING_ONLY.match(preamble) and items:
        items[0] = f"{preamble}\n{items[0]}"
    return items


def _ordered(marks: list[re.Match[str]], order: str | None) -> list[re.Match[str]]:
    """The markers that follow one another from the start (a, b, c… or 1, 2, 3…), skipping nested restarts."""
    kept: list[re.Match[str]] = []
    for mark in marks:
        key = mark.group(1)
        position = order.find(key) if order else int(key) - 1
        if position == len(kept):
            kept.append(mark)
    return kept


def parse_steps(text: str | None) -> tuple[str, ...]:
    """Split "Trình tự thực hiện" into steps.

    The portal numbers most procedures "Bước 1:", "Bước 2." (often after "-", "+" or "a)"); numbering may restart
    for a second case, and each restart is kept as its own run of steps. Without "Bước", lettered (a, b…),
    numbered (1., 2.) or bulleted items at line starts are the steps, else each line is one.
    """
    text = _clean_block(text)
    if not text:
        return ()
    marks = [m for m in _STEP_MARK.finditer(text) if _is_step_mark(text, m)]
    if marks:
        return tuple(_split_items(text, marks))
    for pattern, order in ((_LETTER_ITEM, _LETTER_ORDER), (_NUMBER_ITEM, None)):
        found = _ordered(list(pattern.finditer(text)), order)
        if len(found) >= 2:
            return tuple(_split_items(text, found))
    bullets = list(_BULLET_ITEM.finditer(text))
    if len(bullets) >= 2:
        return tuple(_split_items(text, bullets))
    return tuple(line for line in text.split("\n") if line)


# ---------------------------------------------------------------------------------------------------- channels

_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_CHANNEL_WORDS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
# A row starts with its channel word glued to the time cell; in descriptions the same words are followed by a
# space or punctuation ("Trực tuyến: nộp hồ sơ…").
_CHANNEL_ROW = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=[^\s:(,.;)\-–])")
_NO_INFO = "Không có thông tin"
_CURRENCY = r"Việt Nam Đồng|VNĐ|VND|USD|EUR|Đồng|đồng"
_FEE_CELL = re.compile(rf"Miễn phí|{_NO_INFO}|(?P<digits>\d[\d.,]*)\s*(?:{_CURRENCY})")
_AMOUNT_GROUPS = re.compile(r"^(\d+)((?:[.,]\d{3})*)")
_MAX_TIME_CHARS = 200  # a longer "time" means the fee cell was not found: keep the row as description


def _split_glued_time(digits: str) -> tuple[str, str] | None:
    """Split "120,000" glued from time "1" and fee "20,000": the fee is a well-formed amount, the time short.

    Returns (time, amount) or None when the digits read as an amount alone.
    """
    match = _AMOUNT_GROUPS.match(digits)
    if not match:
        return None
    head, groups = match.groups()
    for cut in range(1, len(head)):
        rest = head[cut:]
        if (not rest.startswith("0") or (rest == "0" and not groups)) and (not groups or len(rest) <= 3):
            return head[:cut], rest + digits[len(head):]
    return None


def _balanced_bracket(text: str) -> tuple[str, str]:
    """The bracketed note at the start of text and what follows it; an unclosed note runs to the end."""
    depth = 0
    for index, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return text[1:index], text[index + 1:]
    return text[1:], ""


def _parse_channel_row(kind: str, body: str) -> Channel:
    """One row after its channel word: time cell, fee cell, optional "(note)", description."""
    time: str | None = None
    rest = body
    time_given = not body.startswith(_NO_INFO)
    if not time_given:
        rest = body[len(_NO_INFO):]
        fee = _FEE_CELL.match(rest)
    else:
        fee = _FEE_CELL.search(body)
        if fee:
            time, rest = body[:fee.start()], body[fee.start():]
            fee = _FEE_CELL.match(rest)
    if fee is None or (time is not None and len(time) > _MAX_TIME_CHARS):
        return Channel(kind, None, None, _clean_block(body))
    fee_text = fee.group(0)
    if fee.group("digits") and not time and time_given:
        glued = _split_glued_time(fee.group("digits"))
        if glued:
            time, digits = glued
            fee_text = digits + fee_text[len(fee.group("digits")):]
    note = None
    after = rest[fee.end():]
    if after.startswith("("):
        note, after = _balanced_bracket(after)
    return Channel(kind, _clean_line(time), _clean_line(fee_text), _clean_block(after), _clean_block(note))


def parse_channels(text: str | None) -> tuple[Channel, ...]:
    """Split "Cách thức thực hiện" into one Channel per row."""
    text = nfc(text or "")
    if text.startswith(_CHANNEL_HEADER):
        text = text[len(_CHANNEL_HEADER):]
    rows = list(_CHANNEL_ROW.finditer(text))
    channels = []
    for row, end in zip(rows, [r.start() for r in rows[1:]] + [len(text)]):
        channels.append(_parse_channel_row(_CHANNEL_WORDS[row.group(1)], text[row.end():end]))
    return tuple(channels)


# ---------------------------------------------------------------------------------------------------- papers

_PAPERS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The count cell ends a row; in names the same words are followed by a space or punctuation ("01 bản chính;").
_COUNT_CELL = re.compile(r"(\d+) bản chính(?:,\s?(\d+) bản sao)?(?=$|[^\s,.;:)])")
# Lower-case letters after the dot would continue the word; a capital or digit starts the next file's name.
_FORM_FILE = re.compile(rf"\.(?:docx|doc|pdf|xlsx|xls|rar|zip|DOCX|DOC|PDF|XLSX|XLS)(?![{_LOWER}])")
# File names of forms usually start with these words; a boundary followed by one is the best guess.
_FORM_WORD = re.compile(r"(?:Mẫu|MẪU|Mau|MAU|mẫu|mau|Phụ lục|Phụ Lục|PHỤ LỤC|Phu luc|Phlc|PL|TK|BM|Ms|M\d)")


def _count(digits: str) -> tuple[int, str]:
    """The count and any digits that belong to the name: "20181" after "ngày 16/11/2018" is 1 original.

    Real counts are single digits (0-3 in the data), or written "01"; longer runs are the name's digits glued on.
    """
    if len(digits) == 1 or (len(digits) == 2 and digits.startswith("0")):
        return int(digits), ""
    return int(digits[-1]), digits[:-1]


def _form_boundaries(stem: str) -> tuple[list[int], list[int]]:
    """Places where a glued file name may start: after ";", ")" or "." (strong), or at a case junction.

    Python's re has no Unicode case classes, and Vietnamese capitals sit amid small letters in the code chart,
    so case is tested with str methods.
    """
    strong: list[int] = []
    junctions: list[int] = []
    for index in range(1, len(stem)):
        before, char = stem[index - 1], stem[index]
        if char.isspace() or char in ".,;:)":
            continue
        if before in ";)" or (before == "." and char.isupper()):
            strong.append(index)
        elif char.isupper() and (before.islower() or before.isdigit() or (
                before.isupper() and index + 1 < len(stem) and stem[index + 1].islower())):
            junctions.append(index)
    return strong, junctions


def _form_start(stem: str) -> int:
    """Where a form's file name begins inside "name + file name" (the portal puts no separator between them).

    First choice: the first boundary followed by a form word ("Mẫu", "Phụ lục"…); else the last strong
    boundary; else the first case junction (file names are often CamelCase, "MauBankhaichung", so not the last).
    """
    strong, junctions = _form_boundaries(stem)
    for index in sorted(strong + junctions):
        if _FORM_WORD.match(stem, index):
            return index
    if strong:
        return strong[-1]
    if junctions:
        return junctions[0]
    return 0


def _split_forms(text: str) -> tuple[str, list[str]]:
    """Separate a paper's name from the form files glued after it ("…(Mẫu CC01)Mẫu CC01 Phiếu….doc")."""
    files = list(_FORM_FILE.finditer(text))
    forms: list[str] = []
    end = len(text.rstrip())
    while files and files[-1].end() == end:
        last = files.pop()
        if files and text[files[-1].end():last.start()] and not _form_boundaries(
                text[files[-1].end():last.start()])[0]:
            start = files[-1].end()  # adjacent files: "Mau38.docxMau40.docx"
        else:
            region_start = files[-1].end() if files else 0
            start = region_start + _form_start(text[region_start:last.start()])
        forms.insert(0, text[start:end])
        end = start
    return text[:end], forms


def _paper(text: str, counts: tuple[int | None, int | None], case: str | None) -> Paper | None:
    said, forms = _split_forms(text)
    name = _clean_line(said.strip(" -+*•;:")) or (_clean_line(forms[0]) if forms else None)
    if not name:
        return None
    form = "; ".join(f for f in (_clean_line(f) for f in forms) if f) or None
    return Paper(name, form, counts[0], counts[1], case)


def _case_title(text: str) -> str | None:
    """A group heading ("* Giấy tờ phải nộp:"); "--" is the portal's way of saying there is none."""
    title = _clean_line(text)
    if not title or not title.strip("- "):
        return None
    return title.rstrip(" :") or None


def parse_papers(text: str | None) -> tuple[Paper, ...]:
    """Split "Thành phần hồ sơ" into papers, each with its form and counts, grouped by the case they serve.

    Text that is not a table (some ministries wrote prose) is kept whole as one paper's name.
    """
    text = nfc(text or "")
    if _PAPERS_HEADER not in text:
        cleaned = _clean_line(text)
        return (Paper(cleaned, None, None, None),) if cleaned and cleaned.strip("- ") else ()
    parts = text.split(_PAPERS_HEADER)
    case = _case_title(parts[0])
    papers: list[Paper] = []
    for index, part in enumerate(parts[1:], start=1):
        is_last = index == len(parts) - 1
        start = 0
        for cell in _COUNT_CELL.finditer(part):
            originals, glued = _count(cell.group(1))
            copies = int(cell.group(2)) if cell.group(2) else None
            paper = _paper(part[start:cell.start()] + glued, (originals, copies), case)
            if paper:
                papers.append(paper)
            start = cell.end()
        tail = part[start:]
        if is_last:
            paper = _paper(tail, (None, None), case)
            if paper:
                papers.append(paper)
        else:
            case = _case_title(tail)  # the text after the last row heads the next group
    return tuple(papers)


# ---------------------------------------------------------------------------------------------------- legal basis

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_LEGAL_LEAK = "Cơ quan thực hiện"  # the next section of the page, glued on in some records
_NUMBER_HEAD = re.compile(r"(\d+)/(?:(\d{4})/)?(?=[A-ZĐ])")
_CODE_PART = re.compile(r"TTg|[A-ZĐ]+\d{0,2}")
_DOC_KINDS = {
    "NĐ": "Nghị định", "ND": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "QĐ": "Quyết định",
    "NQ": "Nghị quyết", "L": "Lệnh", "PL": "Pháp lệnh", "CT": "Chỉ thị", "NĐCP": "Nghị định",
}
# Issuing bodies named by the suffix of a document number (the numbering rule of Law 80/2015/QH13).
ISSUERS = {
    "QH": "Quốc hội", "UBTVQH": "Ủy ban Thường vụ Quốc hội", "CTN": "Chủ tịch nước", "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ", "BCA": "Bộ Công an", "BTC": "Bộ Tài chính", "BTP": "Bộ Tư pháp",
    "BXD": "Bộ Xây dựng", "NHNN": "Ngân hàng Nhà nước Việt Nam", "BNNMT": "Bộ Nông nghiệp và Môi trường",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn", "BTNMT": "Bộ Tài nguyên và Môi trường",
    "BGTVT": "Bộ Giao thông vận tải", "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội",
    "BKHĐT": "Bộ Kế hoạch và Đầu tư", "BKHCN": "Bộ Khoa học và Công nghệ", "BHXH": "Bảo hiểm xã hội Việt Nam",
    "BYT": "Bộ Y tế", "BCT": "Bộ Công Thương", "BQP": "Bộ Quốc phòng", "BNG": "Bộ Ngoại giao", "BNV": "Bộ Nội vụ",
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch", "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BTTTT": "Bộ Thông tin và Truyền thông", "TANDTC": "Tòa án nhân dân tối cao",
    "VKSNDTC": "Viện kiểm sát nhân dân tối cao", "HĐTP": "Hội đồng Thẩm phán Tòa án nhân dân tối cao",
    "VPQH": "Văn phòng Quốc hội", "TCHQ": "Tổng cục Hải quan", "UBND": "Ủy ban nhân dân",
}
_KNOWN_CODES = sorted(set(ISSUERS) | set(_DOC_KINDS), key=len, reverse=True)
_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_GLUED_NGAY = re.compile(r"(?<=[A-ZĐ])(?=ngày\s*\d)")  # "53/2025/TT-BCAngày 01/7/2025"
_TRAILING_SO = re.compile(r"\s*(?:(?:Luật|Luất|Thông tư|Nghị định|Nghị quyết|Quyết định)\s*)?số\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class _Number:
    start: int
    end: int
    text: str
    parts: tuple[str, ...]


def _trim_code(text: str, pos: int, raw: str) -> str:
    """The code part at pos without what belongs to a glued next title or count ("CPNghị", "BCAngày", "CP1")."""
    if raw == "TTg":
        return raw
    letters = raw.rstrip("0123456789")
    digits = raw[len(letters):]
    if letters.endswith("QH") or letters == "C":  # QH15 (legislature), C06 (police department)
        return letters + digits[:2]
    if digits:
        return letters
    known = next((code for code in _KNOWN_CODES if letters.startswith(code)), None)
    if known:
        return known
    following = text[pos + len(letters):pos + len(letters) + 1]
    if following.islower() and len(letters) > 1:
        return letters[:-1]  # CamelCase: the last capital opens the next title's first word
    return letters


def _read_code_parts(text: str, pos: int) -> tuple[list[str], int]:
    """Read "NĐ-CP", "TT-BCA", "QH15" from pos; a glued next title ("NĐ-CPNghị định…") is left unread."""
    parts: list[str] = []
    while match := _CODE_PART.match(text, pos):
        code = _trim_code(text, pos, match.group(0))
        if parts and len(code) < 2 and code not in _DOC_KINDS:
            return parts, pos - 1  # "NĐ-CP-Quy định…": the hyphen opens the title, not another code
        parts.append(code)
        pos += len(code)
        if code != match.group(0) or not text.startswith("-", pos) or not _CODE_PART.match(text, pos + 1):
            break
        pos += 1
    return parts, pos


def _numbers(text: str) -> list[_Number]:
    """Document numbers in text, read left to right so that glued numbers ("QH1354/2014/QH13") split right."""
    found: list[_Number] = []
    pos = 0
    while match := _NUMBER_HEAD.search(text, pos):
        start, run = match.start(), match.group(1)
        if len(run) > 4 and run[:2] in {"19", "20"}:  # "năm 201102/2011/QH13": the year is the title's
            start += 4
        elif len(run) > 4:
            start += len(run) - 4
        parts, end = _read_code_parts(text, match.end())
        if parts:
            found.append(_Number(start, end, text[start:end], tuple(parts)))
            pos = end
        else:
            pos = match.end()
    return found


def _document_date(title: str, number: str | None) -> date | None:
    """The date a title gives for its own document: right after its number, or before any other number."""
    matches = sorted([*_DATE_NUMERIC.finditer(title), *_DATE_WORDS.finditer(title)], key=lambda m: m.start())
    if not matches:
        return None
    first = matches[0]
    others = [n for n in _numbers(title[:first.start()]) if n.text != number]
    if others:
        return None
    day, month, year = (int(g) for g in first.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _legal_document(title: str, number: _Number | None) -> LegalDocument:
    title_text = _clean_line(title)
    if title_text:
        title_text = _GLUED_NGAY.sub(" ", title_text)
    if title_text and number is not None:
        title_text = _TRAILING_SO.sub("", title_text).strip(" ;,:") or None  # "Luật số" belongs to the number
    if number is None:
        return LegalDocument(None, title_text)
    kinds = [_DOC_KINDS[p] for p in number.parts if p in _DOC_KINDS]
    issuers = [ISSUERS.get(p) or ISSUERS.get(p.rstrip("0123456789"), "") for p in number.parts
               if p not in _DOC_KINDS]
    kind = kinds[0] if kinds else ("Luật" if number.parts[-1].startswith("QH") and len(number.parts) == 1 else None)
    return LegalDocument(
        number=number.text, title=title_text, issued_by=", ".join(i for i in issuers if i) or None,
        date=_document_date(title_text or "", number.text), kind=kind,
    )


def parse_legal_basis(text: str | None) -> tuple[LegalDocument, ...]:
    """Split "Căn cứ pháp lý" into documents: each row is a title followed by the document's number.

    A number inside a title is followed by a space, punctuation, "ngày" or the same number again (the cell);
    the number that ends a row is followed by the next title or by the end of the text.
    """
    text = nfc(text or "")
    text = text.split(_LEGAL_LEAK)[0]
    if text.startswith(_LEGAL_HEADER):
        text = text[len(_LEGAL_HEADER):]
    if not _clean_line(text):
        return ()
    numbers = _numbers(text)
    documents: list[LegalDocument] = []
    start = 0
    for index, number in enumerate(numbers):
        following = text[number.end:number.end + 4]
        glued_same = index + 1 < len(numbers) and numbers[index + 1].start == number.end and \
            numbers[index + 1].text == number.text
        glued_before = number.start > 0 and not text[number.start - 1].isspace()
        next_title_glued = bool(following) and not following[0].isspace() and following[0] not in ",.;:)]/-" \
            and not following.startswith("ngày") and not glued_same
        # "…kinh doanh18/2026/TT-BTC Nghị định…": a cell glued to its title, then a space and the next title
        next_title_spaced = glued_before and following[:1].isspace() and following.strip()[:1].isupper()
        if number.end == len(text) or next_title_glued or next_title_spaced:
            documents.append(_legal_document(text[start:number.start], number))
            start = number.end
    tail = _clean_line(text[start:])
    if tail:
        documents.append(_legal_document(tail, None))
    return _merge_documents(documents)


def _merge_documents(documents: Iterable[LegalDocument]) -> tuple[LegalDocument, ...]:
    """One entry per number: the portal sometimes lists a document twice (once with, once without a title)."""
    by_number: dict[str, LegalDocument] = {}
    ordered: list[LegalDocument] = []
    for document in documents:
        if document.number is None:
            ordered.append(document)
            continue
        seen = by_number.get(document.number)
        if seen is None:
            by_number[document.number] = document
            ordered.append(document)
        elif not seen.title and document.title:
            better = LegalDocument(seen.number, document.title, seen.issued_by, seen.date or document.date, seen.kind)
            ordered[ordered.index(seen)] = better
            by_number[document.number] = better
    return tuple(ordered)


# ---------------------------------------------------------------------------------------------------- results etc.

_RESULT_CODE = re.compile(r"Mã:\s*")
_RESULT_CODE_TEXT = re.compile(r"[A-Z0-9][A-Z0-9._\-]*")
_RESULT_END = re.compile(r"Từ khóa|Chọn cơ quan thực hiện")


def parse_results(text: str | None) -> tuple[str, ...]:
    """Split "Kết quả thực hiện" into the documents the citizen receives ("Thẻ căn cướcMã: KQ.G01.000023…").

    Everything from "Từ khóa" on is the page's search box and filters, scraped along with the table.
    """
    text = nfc(text or "")
    text = _RESULT_END.split(text, maxsplit=1)[0]
    pieces = _RESULT_CODE.split(text)
    results = [pieces[0]]
    for piece in pieces[1:]:
        code = _RESULT_CODE_TEXT.match(piece)
        cut = 0
        if code:
            cut = code.end()
            if code.group(0)[-1].isupper() and piece[cut:cut + 1].islower():
                cut -= 1  # "KQ.G01.000023Thẻ…": the last capital starts the next result
        results.append(piece[cut:])
    cleaned = (_clean_line(r.strip(" -;,")) for r in results)
    return tuple(dict.fromkeys(r for r in cleaned if r))


_RELATED_ROW = re.compile(rf"(?:^|(?<=[^\d/]))\d{{1,2}}(?=[{_UPPER}])")  # the row number before a name


def parse_related(text: str | None) -> tuple[str, ...]:
    """Related procedures: a numbered table ("#Tên thủ tục1…"), rendered twice on some pages."""
    text = nfc(text or "")
    names: list[str] = []
    for piece in text.split("#"):
        piece = piece.replace("Tên thủ tục", "")
        for name in _RELATED_ROW.split(piece):
            cleaned = _clean_line(name)
            if cleaned:
                names.append(cleaned)
    return tuple(dict.fromkeys(names))


def _parse_date(text: str | None) -> date | None:
    text = _clean_line(text)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------- records

_TEXT_FIELDS = (
    "ma_thu_tuc", "detail_url", "ten_thu_tuc", "so_quyet_dinh", "cap_thuc_hien", "loai_thu_tuc", "linh_vuc",
    "doi_tuong_thuc_hien", "co_quan_co_tham_quyen", "dia_chi_tiep_nhan", "co_quan_duoc_uy_quyen",
    "co_quan_phoi_hop", "thu_tuc_lien_quan", "trinh_tu_thuc_hien", "cach_thuc_thuc_hien", "thanh_phan_ho_so",
    "can_cu_phap_ly", "co_quan_thuc_hien", "yeu_cau_dieu_kien", "ket_qua_xu_ly", "source_date",
)


def _texts(raw: Mapping[str, Any]) -> dict[str, str]:
    """The record's text fields, NFC; a field that is not text is an error, a missing one is empty."""
    if not isinstance(raw, Mapping):
        raise PortalRecordError(None, None, f"expected a JSON object, got {type(raw).__name__}")
    code = raw.get("ma_thu_tuc")
    code_text = _clean_line(str(code)) if isinstance(code, (str, int, float)) else None
    values: dict[str, str] = {}
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        if value is None:
            values[name] = ""
        elif isinstance(value, str):
            values[name] = nfc(value)
        else:
            raise PortalRecordError(code_text, name, f"expected text, got {type(value).__name__}")
    return values


def parse_record(raw: Mapping[str, Any]) -> PortalProcedure:
    """Read one portal detail record (the portal's field names) into a PortalProcedure.

    Raises PortalRecordError when the record has no code or name, or a field that is not text; messy table text
    never raises (it is kept as text instead).
    """
    values = _texts(raw)
    code = _clean_line(values["ma_thu_tuc"])
    if not code:
        raise PortalRecordError(None, "ma_thu_tuc", "missing procedure code")
    name = _clean_line(values["ten_thu_tuc"])
    if not name:
        raise PortalRecordError(code, "ten_thu_tuc", "missing procedure name")
    return PortalProcedure(
        code=code,
        name=name,
        url=_clean_line(values["detail_url"]),
        level=_split_list(values["cap_thuc_hien"]),
        field=_clean_line(values["linh_vuc"]),
        agency=_clean_line(values["co_quan_thuc_hien"]),
        who=_split_list(values["doi_tuong_thuc_hien"]),
        steps=parse_steps(values["trinh_tu_thuc_hien"]),
        channels=parse_channels(values["cach_thuc_thuc_hien"]),
        papers=parse_papers(values["thanh_phan_ho_so"]),
        conditions=_clean_block(values["yeu_cau_dieu_kien"]),
        results=parse_results(values["ket_qua_xu_ly"]),
        legal_basis=parse_legal_basis(values["can_cu_phap_ly"]),
        decision=_clean_line(values["so_quyet_dinh"]),
        related=parse_related(values["thu_tuc_lien_quan"]),
        source_date=_parse_date(values["source_date"]),
        authority=_clean_line(values["co_quan_co_tham_quyen"]),
        address=_clean_block(values["dia_chi_tiep_nhan"]),
    )


def parse_list_row(code: str | None, name: str | None, agency: str | None = None,
                   field: str | None = None) -> PortalProcedure:
    """A procedure known only from a list export: code, name, agency and field; no details."""
    code_text, name_text = _clean_line(code), _clean_line(name)
    if not code_text:
        raise PortalRecordError(None, "Mã số", "missing procedure code")
    if not name_text:
        raise PortalRecordError(code_text, "Tên", "missing procedure name")
    agencies = [a for a in (_clean_line(line) for line in (_clean_block(agency) or "").split("\n")) if a]
    return PortalProcedure(
        code=code_text, name=name_text, url=None, level=(), field=_clean_line(field),
        agency=", ".join(agencies) or None, who=(), steps=(), channels=(), papers=(), conditions=None, results=(),
        legal_basis=(), decision=None, related=(), source_date=None, detailed=False,
    )


# ---------------------------------------------------------------------------------------------------- files

Outcome = tuple[PortalProcedure | None, PortalRecordError | None]


def _read_jsonl(path: Path) -> Iterator[tuple[int | None, PortalProcedure | None, PortalRecordError | None]]:
    """(line number, procedure, error) for each line of a records file; blank lines are skipped."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        yield None, None, PortalRecordError(None, None, f"cannot read file: {exc}", source=str(path))
        return
    with handle:
        line_number = 0
        while True:
            line_number += 1
            try:
                line = handle.readline()
            except UnicodeDecodeError as exc:
                yield line_number, None, PortalRecordError(None, None, f"not UTF-8 text: {exc}", source=str(path),
                                                           line=line_number)
                return
            if not line:
                return
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                yield line_number, None, PortalRecordError(
                    None, None, f"malformed JSON: {exc.msg} (column {exc.colno})", source=str(path), line=line_number)
                continue
            try:
                yield line_number, parse_record(raw), None
            except PortalRecordError as exc:
                yield line_number, None, exc.located(str(path), line_number)


_XLSX_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_LIST_COLUMNS = {"mã số": "code", "tên": "name", "cơ quan thực hiện": "agency", "lĩnh vực": "field"}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column letter: text}) of the first sheet, read with the standard library only."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{_XLSX_NS['m']}}}t"))
                      for si in root.findall("m:si", _XLSX_NS)]
        sheet = "xl/worksheets/sheet1.xml"
        if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
            first = ET.fromstring(archive.read("xl/workbook.xml")).find("m:sheets/m:sheet", _XLSX_NS)
            rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
                if first is not None and rel.get("Id") == first.get(_REL_NS):
                    target = rel.get("Target", "")
                    sheet = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        root = ET.fromstring(archive.read(sheet))
    for number, row in enumerate(root.iter(f"{{{_XLSX_NS['m']}}}row"), start=1):
        number = int(row.get("r") or number)
        cells: dict[str, str] = {}
        for cell in row.findall("m:c", _XLSX_NS):
            found = re.match(r"[A-Z]+", cell.get("r", ""))
            column = found.group(0) if found else str(len(cells))
            kind = cell.get("t")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{{{_XLSX_NS['m']}}}t"))
            else:
                value = cell.find("m:v", _XLSX_NS)
                if value is None or value.text is None:
                    continue
                text = shared[int(value.text)] if kind == "s" else value.text
            cells[column] = nfc(text)
        yield number, cells


def _portal_code(text: str) -> str:
    """A code typed as a number loses its trailing zeros (1.00017 for 1.000170); portal codes have six decimals."""
    match = re.fullmatch(r"(\d+)\.(\d{1,5})", text.strip())
    return f"{match.group(1)}.{match.group(2).ljust(6, '0')}" if match else text


def _read_xlsx(path: Path) -> Iterator[Outcome]:
    """The rows of a portal list export, below its title block and header row."""
    try:
        rows = list(_xlsx_rows(path))
    except (OSError, zipfile.BadZipFile, KeyError, ET.ParseError, ValueError, IndexError) as exc:
        yield None, PortalRecordError(None, None, f"not a readable .xlsx list export: {exc}", source=str(path))
        return
    columns: dict[str, str] | None = None
    for number, cells in rows:
        if columns is None:
            headers = {col: _LIST_COLUMNS.get((_clean_line(text) or "").casefold()) for col, text in cells.items()}
            if {"code", "name"} <= set(headers.values()):
                columns = {field: col for col, field in headers.items() if field}
            continue
        values = {field: cells.get(col) for field, col in columns.items()}
        if not any(_clean_line(v) for v in values.values()):
            continue
        try:
            yield parse_list_row(_portal_code(values.get("code") or ""), values.get("name"), values.get("agency"),
                                 values.get("field")), None
        except PortalRecordError as exc:
            yield None, exc.located(str(path), number)
    if columns is None:
        yield None, PortalRecordError(None, None, "no header row with 'Mã số' and 'Tên'", source=str(path))


def _files(path: Path) -> tuple[list[Path], list[Path]]:
    """The records (.jsonl) and list exports (.xlsx) that PATH names."""
    if path.is_dir():
        records = sorted({*path.glob("*.jsonl"), *path.glob("records/*.jsonl")})
        lists = sorted({*path.glob("*.xlsx"), *path.glob("lists/*.xlsx")})
        if not records and not lists:
            raise FileNotFoundError(f"no records/*.jsonl or lists/*.xlsx under {path}")
        return records, lists
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return [path], []
    if suffix == ".xlsx":
        return [], [path]
    raise ValueError(f"expected a folder, a .jsonl records file or an .xlsx list export, got {path}")


def read_path(path: str | Path) -> Iterator[Outcome]:
    """Every procedure under PATH, each once, as (procedure, None) or (None, error); never stops on bad data.

    PATH is the portal folder (records/*.jsonl and lists/*.xlsx), one .jsonl records file or one .xlsx list
    export. Detail records are read first so that a procedure present in both a list and a records file is taken
    once, from its detail record; a code repeated across records files is reported, the first record kept.
    Raises FileNotFoundError / ValueError at once (not on first iteration) when PATH names nothing readable.
    """
    records, lists = _files(Path(path))
    return _read_all(records, lists)


def _read_all(records: list[Path], lists: list[Path]) -> Iterator[Outcome]:
    seen: set[str] = set()
    for file in records:
        for line, procedure, error in _read_jsonl(file):
            if procedure is not None and procedure.code in seen:
                yield None, PortalRecordError(procedure.code, "ma_thu_tuc", "duplicate procedure code; first kept",
                                              source=str(file), line=line)
                continue
            if procedure is not None:
                seen.add(procedure.code)
                procedure = replace(procedure, source=file.name)
            yield procedure, error
    for file in lists:
        for procedure, error in _read_xlsx(file):
            if procedure is not None:
                if procedure.code in seen:
                    continue
                seen.add(procedure.code)
                procedure = replace(procedure, source=file.name)
            yield procedure, error
