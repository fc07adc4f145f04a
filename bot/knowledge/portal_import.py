"""Load the national portal's procedure records into the database (`qn-staff import-portal PATH`).

Records are read by bot/knowledge/portal.py; here they are stored in one transaction, by code: a re-import
updates what changed, adds what is new, and removes (and reports) a record that disappeared from a file it was
imported from before. A row of a list export never replaces a detailed record of the same code. Each import
adds a knowledge version, so the running bot sees the new records at its next question.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.models import KnowledgeVersion, PortalRecord
from bot.knowledge.portal import PortalProcedure, PortalRecordError, read_path
from bot.schema import migrate


@dataclass
class PortalImportReport:
    """What an import did, for staff: counts, the records it could not read, and the ones that disappeared."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[PortalRecordError] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (code, name) no longer in their file
    kept: list[tuple[str, str]] = field(default_factory=list)  # gone from a file that had unreadable lines
    version: int | None = None


def _json_ready(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _json_ready(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _columns(procedure: PortalProcedure, imported_at: datetime) -> dict[str, Any]:
    return {
        "code": procedure.code, "name": procedure.name, "url": procedure.url, "level": list(procedure.level),
        "field": procedure.field, "agency": procedure.agency, "authority": procedure.authority,
        "address": procedure.address, "audience": list(procedure.who), "steps": list(procedure.steps),
        "channels": _json_ready(procedure.channels), "papers": _json_ready(procedure.papers),
        "conditions": procedure.conditions, "results": list(procedure.results),
        "legal_basis": _json_ready(procedure.legal_basis), "decision": procedure.decision,
        "related": list(procedure.related), "source_date": procedure.source_date, "detailed": procedure.detailed,
        "source_file": procedure.source or "", "imported_at": imported_at,
    }


def import_portal(engine: Engine, path: str | Path) -> PortalImportReport:
    """Read every record under PATH and store them in one transaction. Raises FileNotFoundError / ValueError
    when PATH names nothing readable (nothing is changed then)."""
    report = PortalImportReport()
    procedures: dict[str, PortalProcedure] = {}
    files: set[str] = set()
    files_with_unreadable_lines: set[str] = set()
    for procedure, error in read_path(path):
        if error is not None:
            report.errors.append(error)
            if error.source:
                name = Path(error.source).name
                files.add(name)
                if error.code is None:
                    files_with_unreadable_lines.add(name)
            continue
        assert procedure is not None
        procedures[procedure.code] = procedure
        files.add(procedure.source or "")
    report.read = len(procedures)
    unreadable_codes = {e.code for e in report.errors if e.code}

    migrate(engine)
    now = datetime.now(timezone.utc)
    digest = hashlib.sha256()
    with Session(engine, future=True) as session, session.begin():
        existing = {row.code: row for row in session.execute(select(PortalRecord)).scalars()}
        for code, procedure in procedures.items():
            columns = _columns(procedure, now)
            digest.update(json.dumps(_json_ready(columns | {"imported_at": None}), sort_keys=True).encode())
            old = existing.get(code)
            if old is None:
                session.add(PortalRecord(**columns))
                report.added += 1
            elif old.detailed and not procedure.detailed:
                report.unchanged += 1  # a list row says less than the detailed record already held
            elif all(getattr(old, name) == value for name, value in columns.items() if name != "imported_at"):
                report.unchanged += 1
            else:
                for name, value in columns.items():
                    setattr(old, name, value)
                report.updated += 1
        gone = [row for code, row in existing.items()
                if row.source_file in files and code not in procedures and code not in unreadable_codes]
        for row in sorted(gone, key=lambda r: r.code):
            if row.source_file in files_with_unreadable_lines:
                report.kept.append((row.code, row.name))
            else:
                report.removed.append((row.code, row.name))
        if report.removed:
            session.execute(delete(PortalRecord).where(PortalRecord.code.in_([c for c, _ in report.removed])))
        if report.added or report.updated or report.removed:
            version = KnowledgeVersion(loaded_at=now, checksum=digest.hexdigest(),
                                       counts={"portal_procedures": len(existing) + report.added
                                               - len(report.removed)})
            session.add(version)
            session.flush()
            report.version = int(version.id)
    return report
