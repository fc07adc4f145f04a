"""What a valid knowledge record looks like, and checks that say exactly what is wrong and where.

Staff edit YAML by hand: each error names the file, the record (its position and id) and the field, in
words a non-programmer can act on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from bot.text import nfc

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")

SITE_KINDS = (
    "chùa", "đền", "đình", "miếu", "nhà thờ", "di tích lịch sử", "di tích khảo cổ", "danh thắng", "bảo tàng",
    "khu di tích",
)
SITE_RANKS = ("quốc gia đặc biệt", "quốc gia", "cấp tỉnh")
ONLINE_LEVELS = ("toàn trình", "một phần", "trực tiếp")
CONTACT_TOPICS = ("general", "tourism", "museum", "procedures")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A generous box around Quảng Ninh: catches swapped latitude/longitude and typos in coordinates.
LAT_RANGE = (20.5, 21.8)
LON_RANGE = (106.3, 108.2)


@dataclass(frozen=True)
class KnowledgeError:
    file: str
    message: str
    record: int | None = None  # 1-based position in the file's list
    record_id: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.record is not None:
            where += f", record {self.record}"
            if self.record_id:
                where += f" (id: {self.record_id})"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


Check = Callable[[Any], str | None]  # returns an error message, or None if the value is fine


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "text", "text_list", "number", "integer", "url_list", "mapping", "records"
    required: bool = False
    checks: Sequence[Check] = field(default_factory=tuple)
    fields: Sequence["FieldSpec"] = ()  # for kind "records": the fields of each nested record


def one_of(choices: Sequence[str]) -> Check:
    return lambda value: None if value in choices else f"must be one of: {', '.join(choices)} (got '{value}')"


def within(low: float, high: float, what: str) -> Check:
    return lambda value: None if low <= value <= high else f"{what} {value} is outside Quảng Ninh ({low} to {high})"


def matches_id(max_len: int) -> Check:
    def check(value: str) -> str | None:
        if not ID_PATTERN.match(value) or len(value) > max_len:
            return f"must be lowercase letters a-z, digits and '-', at most {max_len} characters (got '{value}')"
        return None

    return check


def at_least(count: int) -> Check:
    return lambda value: None if len(value) >= count else f"needs at least {count} entries (has {len(value)})"


def _opening_hours(value: dict) -> str | None:
    for day, hours in value.items():
        if day not in WEEKDAYS:
            return f"unknown day '{day}': use {', '.join(WEEKDAYS)}"
        ranges = hours if isinstance(hours, list) else [hours]
        for item in ranges:
            if item is None or item == "closed":
                continue
            if not isinstance(item, str) or not TIME_RANGE.match(item.replace(" ", "")):
                return f"{day}: '{item}' is not HH:MM-HH:MM, 'closed' or empty"
    return None


SITE_FIELDS = (
    FieldSpec("id", "text", True, (matches_id(40),)),
    FieldSpec("name", "text", True),
    FieldSpec("name_en", "text"),
    FieldSpec("aliases", "text_list"),
    FieldSpec("kind", "text", True, (one_of(SITE_KINDS),)),
    FieldSpec("rank", "text", False, (one_of(SITE_RANKS),)),
    FieldSpec("address", "text", True),
    FieldSpec("commune", "text"),
    FieldSpec("former_area", "text", True),
    FieldSpec("lat", "number", False, (within(*LAT_RANGE, "latitude"),)),
    FieldSpec("lon", "number", False, (within(*LON_RANGE, "longitude"),)),
    FieldSpec("intro_vi", "text", True),
    FieldSpec("intro_en", "text"),
    FieldSpec("opening_hours", "text"),
    FieldSpec("entry_fee", "text"),
    FieldSpec("note", "text"),
    FieldSpec("source", "url_list", True),
)

PROCEDURE_FIELDS = (
    FieldSpec("id", "text", True, (matches_id(60),)),
    FieldSpec("code", "text"),
    FieldSpec("name", "text", True),
    FieldSpec("aliases", "text_list", True, (at_least(1),)),
    FieldSpec("keywords", "text_list"),
    FieldSpec("field", "text"),
    FieldSpec("audience", "text"),
    # Required unless the guide has a `code`: the portal's record of that code then supplies them.
    FieldSpec("online_level", "text", False, (one_of(ONLINE_LEVELS),)),
    FieldSpec("where", "text"),
    FieldSpec("steps", "text_list", False, (at_least(1),)),
    FieldSpec("documents", "text_list"),
    FieldSpec("fee", "text"),
    FieldSpec("processing_time", "text"),
    FieldSpec("legal_basis", "text_list"),
    FieldSpec("agency", "text"),
    FieldSpec("offline", "text"),
    FieldSpec("note", "text"),
    FieldSpec("source", "url_list", True),
)

# knowledge/procedure_terms.yml: what people say (`say`) for words of the official procedure names (`means`).
PROCEDURE_TERM_FIELDS = (
    FieldSpec("means", "text", True),
    FieldSpec("say", "text_list", True, (at_least(1),)),
)

# One row of the public procedure list (CSV): what the national list gives, without a step-by-step guide.
PROCEDURE_LIST_FIELDS = (
    FieldSpec("code", "text", True, (lambda v: None if re.fullmatch(r"[0-9][0-9.]{3,20}", v)
                                     else f"'{v}' is not a procedure code like 1.004194",)),
    FieldSpec("name", "text", True),
    FieldSpec("agency", "text"),
    FieldSpec("level", "text", True, (one_of(ONLINE_LEVELS),)),
    FieldSpec("field", "text"),
    FieldSpec("source", "url_list", True),
)

TICKET_TYPE_FIELDS = (
    FieldSpec("id", "text", True, (matches_id(40),)),
    FieldSpec("name_vi", "text", True),
    FieldSpec("name_en", "text"),
    FieldSpec("price_vnd", "integer", False, (lambda v: None if v >= 0 else "a price cannot be negative",)),
    FieldSpec("who", "text"),
    # Words visitors use for this kind of ticket ("học sinh", "kids"), for reading "2 người lớn 1 bé".
    FieldSpec("aliases", "text_list"),
    FieldSpec("note", "text"),
)

EXEMPTION_FIELDS = (
    FieldSpec("who", "text", True),
    FieldSpec("basis", "text"),
)

DISCOUNT_FIELDS = (
    FieldSpec("who", "text", True),
    FieldSpec("percent", "integer", True, (lambda v: None if 0 < v <= 100 else "must be between 1 and 100",)),
    FieldSpec("basis", "text"),
)

MUSEUM_FIELDS = (
    FieldSpec("id", "text", True, (matches_id(40),)),
    FieldSpec("name", "text", True),
    FieldSpec("name_en", "text"),
    FieldSpec("aliases", "text_list"),
    FieldSpec("address", "text"),
    FieldSpec("former_area", "text"),
    FieldSpec("lat", "number", False, (within(*LAT_RANGE, "latitude"),)),
    FieldSpec("lon", "number", False, (within(*LON_RANGE, "longitude"),)),
    FieldSpec("phone", "text"),
    FieldSpec("website", "text"),
    FieldSpec("opening_hours", "mapping", False, (_opening_hours,)),
    FieldSpec("closed_days", "text_list"),
    # Hours stated by a press report, said with its date while no weekly timetable is published.
    FieldSpec("hours_reported", "text"),
    FieldSpec("hours_reported_en", "text"),
    FieldSpec("hours_reported_source", "url_list"),
    FieldSpec("time_slots", "text_list", False,
              (lambda v: next((f"'{s}' is not HH:MM-HH:MM" for s in v if not TIME_RANGE.match(s.replace(' ', ''))),
                              None),)),
    FieldSpec("capacity_per_slot", "integer", False, (lambda v: None if v > 0 else "must be a positive number",)),
    FieldSpec("ticket_types", "records", False, (), TICKET_TYPE_FIELDS),
    FieldSpec("exemptions", "records", False, (), EXEMPTION_FIELDS),
    FieldSpec("discounts", "records", False, (), DISCOUNT_FIELDS),
    FieldSpec("group_booking", "text"),
    FieldSpec("online_booking", "text"),
    FieldSpec("cancellation_rule", "text"),
    # Enforced: a booking cannot be cancelled in the chat less than this many hours before its slot.
    FieldSpec("cancellation_hours_before", "integer", False, (lambda v: None if v >= 0 else "cannot be negative",)),
    FieldSpec("note", "text"),
    FieldSpec("source", "url_list", True),
)


CONTACT_FIELDS = (
    FieldSpec("id", "text", True, (matches_id(40),)),
    FieldSpec("topic", "text", True, (one_of(CONTACT_TOPICS),)),
    FieldSpec("name", "text", True),
    FieldSpec("name_en", "text"),
    FieldSpec("phone", "text", False,
              (lambda v: None if re.fullmatch(r"[0-9 .+()-]{3,20}", v) else f"'{v}' is not a phone number",)),
    FieldSpec("website", "text", False,
              (lambda v: None if re.match(r"^https?://\S+$", v) else "must start with http:// or https://",)),
    FieldSpec("email", "text"),
    FieldSpec("address", "text"),
    FieldSpec("hours", "text"),
    FieldSpec("note", "text"),
    FieldSpec("source", "url_list", True),
)


def _coerce(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """Return (clean value, error). Text is NFC-normalised and stripped; a lone string counts as a one-item list."""
    if spec.kind == "text":
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None, f"must be text (got {type(value).__name__})"
        return nfc(str(value)).strip(), None
    if spec.kind in ("text_list", "url_list"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            return None, f"must be a list of texts (got {type(value).__name__})"
        clean = []
        for position, item in enumerate(items, 1):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                return None, f"item {position} must be text (got {type(item).__name__})"
            clean.append(nfc(str(item)).strip())
        if spec.kind == "url_list":
            bad = [u for u in clean if not re.match(r"^https?://\S+$", u)]
            if bad:
                return None, f"must be web addresses starting with http:// or https:// (got '{bad[0]}')"
        return clean, None
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, f"must be a number like 21.0263 (got '{value}')"
        return float(value), None
    if spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"must be a whole number like 40000, without dots or 'đ' (got '{value}')"
        return value, None
    if spec.kind == "mapping":
        if not isinstance(value, dict):
            return None, f"must be a set of 'name: value' lines (got {type(value).__name__})"
        return value, None
    if spec.kind == "records":
        if not isinstance(value, list):
            return None, f"must be a list of records (got {type(value).__name__})"
        clean_items = []
        for position, item in enumerate(value, 1):
            record, errors = validate_record(item, spec.fields, "", position)
            if errors:
                first = errors[0]
                label = f"item {position}" + (f" (id: {first.record_id})" if first.record_id else "")
                return None, f"{label}, field '{first.field}': {first.message}" if first.field else \
                    f"{label}: {first.message}"
            clean_items.append(record)
        return clean_items, None
    raise ValueError(f"unknown field kind {spec.kind}")


def validate_record(
    raw: Any, specs: Sequence[FieldSpec], file: str, position: int
) -> tuple[dict[str, Any] | None, list[KnowledgeError]]:
    """Check one record against its field specs. Returns the cleaned record (or None) and its errors."""
    if not isinstance(raw, dict):
        return None, [KnowledgeError(file, "must be a record of 'field: value' lines", position)]
    raw_id = raw.get("id")
    record_id = str(raw_id) if raw_id is not None else None
    errors: list[KnowledgeError] = []
    known = {spec.name for spec in specs}
    for unknown in sorted(set(raw) - known, key=str):
        errors.append(KnowledgeError(file, f"unknown field (allowed: {', '.join(sorted(known))})",
                                     position, record_id, str(unknown)))
    clean: dict[str, Any] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, (str, list)) and len(value) == 0):
            if spec.required:
                errors.append(KnowledgeError(file, "is required but missing or empty", position, record_id, spec.name))
            continue
        value, error = _coerce(spec, value)
        if error is None:
            error = next((msg for msg in (check(value) for check in spec.checks) if msg), None)
        if error:
            errors.append(KnowledgeError(file, error, position, record_id, spec.name))
        else:
            clean[spec.name] = value
    return (None if errors else clean), errors
