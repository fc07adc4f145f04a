"""Read, validate and load the staff's knowledge files into the database, all or nothing.

Validation runs over every file before the database is touched; the load itself is one transaction, so a
bad file, a crash or a concurrent reader never sees half a knowledge base.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.models import (
    KNOWLEDGE_TABLES,
    Contact,
    KnowledgeVersion,
    Museum,
    Procedure,
    ProcedureTerm,
    Site,
    SiteName,
    TicketType,
)
from bot.knowledge.schema import (
    CONTACT_FIELDS,
    MUSEUM_FIELDS,
    PROCEDURE_FIELDS,
    PROCEDURE_LIST_FIELDS,
    PROCEDURE_TERM_FIELDS,
    SITE_FIELDS,
    FieldSpec,
    KnowledgeError,
    validate_record,
)
from bot.knowledge.trial import TrialSchedule, read_trial, trial_for
from bot.schema import migrate
from bot.text import fold

SITES_FILE = "sites.yml"
PROCEDURES_FILE = "procedures.yml"
MUSEUM_FILE = "museum.yml"
CONTACTS_FILE = "contacts.yml"
KNOWLEDGE_FILES = (SITES_FILE, PROCEDURES_FILE, MUSEUM_FILE, CONTACTS_FILE)
# Optional: the public procedure list as exported (code, name, agency, level, field, source).
PROCEDURE_LIST_FILE = "procedures_list.csv"
# Optional: what people say for the official procedure names' words (vocabulary for search, not facts).
PROCEDURE_TERMS_FILE = "procedure_terms.yml"
PORTAL = "Cổng Dịch vụ công quốc gia (https://dichvucong.gov.vn)"


class KnowledgeValidationError(Exception):
    """The knowledge files have errors; nothing was loaded."""

    def __init__(self, errors: list[KnowledgeError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class KnowledgeBundle:
    """Everything the files say, validated and cleaned, ready to load."""

    sites: list[dict[str, Any]] = field(default_factory=list)
    procedures: list[dict[str, Any]] = field(default_factory=list)
    museum: dict[str, Any] | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    procedure_terms: list[dict[str, Any]] = field(default_factory=list)
    checksum: str = ""

    def counts(self) -> dict[str, int]:
        return {
            "sites": len(self.sites),
            "procedures": len(self.procedures),
            "museum": 1 if self.museum else 0,
            "ticket_types": len(self.museum.get("ticket_types", [])) if self.museum else 0,
            "contacts": len(self.contacts),
            "procedure_terms": len(self.procedure_terms),
        }


def _read_yaml(path: Path, errors: list[KnowledgeError]) -> Any:
    name = path.name
    if not path.is_file():
        errors.append(KnowledgeError(name, f"file is missing (expected at {path})"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.append(KnowledgeError(name, f"is not UTF-8 text (byte {exc.start}); save it as UTF-8"))
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        errors.append(KnowledgeError(name, f"is not valid YAML: {problem}",
                                     line=(mark.line + 1) if mark is not None else None))
        return None


def _validate_list(document: Any, key: str, specs: tuple[FieldSpec, ...], file: str,
                   errors: list[KnowledgeError]) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        errors.append(KnowledgeError(file, f"must start with '{key}:' followed by a list of records"))
        return []
    records: list[dict[str, Any]] = []
    first_position: dict[str, int] = {}
    for position, raw in enumerate(document[key], 1):
        record, record_errors = validate_record(raw, specs, file, position)
        errors.extend(record_errors)
        if record is None:
            continue
        if record["id"] in first_position:
            errors.append(KnowledgeError(file, f"duplicate id: record {first_position[record['id']]} has the same id",
                                         position, record["id"], "id"))
            continue
        first_position[record["id"]] = position
        records.append(record)
    return records


def _check_shared_names(records: list[dict[str, Any]], file: str, errors: list[KnowledgeError]) -> None:
    """A name or alias that two records answer to makes every question with it ambiguous: refuse it."""
    owner: dict[str, tuple[int, str]] = {}
    for position, record in enumerate(records, 1):
        for name in dict.fromkeys([record["name"], *record.get("aliases", [])]):
            key = fold(name)
            first = owner.setdefault(key, (position, record["id"]))
            if first[1] != record["id"]:
                errors.append(KnowledgeError(
                    file, f"'{name}' is also a name of record {first[0]} (id: {first[1]}); keep it on one of them",
                    position, record["id"], "aliases"))


def _validate_museum(document: Any, errors: list[KnowledgeError]) -> dict[str, Any] | None:
    if not isinstance(document, dict) or not isinstance(document.get("museum"), dict):
        errors.append(KnowledgeError(MUSEUM_FILE, "must start with 'museum:' followed by its fields"))
        return None
    museum, museum_errors = validate_record(document["museum"], MUSEUM_FIELDS, MUSEUM_FILE, 1)
    errors.extend(museum_errors)
    if museum is None:
        return None
    ids = [ticket["id"] for ticket in museum.get("ticket_types", [])]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        errors.append(KnowledgeError(MUSEUM_FILE, f"two ticket types have the id '{duplicate}'", 1, museum["id"],
                                     "ticket_types"))
    return None if errors else museum


def read_knowledge(directory: Path) -> KnowledgeBundle:
    """Parse and validate every knowledge file; raise KnowledgeValidationError listing every problem."""
    errors: list[KnowledgeError] = []
    digest = hashlib.sha256()
    for name in (*KNOWLEDGE_FILES, PROCEDURE_LIST_FILE, PROCEDURE_TERMS_FILE):
        path = directory / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    bundle = KnowledgeBundle(checksum=digest.hexdigest())
    bundle.sites = _validate_list(_read_yaml(directory / SITES_FILE, errors), "sites", SITE_FIELDS, SITES_FILE,
                                  errors)
    bundle.procedures = _validate_list(_read_yaml(directory / PROCEDURES_FILE, errors), "procedures",
                                       PROCEDURE_FIELDS, PROCEDURES_FILE, errors)
    bundle.museum = _validate_museum(_read_yaml(directory / MUSEUM_FILE, errors), errors)
    _check_shared_names(bundle.sites, SITES_FILE, errors)
    _check_shared_names(bundle.procedures, PROCEDURES_FILE, errors)
    _check_guides_without_code(bundle.procedures, errors)
    bundle.procedures += _read_procedure_list(directory / PROCEDURE_LIST_FILE, bundle.procedures, errors)
    bundle.contacts = _validate_list(_read_yaml(directory / CONTACTS_FILE, errors), "contacts", CONTACT_FIELDS,
                                     CONTACTS_FILE, errors)
    if (directory / PROCEDURE_TERMS_FILE).is_file():
        bundle.procedure_terms = _read_procedure_terms(_read_yaml(directory / PROCEDURE_TERMS_FILE, errors), errors)
    if errors:
        raise KnowledgeValidationError(errors)
    return bundle


def _check_guides_without_code(guides: list[dict[str, Any]], errors: list[KnowledgeError]) -> None:
    """A guide without a national code has no portal record to take its level, place and steps from."""
    for position, guide in enumerate(guides, 1):
        if guide.get("code"):
            continue
        for name in ("online_level", "where", "steps"):
            if not guide.get(name):
                errors.append(KnowledgeError(PROCEDURES_FILE, "is required when the guide has no 'code'", position,
                                             guide["id"], name))


def _read_procedure_terms(document: Any, errors: list[KnowledgeError]) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("terms"), list):
        errors.append(KnowledgeError(PROCEDURE_TERMS_FILE, "must start with 'terms:' followed by a list of entries"))
        return []
    terms = []
    for position, raw in enumerate(document["terms"], 1):
        record, record_errors = validate_record(raw, PROCEDURE_TERM_FIELDS, PROCEDURE_TERMS_FILE, position)
        errors.extend(record_errors)
        if record is not None:
            terms.append(record)
    return terms


def procedure_list_id(code: str) -> str:
    return "tthc-" + code.replace(".", "-")


def _read_procedure_list(path: Path, guides: list[dict[str, Any]], errors: list[KnowledgeError]) -> list[dict]:
    """Rows of the public procedure list become procedures without a step-by-step guide. A row whose code
    a guide in procedures.yml already has is skipped: the guide says more."""
    if not path.is_file():
        return []
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets save UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        errors.append(KnowledgeError(name, f"is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    expected = [spec.name for spec in PROCEDURE_LIST_FIELDS]
    missing = [column for column in expected if column not in (reader.fieldnames or [])]
    if missing:
        errors.append(KnowledgeError(name, f"the first line must name the columns {', '.join(expected)}; "
                                           f"missing: {', '.join(missing)}", line=1))
        return []
    guided = {g.get("code") for g in guides if g.get("code")}
    seen: dict[str, int] = {}
    records = []
    for position, row in enumerate(reader, 1):
        raw = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k in expected and v}
        record, row_errors = validate_record(raw, PROCEDURE_LIST_FIELDS, name, position)
        errors.extend(KnowledgeError(e.file, e.message, e.record, e.record_id or raw.get("code"), e.field,
                                     line=position + 1) for e in row_errors)
        if record is None:
            continue
        if record["code"] in seen:
            errors.append(KnowledgeError(name, f"duplicate code: row {seen[record['code']]} has the same code",
                                         position, record["code"], "code", line=position + 1))
            continue
        seen[record["code"]] = position
        if record["code"] in guided:
            continue
        online = record["level"] != "trực tiếp"
        records.append({
            "id": procedure_list_id(record["code"]), "code": record["code"], "name": record["name"],
            "aliases": [], "keywords": [], "field": record.get("field"), "online_level": record["level"],
            "where": PORTAL if online else (record.get("agency") or PORTAL), "steps": [],
            "agency": record.get("agency"), "source": record["source"],
        })
    return records


def _museum_aliases(museum: dict[str, Any] | None, site_id: str) -> list[str]:
    """What visitors call the museum, as museum.yml says ("BT QN"): names of its site too, so the bot knows them."""
    return list(museum.get("aliases", [])) if museum and museum.get("id") == site_id else []


def _site_rows(site: dict[str, Any], more_names: list[str] | None = None) -> tuple[Site, list[SiteName]]:
    names = [site["name"], *site.get("aliases", []), *(more_names or []), site["id"].replace("-", " ")]
    if site.get("name_en"):
        names.append(site["name_en"])
    seen: set[str] = set()
    name_rows = []
    for name in names:
        folded = fold(name)
        if folded and folded not in seen:
            seen.add(folded)
            name_rows.append(SiteName(site_id=site["id"], name=name, folded=folded))
    columns = {k: v for k, v in site.items() if k != "source"}
    columns.setdefault("aliases", [])
    return Site(**columns, sources=site["source"]), name_rows


def store_knowledge(engine: Engine, bundle: KnowledgeBundle, trial: TrialSchedule | None = None) -> int:
    """Replace the knowledge tables' content with the bundle in one transaction. Returns the new version id.
    `trial`: an operator's schedule for trying booking (bot/knowledge/trial.py), kept only where the published
    museum file gives no slots or capacity."""
    migrate(engine)
    with Session(engine, future=True) as session, session.begin():
        for table in KNOWLEDGE_TABLES:
            session.execute(delete(table))
        for site in bundle.sites:
            site_row, name_rows = _site_rows(site, _museum_aliases(bundle.museum, site["id"]))
            session.add(site_row)
            session.flush()
            session.add_all(name_rows)
        for proc in bundle.procedures:
            columns = {k: v for k, v in proc.items() if k != "source"}
            columns.setdefault("aliases", [])
            columns.setdefault("keywords", [])
            for name, empty in (("online_level", ""), ("where", ""), ("steps", [])):
                columns.setdefault(name, empty)  # a coded guide: the portal's record says them
            session.add(Procedure(**columns, sources=proc["source"]))
        if bundle.museum:
            museum = dict(bundle.museum)
            ticket_types = museum.pop("ticket_types", [])
            museum["trial_schedule"] = trial_for(museum, trial)
            session.add(Museum(id=museum["id"], name=museum["name"], sources=museum.pop("source"), data=museum))
            session.flush()
            for ticket in ticket_types:
                session.add(TicketType(museum_id=museum["id"], **{k: v for k, v in ticket.items() if k != "note"}))
        session.add_all(ProcedureTerm(means=term["means"], say=term["say"]) for term in bundle.procedure_terms)
        for contact in bundle.contacts:
            session.add(Contact(**{k: v for k, v in contact.items() if k != "source"}, sources=contact["source"]))
        version = KnowledgeVersion(loaded_at=datetime.now(timezone.utc), checksum=bundle.checksum,
                                   counts=bundle.counts())
        session.add(version)
        session.flush()
        return int(version.id)


def load_knowledge(engine: Engine, directory: Path, trial_file: Path | None = None) -> tuple[int, KnowledgeBundle]:
    """Validate every file, then load them all; on any error the database keeps its previous content."""
    bundle = read_knowledge(directory)
    return store_knowledge(engine, bundle, read_trial(trial_file) if trial_file else None), bundle
