"""SQLAlchemy tables of the knowledge base. Rows are replaced as a whole by each staff load."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, String, Text

from bot.db import Base


class Site(Base):
    """A heritage site (relic, scenic area, the museum as a place)."""

    __tablename__ = "sites"
    id = Column(String(40), primary_key=True)
    name = Column(Text, nullable=False)
    name_en = Column(Text)
    kind = Column(String(40), nullable=False)
    rank = Column(String(40))
    address = Column(Text, nullable=False)
    commune = Column(Text)
    former_area = Column(Text, nullable=False)
    lat = Column(Float)
    lon = Column(Float)
    intro_vi = Column(Text, nullable=False)
    intro_en = Column(Text)
    opening_hours = Column(Text)
    entry_fee = Column(Text)
    note = Column(Text)
    aliases = Column(JSON, nullable=False, default=list)
    sources = Column(JSON, nullable=False)


class SiteName(Base):
    """Every name a site answers to, folded, for accent-insensitive look-up."""

    __tablename__ = "site_names"
    id = Column(Integer, primary_key=True, autoincrement=True)
    site_id = Column(String(40), ForeignKey("sites.id", ondelete="CASCADE"), nullable=False, index=True)
    name = Column(Text, nullable=False)
    folded = Column(Text, nullable=False, index=True)


class Procedure(Base):
    """An administrative procedure and how to do it (online through VNeID / the portal, or in person)."""

    __tablename__ = "procedures"
    id = Column(String(60), primary_key=True)
    code = Column(String(40))
    name = Column(Text, nullable=False)
    field = Column(Text)
    audience = Column(Text)
    online_level = Column(String(20), nullable=False)
    where = Column(Text, nullable=False)
    steps = Column(JSON, nullable=False)
    documents = Column(JSON)
    fee = Column(Text)
    processing_time = Column(Text)
    legal_basis = Column(JSON)
    agency = Column(Text)
    offline = Column(Text)
    note = Column(Text)
    aliases = Column(JSON, nullable=False, default=list)
    keywords = Column(JSON, nullable=False, default=list)
    sources = Column(JSON, nullable=False)


class ProcedureTerm(Base):
    """What people say for a procedure's official words ("sổ đỏ" for "giấy chứng nhận quyền sử dụng đất"):
    knowledge/procedure_terms.yml, used to widen a question before the procedures are searched."""

    __tablename__ = "procedure_terms"
    id = Column(Integer, primary_key=True, autoincrement=True)
    means = Column(Text, nullable=False)
    say = Column(JSON, nullable=False)


class PortalRecord(Base):
    """A procedure as the national public-service portal publishes it (`qn-staff import-portal`), by its code.

    Not replaced by `qn-staff load`: the knowledge files' curated guides overlay these records by code. Table cells
    are kept as the parser splits them (bot/knowledge/portal.py), as JSON lists of objects.
    """

    __tablename__ = "portal_procedures"
    code = Column(String(40), primary_key=True)
    name = Column(Text, nullable=False)
    url = Column(Text)
    level = Column(JSON, nullable=False)  # ["Cấp xã", "Cấp tỉnh", ...]
    field = Column(Text)
    agency = Column(Text)
    authority = Column(Text)
    address = Column(Text)
    audience = Column(JSON, nullable=False)
    steps = Column(JSON, nullable=False)
    channels = Column(JSON, nullable=False)  # [{kind, time, fee, fee_note, description}]
    papers = Column(JSON, nullable=False)  # [{name, form, originals, copies, case}]
    conditions = Column(Text)
    results = Column(JSON, nullable=False)
    legal_basis = Column(JSON, nullable=False)  # [{number, title, issued_by, date, kind}]
    decision = Column(Text)
    related = Column(JSON, nullable=False)
    source_date = Column(Date)
    detailed = Column(Boolean, nullable=False)
    source_file = Column(Text, nullable=False)  # the file it was imported from: what a re-import of it replaces
    imported_at = Column(DateTime(timezone=True), nullable=False)


class Museum(Base):
    """The museum that sells tickets (one row): facts staff keep, nested values as JSON."""

    __tablename__ = "museum"
    id = Column(String(40), primary_key=True)
    name = Column(Text, nullable=False)
    data = Column(JSON, nullable=False)
    sources = Column(JSON, nullable=False)


class TicketType(Base):
    __tablename__ = "ticket_types"
    id = Column(String(40), primary_key=True)
    museum_id = Column(String(40), ForeignKey("museum.id", ondelete="CASCADE"), nullable=False)
    name_vi = Column(Text, nullable=False)
    name_en = Column(Text)
    price_vnd = Column(Integer)  # NULL: no public source states it yet
    who = Column(Text)
    aliases = Column(JSON, nullable=False, default=list, server_default="[]")  # words visitors use for it


class Contact(Base):
    """An official channel a user can turn to (hotline, website, office), by topic."""

    __tablename__ = "contacts"
    id = Column(String(40), primary_key=True)
    topic = Column(String(20), nullable=False, index=True)
    name = Column(Text, nullable=False)
    name_en = Column(Text)
    phone = Column(Text)
    website = Column(Text)
    email = Column(Text)
    address = Column(Text)
    hours = Column(Text)
    note = Column(Text)
    sources = Column(JSON, nullable=False)


class KnowledgeVersion(Base):
    """One row per successful load: readers compare the latest id to know whether their cache is stale."""

    __tablename__ = "knowledge_versions"
    id = Column(Integer, primary_key=True, autoincrement=True)
    loaded_at = Column(DateTime(timezone=True), nullable=False)
    checksum = Column(String(64), nullable=False)
    counts = Column(JSON, nullable=False)


KNOWLEDGE_TABLES = [
    SiteName.__table__, Site.__table__, TicketType.__table__, Museum.__table__, Procedure.__table__, Contact.__table__,
    ProcedureTerm.__table__,
]
