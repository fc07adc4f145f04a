"""Read access to the knowledge base for the bot. Knows nothing of Rasa.

Results are cached per knowledge version, so a staff load is seen by the next question without a restart:
each read first asks the database for the latest version (one small query), or, inside `consistent_reads()`,
uses the version the block's first read saw.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.gazetteer import Gazetteer, build_gazetteer
from bot.knowledge.models import Contact, KnowledgeVersion, Museum, Procedure, Site, SiteName, TicketType
from bot.knowledge.places import PlaceIndex, PlaceMatch, PlaceRef
from bot.knowledge.retrieval import BM25Index
from bot.knowledge.schema import WEEKDAYS

T = TypeVar("T")
# The version pinned by consistent_reads(): a holder shared with the worker threads the reads run in
# (asyncio.to_thread copies the context, and with it this same dict).
_pinned_version: ContextVar[dict[str, int | None] | None] = ContextVar("pinned_knowledge_version", default=None)


@dataclass(frozen=True)
class KnowledgeStats:
    version: int | None
    loaded_at: str | None
    sites: int
    procedures: int
    ticket_types: int
    museum: bool


@dataclass(frozen=True)
class ContactCard:
    """An official channel, as the bot shows it."""

    id: str
    topic: str
    name: str
    name_en: str | None
    phone: str | None
    website: str | None
    email: str | None
    address: str | None
    hours: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlaceCard:
    """Everything the bot shows about a site."""

    id: str
    name: str
    name_en: str | None
    kind: str
    rank: str | None
    address: str
    commune: str | None
    former_area: str
    lat: float | None
    lon: float | None
    intro_vi: str
    intro_en: str | None
    opening_hours: str | None
    entry_fee: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TicketInfo:
    id: str
    name_vi: str
    name_en: str | None
    price_vnd: int | None  # None: no public source states it
    who: str | None
    aliases: tuple[str, ...] = ()  # words visitors use for it ("học sinh", "kids")


@dataclass(frozen=True)
class MuseumInfo:
    id: str
    name: str
    name_en: str | None
    opening_hours: dict[str, Any]  # weekday -> "HH:MM-HH:MM", a list of them, "closed", or None (unknown)
    closed_days: tuple[str, ...]
    ticket_types: tuple[TicketInfo, ...]
    exemptions: tuple[str, ...]
    discounts: tuple[tuple[str, int], ...]
    sources: tuple[str, ...]
    time_slots: tuple[str, ...] = ()
    capacity_per_slot: int | None = None
    cancellation_rule: str | None = None
    cancellation_hours_before: int | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = None
    hours_reported: str | None = None  # hours from a dated press report, while no timetable is published
    hours_reported_en: str | None = None
    hours_reported_source: str | None = None
    # An operator's schedule for trying booking locally (`qn-staff try-booking`): never a published fact.
    trial: bool = False
    trial_closed_weekdays: tuple[int, ...] = ()

    def hours_known(self) -> bool:
        return any(value is not None for value in self.opening_hours.values())

    def bookable(self) -> bool:
        """Online booking needs what only staff can confirm: opening hours, slots, capacity and prices (or an
        operator's trial schedule)."""
        return ((self.hours_known() or self.trial) and bool(self.time_slots) and bool(self.capacity_per_slot)
                and any(t.price_vnd is not None for t in self.ticket_types))

    def open_on(self, weekday: int) -> bool | None:
        """True/False for a weekday (Monday 0), None when staff have not said."""
        if self.trial:
            return weekday not in self.trial_closed_weekdays
        hours = list(self.opening_hours.values())[weekday]
        return None if hours is None else hours != "closed"


def _trial_schedule(trial: dict[str, Any] | None) -> dict[str, Any]:
    """An operator's trial schedule (see bot/knowledge/trial.py) replaces the unpublished slots and capacity."""
    if not trial:
        return {}
    return {"trial": True, "time_slots": tuple(trial["time_slots"]), "capacity_per_slot": trial["capacity_per_slot"],
            "trial_closed_weekdays": tuple(trial.get("closed_weekdays") or ())}


@dataclass(frozen=True)
class ProcedureRef:
    id: str
    name: str


@dataclass(frozen=True)
class ProcedureGuide:
    """A procedure as the bot explains it. Empty fields: no source states them."""

    id: str
    code: str | None
    name: str
    audience: str | None
    online_level: str
    where: str
    steps: tuple[str, ...]
    documents: tuple[str, ...]
    fee: str | None
    processing_time: str | None
    legal_basis: tuple[str, ...]
    agency: str | None
    offline: str | None
    sources: tuple[str, ...]


@dataclass
class ProcedureMatch:
    procedure: ProcedureRef | None = None
    candidates: list[ProcedureRef] = field(default_factory=list)


# A best match this far ahead of the runner-up is taken; closer, the user chooses among the top three.
CLEAR_LEAD = 1.25
MIN_SCORE = 2.0


class KnowledgeBase:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._cache: dict[str, tuple[int | None, Any]] = {}
        self._lock = threading.Lock()

    def _session(self) -> Session:
        return Session(self._engine, future=True)

    def version(self) -> int | None:
        """Id of the latest successful load, or None if nothing was ever loaded."""
        with self._engine.connect() as connection:  # no ORM session: this runs before every cached read
            return connection.execute(select(func.max(KnowledgeVersion.id))).scalar_one_or_none()

    @staticmethod
    @contextmanager
    def consistent_reads() -> Iterator[None]:
        """Reads inside this block all use the knowledge version the first of them saw: one answer never
        mixes two staff loads, and the version is asked for once instead of at every read."""
        token = _pinned_version.set({})
        try:
            yield
        finally:
            _pinned_version.reset(token)

    def _current_version(self) -> int | None:
        pinned = _pinned_version.get()
        if pinned is None:
            return self.version()
        if "version" not in pinned:
            pinned["version"] = self.version()
        return pinned["version"]

    def cached(self, key: str, build: Callable[[], T], remember_none: bool = True) -> T:
        """Return build()'s result, rebuilt only when a new knowledge version has been loaded. Per-record
        keys come from user input, so their misses (None) are not remembered: the cache stays as large as
        the knowledge, whatever ids users send."""
        current = self._current_version()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == current:
                return hit[1]
        value = build()
        if value is not None or remember_none:
            with self._lock:
                self._cache[key] = (current, value)
        return value

    def stats(self) -> KnowledgeStats:
        with self._session() as session:
            latest = session.execute(
                select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(1)
            ).scalar_one_or_none()

            def count(model: type) -> int:
                return int(session.execute(select(func.count()).select_from(model)).scalar_one())

            return KnowledgeStats(
                version=latest.id if latest else None,
                loaded_at=latest.loaded_at.isoformat() if latest else None,
                sites=count(Site),
                procedures=count(Procedure),
                ticket_types=count(TicketType),
                museum=count(Museum) > 0,
            )


    def contacts(self, topic: str | None = None) -> list[ContactCard]:
        """Official contacts: those of `topic` first, then general ones, then the rest."""

        def build() -> list[ContactCard]:
            with self._session() as session:
                rows = session.execute(select(Contact).order_by(Contact.id)).scalars().all()
                return [ContactCard(r.id, r.topic, r.name, r.name_en, r.phone, r.website, r.email, r.address,
                                    r.hours, tuple(r.sources)) for r in rows]

        order = {topic: 0, "general": 1}
        return sorted(self.cached("contacts", build), key=lambda card: order.get(card.topic, 2))

    # --- heritage sites -------------------------------------------------------------------------------

    def place_index(self) -> PlaceIndex:
        """The name index of every site; rebuilt only after a staff load."""

        def build() -> PlaceIndex:
            with self._session() as session:
                sites = session.execute(select(Site)).scalars().all()
                places = [PlaceRef(s.id, s.name, s.name_en, s.kind, s.former_area, s.commune, s.lat, s.lon)
                          for s in sites]
                rows = session.execute(select(SiteName)).scalars().all()
                names = [(n.site_id, n.folded) for n in rows]
                spelt = {n.folded: n.name for n in rows}
            return PlaceIndex(places, names, spelt)

        return self.cached("place_index", build)

    def resolve_place(self, text: str, whole_message: bool = False) -> PlaceMatch:
        return self.place_index().resolve(text, whole_message)

    def gazetteer(self) -> Gazetteer:
        """Every known name of sites, areas, kinds and procedures; rebuilt only after a staff load."""

        def build() -> Gazetteer:
            # Asked before the names are read: a load landing in between makes the label older than the
            # names, never newer, so nothing keyed by it is kept past that load.
            version = self._current_version()
            with self._session() as session:
                procedures = [(p.id, [p.name, *p.aliases, p.id.replace("-", " ")], list(p.keywords))
                              for p in session.execute(select(Procedure)).scalars()]
            gazetteer = build_gazetteer(self.place_index(), procedures)
            gazetteer.version = version
            return gazetteer

        return self.cached("gazetteer", build)

    def place_card(self, site_id: str) -> PlaceCard | None:
        def build() -> PlaceCard | None:
            with self._session() as session:
                s = session.get(Site, site_id)
                if s is None:
                    return None
                return PlaceCard(s.id, s.name, s.name_en, s.kind, s.rank, s.address, s.commune, s.former_area,
                                 s.lat, s.lon, s.intro_vi, s.intro_en, s.opening_hours, s.entry_fee,
                                 tuple(s.sources))

        return self.cached(f"place_card:{site_id}", build, remember_none=False)

    def find_places(self, area: str | None, category: str | None, offset: int = 0,
                    limit: int = 5) -> tuple[list[PlaceRef], int]:
        """Sites of an area and/or a kind, in name order: one page of them, and how many there are."""
        chosen = self.place_index().in_area(area, category)
        return chosen[offset:offset + limit], len(chosen)

    def nearest_places(self, lat: float, lon: float, limit: int = 5,
                       kind: str | None = None) -> list[tuple[PlaceRef, float]]:
        """The sites nearest to a point (of one kind, when given), with their distance in km."""
        return self.place_index().nearest(lat, lon, limit, kind)

    # --- the museum -----------------------------------------------------------------------------------

    def museum(self) -> MuseumInfo | None:
        def build() -> MuseumInfo | None:
            with self._session() as session:
                row = session.execute(select(Museum).limit(1)).scalar_one_or_none()
                if row is None:
                    return None
                tickets = session.execute(select(TicketType).where(TicketType.museum_id == row.id)
                                          .order_by(TicketType.price_vnd.desc())).scalars().all()
                data = dict(row.data)
                schedule = {"time_slots": tuple(s.replace(" ", "") for s in data.get("time_slots") or ()),
                            "capacity_per_slot": data.get("capacity_per_slot"),
                            **_trial_schedule(data.get("trial_schedule"))}
                return MuseumInfo(
                    id=row.id, name=row.name, name_en=data.get("name_en"),
                    opening_hours={day: data.get("opening_hours", {}).get(day) for day in WEEKDAYS},
                    closed_days=tuple(data.get("closed_days") or ()),
                    ticket_types=tuple(TicketInfo(t.id, t.name_vi, t.name_en, t.price_vnd, t.who,
                                                  tuple(t.aliases or ())) for t in tickets),
                    exemptions=tuple(e["who"] for e in data.get("exemptions") or ()),
                    discounts=tuple((d["who"], d["percent"]) for d in data.get("discounts") or ()),
                    sources=tuple(row.sources),
                    cancellation_rule=data.get("cancellation_rule"),
                    cancellation_hours_before=data.get("cancellation_hours_before"),
                    phone=data.get("phone"), website=data.get("website"), address=data.get("address"),
                    hours_reported=data.get("hours_reported"), hours_reported_en=data.get("hours_reported_en"),
                    hours_reported_source=next(iter(data.get("hours_reported_source") or ()), None),
                    **schedule,
                )

        return self.cached("museum", build)

    # --- procedures -----------------------------------------------------------------------------------

    def procedure_index(self) -> tuple[BM25Index, dict[str, ProcedureRef]]:
        def build() -> tuple[BM25Index, dict[str, ProcedureRef]]:
            with self._session() as session:
                rows = session.execute(select(Procedure)).scalars().all()
                documents = {p.id: [(p.name, 3), *((a, 3) for a in p.aliases), *((k, 2) for k in p.keywords),
                                    (p.field or "", 1)] for p in rows}
                refs = {p.id: ProcedureRef(p.id, p.name) for p in rows}
            return BM25Index(documents), refs

        return self.cached("procedure_index", build)

    def find_procedure(self, text: str) -> ProcedureMatch:
        """The procedure a question is about: an id, or free text ranked by BM25."""
        index, refs = self.procedure_index()
        if text in refs:
            return ProcedureMatch(refs[text])
        ranked = index.rank(text, limit=3)
        if not ranked:
            return ProcedureMatch()
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if top.score >= MIN_SCORE and top.score >= CLEAR_LEAD * runner_up:
            return ProcedureMatch(refs[top.id])
        return ProcedureMatch(candidates=[refs[r.id] for r in ranked])

    def procedure(self, procedure_id: str) -> ProcedureGuide | None:
        def build() -> ProcedureGuide | None:
            with self._session() as session:
                p = session.get(Procedure, procedure_id)
                if p is None:
                    return None
                return ProcedureGuide(p.id, p.code, p.name, p.audience, p.online_level, p.where,
                                      tuple(p.steps or ()), tuple(p.documents or ()), p.fee, p.processing_time,
                                      tuple(p.legal_basis or ()), p.agency, p.offline, tuple(p.sources))

        return self.cached(f"procedure:{procedure_id}", build, remember_none=False)


def gazetteer_from_files(directory: Path) -> Gazetteer | None:
    """The gazetteer of the knowledge files themselves, loaded into a private in-memory database: what NLU
    training masks names with, so a model is the same whatever a developer's database holds. None when the
    files cannot be read."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from bot.knowledge.loader import KnowledgeValidationError, load_knowledge

    engine = create_engine("sqlite://", future=True, poolclass=StaticPool, connect_args={"check_same_thread": False})
    try:
        load_knowledge(engine, directory)
    except (KnowledgeValidationError, OSError):
        return None
    return KnowledgeBase(engine).gazetteer()
