"""Read access to the knowledge base for the bot. Knows nothing of Rasa.

Results are cached per knowledge version, so a staff load is seen by the next question without a restart:
each read first asks the database for the latest version (one small query), or, inside `consistent_reads()`,
uses the version the block's first read saw. `version()` is the one query of the latest version: the action
server asks it once per action (actions/base.py), the Rasa server's NLU through bot/knowledge/watcher.py, which
asks it in a background thread.
"""
from __future__ import annotations

import os
import re
import threading
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.gazetteer import Gazetteer, build_gazetteer
from bot.knowledge.loader import PORTAL
from bot.knowledge.models import (
    Contact,
    KnowledgeVersion,
    Museum,
    PortalRecord,
    Procedure,
    ProcedureTerm,
    Site,
    SiteName,
    TicketType,
)
from bot.knowledge.places import PlaceIndex, PlaceMatch, PlaceRef
from bot.knowledge.retrieval import (
    ALIAS_WEIGHT,
    CONTEXT_WEIGHT,
    FOREIGN_ELEMENT,
    GLOSSARY_WEIGHT,
    SPECIAL_VERSION_FACTOR,
    BM25Index,
    Reading,
    Vocabulary,
    level_rank,
    name_head,
    name_main,
    name_titles,
    special_version_factor,
    twin_base,
    twin_fit,
    typed_with_diacritics,
    version_family,
    without_level,
)
from bot.knowledge.schema import WEEKDAYS
from bot.lexicon import BRING_WORDS, PROCEDURE_ACTS, PROCEDURE_PAPERS, UNTELLING_WORDS
from bot.text import canonical, nfc, strip_diacritics, without_toneless_marks

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
    portal_procedures: int = 0


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
    # From the national portal's record (alone, or under a curated guide with the same code):
    levels: tuple[str, ...] = ()  # "Cấp xã", "Cấp tỉnh": the level of government it is done at
    channels: tuple[ChannelFact, ...] = ()  # per way to submit: its time and fee
    conditions: str | None = None
    results: tuple[str, ...] = ()
    url: str | None = None  # the official page
    source_date: str | None = None  # when the record was collected (ISO date)
    curated: bool = True  # a staff-written guide (VNeID steps), not only the portal's record

    def channel_facts(self, fact: str) -> tuple[tuple[str, str], ...]:
        """(channel kind, text) of one fact ("time" or "fee") for each way to submit that states it."""
        pairs = []
        for channel in self.channels:
            value = getattr(channel, fact)
            if value and fact == "fee" and channel.fee_note:
                value = f"{value} ({channel.fee_note})"
            if value:
                pairs.append((channel.kind, value))
        return tuple(pairs)


@dataclass(frozen=True)
class ChannelFact:
    kind: str  # in_person, online, post
    time: str | None
    fee: str | None
    fee_note: str | None = None


@dataclass
class ProcedureMatch:
    procedure: ProcedureRef | None = None
    candidates: list[ProcedureRef] = field(default_factory=list)

    @property
    def best(self) -> ProcedureRef | None:
        """The search's first choice: the procedure taken at once, or else the first one offered."""
        return self.procedure or (self.candidates[0] if self.candidates else None)


# The words of what a question does a procedure for, and the official words read in them or in the way it says the
# procedure is done (`_means_meanings`), weigh this share of a
# term's score (0.7 as context phrases, and 0.5, left "làm thẻ căn cước … để mở hộ kinh doanh" to the household business
# in a small index; bench/procedures.py: 0.3 and 0.5 alike on the development sets, 0.976 / 0.951).
PURPOSE_WEIGHT = 0.3
# A best match this far ahead of the runner-up is taken; closer, the user chooses among the top three.
CLEAR_LEAD = 1.25
MIN_SCORE = 2.0


class KnowledgeBase:
    def __init__(self, engine: Engine, ranker: Callable[[dict[str, list[tuple[str, float]]]], BM25Index] = BM25Index):
        """`ranker` builds the procedure search index from documents (id -> [(text, weight)]); the bench swaps it."""
        self._engine = engine
        self._ranker = ranker
        self._cache: dict[str, tuple[int | None, Any]] = {}
        # Keys being built now: each build's event, set when it ends, and the process building it (a Sanic worker
        # forked mid-build holds the entry, but not the thread that would end it: it builds again).
        self._building: dict[str, tuple[threading.Event, int]] = {}
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

    def current_version(self) -> int | None:
        """The version reads use now: inside `consistent_reads()` the one its first read saw, else the latest."""
        pinned = _pinned_version.get()
        if pinned is None:
            return self.version()
        if "version" not in pinned:
            pinned["version"] = self.version()
        return pinned["version"]

    def cached(self, key: str, build: Callable[[], T], remember_none: bool = True) -> T:
        """Return build()'s result, rebuilt only when a new knowledge version has been loaded. Per-record
        keys come from user input, so their misses (None) are not remembered: the cache stays as large as
        the knowledge, whatever ids users send. One build of a key at a time: the questions arriving while it
        runs (the action server's worker threads, after a start or a staff load) wait for it and take its result,
        instead of each building the same index again on the same cores."""
        current = self.current_version()
        while True:
            with self._lock:
                hit = self._cache.get(key)
                if hit is not None and hit[0] == current:
                    return hit[1]
                ongoing = self._building.get(key)
                if ongoing is None or ongoing[1] != os.getpid():
                    mine = self._building[key] = (threading.Event(), os.getpid())
                    break
            ongoing[0].wait()  # then look again: its result, or (none kept, or of another version) build here
        try:
            value = build()
            if value is not None or remember_none:
                with self._lock:
                    self._cache[key] = (current, value)
            return value
        finally:
            with self._lock:
                if self._building.get(key) is mine:
                    del self._building[key]
            mine[0].set()

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
                portal_procedures=count(PortalRecord),
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
            version = self.current_version()
            with self._session() as session:
                procedures = [(p.id, [p.name, *p.aliases, p.id.replace("-", " ")], list(p.keywords))
                              for p in session.execute(select(Procedure)).scalars()]
                vocabulary = [phrase for term in session.execute(select(ProcedureTerm)).scalars()
                              for phrase in (term.means, *term.say)]
            gazetteer = build_gazetteer(self.place_index(), procedures, vocabulary)
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

    def procedure_index(self) -> ProcedureIndex:
        """Every procedure: the curated guides, and the portal's records that no guide overlays."""

        def build() -> ProcedureIndex:
            with self._session() as session:
                guides = session.execute(select(Procedure)).scalars().all()
                records = {r.code: r for r in session.execute(select(PortalRecord)).scalars()}
                terms = [(t.means, list(t.say)) for t in session.execute(select(ProcedureTerm)).scalars()]
                documents: dict[str, list[tuple[str, float]]] = {}
                entries: dict[str, ProcedureEntry] = {}
                codes: dict[str, str] = {}  # a curated guide's national code -> the guide's id
                for p in guides:
                    record = records.pop(p.code, None) if p.code else None
                    # Aliases are names only when said in full (retrieval.ALIAS_WEIGHT).
                    documents[p.id] = [(p.name, 3), *((a, ALIAS_WEIGHT) for a in p.aliases),
                                       *((k, 2) for k in p.keywords), (p.field or "", 1)]
                    if record is not None:
                        documents[p.id].append((record.name, 3))
                    entries[p.id] = ProcedureEntry.of(p.id, p.name, record.level if record else ())
                    if p.code:
                        codes[p.code] = p.id
                for code, r in records.items():
                    documents[code] = [(r.name, 3), (r.field or "", 1), *((result, 1) for result in r.results)]
                    entries[code] = ProcedureEntry.of(code, r.name, r.level)
            return ProcedureIndex(self._ranker(documents), entries, Vocabulary(terms), codes)

        return self.cached("procedure_index", build)

    def find_procedure(self, text: str) -> ProcedureMatch:
        """The procedure a question is about: an id or code, or free text ranked by BM25 over the names (widened
        with what people say for them), versions of one procedure taken together."""
        index = self.procedure_index()
        named = index.entries.get(index.codes.get(text.strip(), text.strip()))
        if named is not None:
            return ProcedureMatch(named.ref())
        text = _without_papers_to_bring(without_toneless_marks(text), index.vocabulary)
        reading = index.vocabulary.read(text)
        meanings, glossed = reading.meanings, reading.glossed
        own, purpose, purpose_meanings = _purpose(text, meanings, index.vocabulary)
        own, background, background_meanings = _not_yet_done(own, meanings, index.vocabulary)
        own, done, done_meanings = _done_already(own, meanings, index.vocabulary, index.bm25)
        own, situation, situation_meanings = _situation(own, index.vocabulary, index.telling_pairs)
        # What the situation's words mean is not searched: only its words, as background.
        meanings = [m for m in meanings if m not in situation_meanings]
        background = " ".join(part for part in (background, done, situation) if part)
        purpose_meanings |= background_meanings | done_meanings
        # What it does a procedure for, or the way it is done ("trên vneid"), weighs less than context; the way tells
        # no name either.
        means = _means_meanings(own, meanings, index.vocabulary)
        purpose_meanings |= means
        context = reading.context | purpose_meanings
        query = " ".join([text, *meanings, *glossed])
        asked = set(index.bm25.terms(text))  # the question's own words, without the vocabulary's
        # Its words that no phrase of the vocabulary read: a name holding none of what those phrases mean answers
        # the question only through these ("sang tên xe máy" is not "Đổi giấy phép lái xe", which shares its "xe").
        # Nor through a word saying how or when, not which ("làm", "cấp", "lần đầu": "cấp đất" is no marriage paper).
        unread = {term for term in index.bm25.terms(reading.rest) if not set(term.split("_")) & UNTELLING_WORDS}
        telling_meanings = [m for m in meanings if not set(canonical(m).split()) <= UNTELLING_WORDS
                            and m not in means]
        typed = typed_with_diacritics(text)
        folded_query = canonical(query)
        said = asked.union(*(index.bm25.terms(m) for m in meanings + glossed))
        # What the question's English words mean one by one counts as its own words: a telling one ("thị thực"), not
        # "cấp" or "giấy", makes a name answer it.
        glossed_words = {term for g in glossed for term in index.bm25.terms(g)}  # what it asks for, in the names' words
        families: dict[str, list[tuple[float, ProcedureEntry]]] = {}
        # What the question does a procedure for ("… để kết hôn ở nước ngoài") weighs less than its context.
        weak = [(m, PURPOSE_WEIGHT if m in purpose_meanings else CONTEXT_WEIGHT) for m in meanings if m in context] + [
            (g, GLOSSARY_WEIGHT) for g in glossed] + [(purpose, PURPOSE_WEIGHT) for _ in purpose[:1]] + [
            (background, PURPOSE_WEIGHT) for _ in background[:1]]
        for hit in index.bm25.rank([own, *(m for m in meanings if m not in context)], limit=40, weak=weak):
            # Read by no phrase, the question's own pairs of words tell too ("chữ ký người dịch").
            if not index.bm25.answers(hit.id, unread | glossed_words, telling_meanings,
                                      pairs_tell=not (meanings or glossed), typed=typed) and (
                    telling_meanings or not index.bm25.said_in_full(hit.id, asked)):
                continue
            entry = index.entries[hit.id]
            # The level a name is done at tells its versions apart; a procedure with no other version is no special
            # one of itself ("Cấp mới thẻ ABTC (thực hiện tại cấp trung ương)" is the only way to get the card).
            alone = index.family_sizes.get(entry.family, 0) <= 1
            factor = special_version_factor(without_level(entry.head) if alone else entry.head, folded_query,
                                            without_level(entry.main) if alone else entry.main)
            if factor < 1 and index.bm25.said_in_full(hit.id, asked):
                factor = 1.0  # asked for by one of its names ("cancel permanent residence"): not a version
            if serves_organisations_only(entry) and not _ORGANISATION_ASKED.search(f" {folded_query} "):
                factor *= SPECIAL_VERSION_FACTOR  # "… lần đầu đối với tổ chức": a citizen asks for theirs
            if does_what_is_asked(entry, said, index.bm25.idf, index.acts):
                factor *= LEAD_FACTOR
            if entry.levels and not any(level in ("cap xa", "cap tinh") for level in entry.levels):
                factor *= NOT_LOCAL_FACTOR
            score = hit.score * factor
            twins = index.twins.get(entry.twin_base)
            if twins is None:
                families.setdefault(entry.family, []).append((score, entry))
                continue
            # Twins are one procedure: the family scores its best, and the twin whose special words fit the
            # question answers, whether or not its own name ranked (USE_TWINS).
            members = families.setdefault(entry.twin_base, [])
            members.append((score, entry))
            if len(members) == 1:
                members.extend((0.0, index.entries[twin]) for twin in twins if twin != entry.id)
        best = sorted(((max(score for score, _ in members), _citizens_version(members, folded_query))
                       for members in families.values()), key=lambda item: (-item[0], item[1].id))[:3]
        if not best:
            return ProcedureMatch()
        top_score, top = best[0]
        runner_up = best[1][0] if len(best) > 1 else 0.0
        # Taken at once: clearly ahead, or the only one of the best whose official name the question says in full.
        named_alone = index.bm25.said_in_full(top.id, asked, first_name_only=True) and not any(
            index.bm25.said_in_full(entry.id, asked) for _, entry in best[1:])
        if top_score >= MIN_SCORE and (top_score >= CLEAR_LEAD * runner_up or named_alone):
            return ProcedureMatch(top.ref())
        return ProcedureMatch(candidates=[entry.ref() for _, entry in best])

    def procedure(self, procedure_id: str) -> ProcedureGuide | None:
        """A curated guide (with the portal's record of its code beneath it), or a portal record alone."""

        def build() -> ProcedureGuide | None:
            with self._session() as session:
                p = session.get(Procedure, procedure_id)
                code = procedure_id if p is None else p.code  # a portal code, or the guide's own (if any)
                record = session.get(PortalRecord, code) if code else None
                if p is None and record is None:
                    return None
                return _guide(p, record)

        return self.cached(f"procedure:{procedure_id}", build, remember_none=False)


# Whom a name serves ("… lần đầu đối với tổ chức đang sử dụng đất"), when it is organisations only; and a question
# saying it is one asking (folded; English words already read as these).
_ORGANISATIONS = re.compile(r" (?:to chuc|doanh nghiep|co quan) ")
_PEOPLE = re.compile(r" (?:ca nhan|ho gia dinh|cong dan|nguoi|cong dong dan cu) ")
_ORGANISATION_ASKED = re.compile(r" (?:to chuc|doanh nghiep|cong ty|co quan|hop tac xa|don vi) ")


def serves_organisations_only(entry: ProcedureEntry) -> bool:
    """Whether the list of whom a name serves (after "đối với", `name_head`) names organisations and no people: the
    twin of a version for households and individuals, which a question that names no organisation means."""
    audience = f" {entry.folded[len(entry.head):]} "
    return bool(_ORGANISATIONS.search(audience)) and not _PEOPLE.search(audience)


# A procedure done only by a ministry or an agency abroad, never at the province or a commune, is what a citizen
# of the province asks for less often (bench/procedures.py: 1 -> 0.85 development 0.948 -> 0.950, development 2
# 0.708 -> 0.713; 0.7 lost on both).
NOT_LOCAL_FACTOR = 0.85
# Versions scoring within this share of their family's best are told apart by level alone: the question does not
# choose among them by its words.
VERSION_TIE = 0.8
# A name whose first two words, what is done ("giải thể", "cấp lại", "mở khóa"), the question says is raised: among
# names sharing the question's object, the one doing what it asks (bench/procedures.py: 1.2 to 1.5 measured within
# a point of each other, 1.3 best).
LEAD_FACTOR = 1.3
# Not a lead that begins a fifth of all names ("đăng ký", idf 1.6): it says nothing of what is done (1.3 without this
# floor asked "cancel permanent residence registration" back; 0.736 without it, 0.733 with it, 0.725 at 2.5).
LEAD_MIN_IDF = 1.7


def does_what_is_asked(entry: ProcedureEntry, said: set[str], idf: dict[str, float], acts: set[str]) -> bool:
    """Whether the question says what a name does (LEAD_FACTOR): the lead of its first title, or of a later title it
    lists ("Khai quyết toán thuế/ Hoàn thuế …") when that lead is what some name begins by doing (`acts`), not the
    rest of a list ("…; nhà ở, đất …")."""
    return any(lead in said and idf.get(lead, 0.0) >= LEAD_MIN_IDF and (lead == entry.lead or lead in acts)
               for lead in entry.leads)


_BRING = re.compile(r"\b(?:" + "|".join(re.escape(words).replace(r"\ ", r"\s+") for words in BRING_WORDS) + r")\b")


def _without_papers_to_bring(text: str, vocabulary: Vocabulary) -> str:
    """The question without the papers it asks whether to bring ("đăng ký kết hôn cần mang cccd vs j nữa" asks about
    the marriage, not an ID card), once the words before them name a procedure or an act of one ("đăng ký", "cấp")."""
    text = nfc(text)
    bare = strip_diacritics(text).lower()
    if len(bare) != len(text) or (found := _BRING.search(bare)) is None or found.start() == 0:
        return text
    before = text[:found.start()]
    return before if _names_a_procedure(before, vocabulary) else text


_PROCEDURE_WORDS = tuple(f" {words} " for words in PROCEDURE_ACTS | PROCEDURE_PAPERS)


def _names_a_procedure(text: str, vocabulary: Vocabulary, reading: Reading | None = None) -> bool:
    """Whether words name a procedure (a phrase of the vocabulary naming one: `reading`, read here if not given), a
    paper or an act of one ("thẻ căn cước", "đăng ký", "cấp")."""
    folded = f" {canonical(text)} "
    if any(words in folded for words in _PROCEDURE_WORDS):
        return True
    reading = reading or vocabulary.read(text)
    return any(m not in reading.context for m in reading.meanings)


# What a question says it does a procedure for ("xin giấy xác nhận tình trạng hôn nhân để kết hôn ở nước ngoài"):
# typed "để", or bare "de" not starting "đề nghị", "đề xuất"; "in order to", "so that". Not "để lại" (bequeathed), nor
# "làm sao để", "thế nào để" (how to: what follows is the procedure asked for). What it is done before ("trình báo mất
# hộ chiếu ở đâu trước khi xin làm hộ chiếu mới", "before applying for a new one") is a later step, as a purpose is.
_PURPOSE = re.compile(r"(?<!\bsao)(?<!\bnao)(?<!\bnào)(?<!\bcach)(?<!\bcách)"
                      r"\s(?:để|de)(?! (?:nghi|xuat|an|tai|cu|lai|lại)\b)\s|\s(?:in order to|so that|so i can)\s"
                      r"|\s(?:trước khi|truoc khi|trc khi|before)\s")


def _after_a_named_procedure(marker: re.Pattern[str], text: str, meanings: list[str], vocabulary: Vocabulary
                             ) -> tuple[str, str, set[str]] | None:
    """A question split at the first `marker`, once the words before it name a procedure: those words, the rest,
    and the official words read only in the rest; None without such a split."""
    text = nfc(text)
    found = marker.search(f" {text.lower()} ")
    if found is None or found.start() == 0:
        return None
    before = text[:max(found.start() - 1, 0)]
    reading = vocabulary.read(before)
    if not _names_a_procedure(before, vocabulary, reading):
        return None
    return before, text[found.start():], set(meanings) - set(reading.meanings)


def _purpose(text: str, meanings: list[str], vocabulary: Vocabulary) -> tuple[str, str, set[str]]:
    """A question split at what it does a procedure for, once the words before name one: those words, the purpose,
    and the official words read only in the purpose. The purpose is context, not what it asks for ("… để kết hôn ở
    nước ngoài" does not ask to record a marriage done abroad). Without one: the question, "", nothing."""
    split = _after_a_named_procedure(_PURPOSE, text, meanings, vocabulary)
    return split if split is not None else (nfc(text), "", set())


# An act not done yet ("chưa đăng ký kết hôn", "chua dky ket hon"), up to the end of its clause: not "chưa có", "chưa
# từng", "chưa bao giờ", "chưa được" (not having a paper is what a question asks to get).
_NOT_YET = re.compile(r"(?:^|\s)(?:chưa|chua)\s(?!(?:có|co|từng|tung|bao|được|duoc)\b)")
_CLAUSE_END = re.compile(r"[,.;!?]|\s(?:mà|ma|nhưng|nhung|giờ|gio|thì|thi|muốn|muon|nên|nen|khi|để|de|but|now)\s")


def _not_yet_done(text: str, meanings: list[str], vocabulary: Vocabulary) -> tuple[str, str, set[str]]:
    """A question without an act it says is not done yet, when the rest of it names a procedure: that rest, the act,
    and the official words read only in the act. The act is background ("chưa đăng ký kết hôn, muốn làm thủ tục nhận
    con" asks to recognise a child, not to marry); alone it is what is asked ("con chưa làm khai sinh thì sao").
    Without one: the question, "", nothing."""
    found = _NOT_YET.search(text.lower())
    if found is None:
        return text, "", set()
    end = _CLAUSE_END.search(f"{text.lower()} ", found.end())
    return _without_background(text, found.start(), found.end(), end.start() if end is not None else len(text),
                               meanings, vocabulary)


# An act done already: a clause ending "… rồi" or "… xong" before another ("báo mất hộ chiếu rồi nhưng lại tìm thấy",
# "hợp đồng công chứng xong rồi, giờ làm thủ tục sang tên").
_DONE = re.compile(r"\s(?:xong\s)?(?:rồi|roi|r|xong)(?=\s*[,.;]|\s(?:nhưng|nhung|mà|ma|giờ|gio|thì|thi|but|now)\s)")
_CLAUSE_START = re.compile(r".*(?:[,.;!?]|^)", re.DOTALL)


def _done_already(text: str, meanings: list[str], vocabulary: Vocabulary, bm25: BM25Index
                  ) -> tuple[str, str, set[str]]:
    """A question without an act it says is done already, when the rest of it names a procedure (`_not_yet_done`);
    not when the rest asks only for the paper that act gives ("thi bằng A1 đỗ rồi, bao lâu thì có bằng": every pair
    of words of the rest that a name holds (`bm25`) the act says too)."""
    found = _DONE.search(text.lower())
    if found is None:
        return text, "", set()
    start = _CLAUSE_START.match(text[:found.start()])
    begin = start.end() if start is not None else 0
    if _asks_what_it_gives(text[begin:found.end()], text[found.end():], bm25):
        return text, "", set()
    return _without_background(text, begin, begin, found.end(), meanings, vocabulary)


def _asks_what_it_gives(act: str, rest: str, bm25: BM25Index) -> bool:
    """Whether the rest of a question names a paper or act of a procedure, and no pair of words a name holds that the
    act done does not say too ("… thẻ căn cước cho người đủ 14 tuổi" says "14 tuổi"): it asks for what that act
    gives."""
    folded_rest = f" {canonical(rest)} "
    if not any(words in folded_rest for words in _PROCEDURE_WORDS):
        return False
    act_terms = set(bm25.terms(act))
    return all(term in act_terms for term in bm25.terms(rest) if "_" in term and term in bm25.idf)


def _without_background(text: str, start: int, act_start: int, stop: int, meanings: list[str],
                        vocabulary: Vocabulary) -> tuple[str, str, set[str]]:
    """The question without text[start:stop], where text[act_start:stop] is an act said as background, once the rest
    names a procedure: the rest, the act, and the official words read only in the act; else the question, "",
    nothing."""
    act, rest = text[act_start:stop], f"{text[:start]} {text[stop:]}"
    act_reading = vocabulary.read(act)
    if not _names_a_procedure(act, vocabulary, act_reading):
        return text, "", set()
    reading = vocabulary.read(rest)
    if not (_names_a_procedure(rest, vocabulary, reading) or set(reading.meanings) - set(act_reading.meanings)):
        return text, "", set()  # the rest names nothing else ("chưa làm hộ chiếu, sắp đi du học")
    return " ".join(rest.split()), act, set(meanings) - set(reading.meanings)


# The way a procedure is done, after what it is ("đk tạm trú trên vneid", "nộp qua dịch vụ công", "via the app"): not
# "trên" of a paper ("cập nhật thông tin trên sổ đỏ").
_MEANS = re.compile(r"\s(?:trên|tren|qua|via|through|using|on|in)\s(?:the\s)?(?:vneid|app|ứng dụng|ung dung"
                    r"|dịch vụ công|dich vu cong|dvc|cổng|cong dich vu|mạng|mang internet|online|internet|website"
                    r"|zalo|etax|bưu điện|buu dien|post|portal)\b")


def _means_meanings(text: str, meanings: list[str], vocabulary: Vocabulary) -> set[str]:
    """The official words read only in the way a question says a procedure is done, once the words before name one:
    context, not what it asks for ("đk tạm trú trên vneid" asks to register a stay, not a VNeID account)."""
    split = _after_a_named_procedure(_MEANS, text, meanings, vocabulary)
    return split[2] if split is not None else set()


# A situation, then what is done in it: "mua xe máy mới thì nộp lệ phí trước bạ", "khi sang tên nhà đất thì khai lệ
# phí trước bạ". Bare "thi" also says an exam ("thi bằng lái", "thi hành án", "muốn thi vào trường"): not before those
# words, and only in a question typed without diacritics.
_THEN = re.compile(r"\s(?:thì|thi(?! (?:bang|hanh|vao|lai|lay|tuyen|xong|sat|do|dau|truot|thu|cong|chung)\b))\s")
_CLAUSE_PUNCTUATION = re.compile(r"[,.;!?]")
# A clause opened by these is a situation, whatever it names ("khi sang tên nhà đất thì …", "nếu làm thì …").
_SITUATION_OPENERS = ("khi ", "sau khi ", "neu ", "luc ", "truong hop ", "trong truong hop ")
# What is done after "thì": an act of a procedure ("nộp", "đăng ký", "xin"), or going through one ("làm thủ tục hải
# quan"); without one what follows asks where, how or whether ("thì ra công an xã", "thì làm online được không").
_THEN_ACTS = tuple(f" {words} " for words in PROCEDURE_ACTS | {"thu tuc"})


def _situation(text: str, vocabulary: Vocabulary, telling_pairs: Callable[[str], set[str]]
               ) -> tuple[str, str, set[str]]:
    """A question without the situation it states before "thì", when what follows does an act on another procedure
    than the situation names: what follows, the situation, and the official words read only in the situation, which
    are not searched. The situation is background ("đổi sang căn cước 12 số thì thay đổi thông tin đăng ký thuế" asks
    to update a tax registration, not for an ID card; "khi sang tên nhà đất thì khai lệ phí trước bạ" asks for the
    fee). Not when what follows names nothing new ("nhận con nuôi thì đky ở xã") or less than the situation ("đất trồng
    cây lâu năm sang đất ở thì xin chuyển mục đích"); nor what the situation names about the same thing (a pair of words
    shared: "hộ kinh doanh kê khai thuế thì quyết toán thuế tncn" asks for the household business's version). Without
    one: the question, "", nothing."""
    text = nfc(text)
    lowered = f" {text.lower()} "
    if typed_with_diacritics(text):
        lowered = lowered.replace(" thi ", " th_ ")  # bare "thi" among diacritics is an exam
    found = _THEN.search(lowered)
    if found is None or found.start() == 0:
        return text, "", set()
    before, after = text[:max(found.start() - 1, 0)], text[found.end() - 1:]
    clause = _CLAUSE_PUNCTUATION.split(after, maxsplit=1)[0]
    folded_clause = f" {canonical(clause)} "
    opened = canonical(before).startswith(_SITUATION_OPENERS)
    if not opened and not any(act in folded_clause for act in _THEN_ACTS):
        return text, "", set()
    before_reading, clause_reading = vocabulary.read(before), vocabulary.read(clause)
    before_words = [set(canonical(m).split()) for m in before_reading.meanings]
    new = [m for m in clause_reading.meanings if m not in before_reading.meanings and m not in clause_reading.context
           and m != FOREIGN_ELEMENT
           and not (words := set(canonical(m).split())) <= UNTELLING_WORDS
           and not any(words <= situation for situation in before_words)]
    asked = telling_pairs(" ".join([clause, *clause_reading.meanings]))
    situational = [m for m in before_reading.meanings if m not in clause_reading.meanings and m != FOREIGN_ELEMENT
                   and not telling_pairs(m) & asked]
    if not situational or not (new or opened and (clause_reading.meanings or asked)):
        return text, "", set()
    return after, before, set(situational)


def _citizens_version(members: list[tuple[float, ProcedureEntry]], folded_query: str) -> ProcedureEntry:
    """The version of one procedure to answer with: among those the question's words fit about as well as the
    best, the level it names, else the commune's, then the province's; one it fits clearly better is taken (the
    question names "công trình cấp I")."""
    top = max(score for score, _ in members)
    if any(entry.specials for _, entry in members):  # twins: the special words said choose
        fit = max(twin_fit(entry.specials, folded_query) for _, entry in members)
        fitting = [(score, entry) for score, entry in members if twin_fit(entry.specials, folded_query) == fit]
        best_fitting = max(score for score, _ in fitting)
        close = [(score, entry) for score, entry in fitting if score >= VERSION_TIE * best_fitting]
        return min(close, key=lambda m: (level_rank(m[1].levels, m[1].folded, folded_query), -m[0]))[1]
    close = [(score, entry) for score, entry in members if score >= VERSION_TIE * top]
    return min(close, key=lambda m: (level_rank(m[1].levels, m[1].folded, folded_query), -m[0]))[1]


@dataclass(frozen=True)
class ProcedureEntry:
    """A procedure as search sees it: its name folded, its version family and its levels (folded)."""

    id: str
    name: str
    levels: tuple[str, ...]
    folded: str = ""
    family: str = ""
    head: str = ""  # the folded name before the list of whom it serves: where a version's special words are
    lead: str = ""  # the name's first two words as a pair term ("giai_the", "cap_lai"): what is done
    twin_base: str = ""  # the family without the special words of a civil-status twin (retrieval.twin_base)
    specials: frozenset[str] = frozenset()  # those words
    main: str = ""  # the folded head's first item, before what else it lists (retrieval.name_main)
    leads: frozenset[str] = frozenset()  # its lead and each later title's ("Khai quyết toán thuế/ Hoàn thuế …")

    @classmethod
    def of(cls, procedure_id: str, name: str, levels: list[str] | tuple[str, ...]) -> ProcedureEntry:
        """Versions of one procedure share a family: the name up to whom it serves, without its level."""
        family = version_family(name_head(name))
        words = family.split()
        base, specials = twin_base(family)
        lead = "_".join(words[:2]) if len(words) >= 2 else ""
        leads = {lead} | {"_".join(title_words[:2]) for title in name_titles(name)
                          if len(title_words := version_family(title).split()) >= 2}
        return cls(procedure_id, name, tuple(canonical(level) for level in levels), canonical(name),
                   family, canonical(name_head(name)), lead, base, specials, canonical(name_main(name)),
                   frozenset(leads - {""}))

    def ref(self) -> ProcedureRef:
        return ProcedureRef(self.id, self.name)


@dataclass(frozen=True)
class ProcedureIndex:
    bm25: BM25Index
    entries: dict[str, ProcedureEntry]
    vocabulary: Vocabulary
    codes: dict[str, str]
    twins: dict[str, tuple[str, ...]] = field(default_factory=dict)  # twin base -> every twin's id
    acts: set[str] = field(default_factory=set)  # what names begin by doing: a later item's lead is one of these
    family_sizes: dict[str, int] = field(default_factory=dict)  # how many versions each version family has

    def telling_pairs(self, text: str) -> set[str]:
        """The pairs of words of a text that some name holds, not both saying how or when ("kinh_doanh", "ca_nhan";
        not "dang_ky"): what it is about. Pairs, not words: "nội dung" is not "sử dụng"."""
        return {term for term in self.bm25.terms(text) if "_" in term and not set(term.split("_")) <= UNTELLING_WORDS
                and term in self.bm25.idf}

    def __post_init__(self) -> None:
        self.acts.update(entry.lead for entry in self.entries.values() if entry.lead)
        self.family_sizes.update(Counter(entry.family for entry in self.entries.values()))
        groups: dict[str, list[ProcedureEntry]] = {}
        for entry in self.entries.values():
            groups.setdefault(entry.twin_base, []).append(entry)
        self.twins.update({base: tuple(e.id for e in members) for base, members in groups.items()
                           if len({e.family for e in members}) > 1})


def _paper_text(paper: dict[str, Any]) -> str:
    """A paper as the portal states it: its name, its form, and the count in the portal's own words."""
    counts = [f"{paper['originals']} bản chính" if paper.get("originals") else "",
              f"{paper['copies']} bản sao" if paper.get("copies") else ""]
    extras = [x for x in (paper.get("form"), ", ".join(c for c in counts if c)) if x]
    return f"{paper['name']} ({'; '.join(extras)})" if extras else paper["name"]


def _documents(papers: list[dict[str, Any]]) -> tuple[str, ...]:
    items: list[str] = []
    case = None
    for paper in papers:
        if paper.get("case") and paper["case"] != case:
            case = paper["case"]
            items.append(case)
        items.append(_paper_text(paper))
    return tuple(items)


def _legal(documents: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(" ".join(x for x in (d.get("title"), f"({d['number']})" if d.get("number") else None) if x)
                 for d in documents if d.get("title") or d.get("number"))


def _guide(p: Procedure | None, r: PortalRecord | None) -> ProcedureGuide:
    """The answer's facts: the curated guide's where it says them, the portal record's for the rest."""
    portal: dict[str, Any] = {}
    if r is not None:
        channels = tuple(ChannelFact(c["kind"], c.get("time"), c.get("fee"), c.get("fee_note")) for c in r.channels)
        kinds = {c.kind for c in channels}
        portal = dict(
            code=r.code, name=r.name, audience="; ".join(r.audience) or None,
            online_level="trực tuyến" if "online" in kinds else ("trực tiếp" if kinds else "chưa rõ"),
            where=r.agency or r.address or PORTAL, steps=tuple(r.steps), documents=_documents(r.papers),
            fee=None, processing_time=None, legal_basis=_legal(r.legal_basis), agency=r.authority or r.agency,
            offline=r.address, sources=tuple(x for x in (r.url,) if x) or (PORTAL,),
            levels=tuple(r.level), channels=channels, conditions=r.conditions, results=tuple(r.results), url=r.url,
            source_date=r.source_date.isoformat() if r.source_date else None,
        )
    if p is None:
        return ProcedureGuide(id=r.code, curated=False, **portal)  # type: ignore[union-attr]
    curated = dict(
        code=p.code, name=p.name, audience=p.audience, online_level=p.online_level, where=p.where,
        steps=tuple(p.steps or ()), documents=tuple(p.documents or ()), fee=p.fee, processing_time=p.processing_time,
        legal_basis=tuple(p.legal_basis or ()), agency=p.agency, offline=p.offline, sources=tuple(p.sources),
    )
    merged = {**portal, **{k: v for k, v in curated.items() if v or k not in portal}}
    merged["sources"] = tuple(dict.fromkeys([*curated["sources"], *portal.get("sources", ())]))
    return ProcedureGuide(id=p.id, curated=True, **merged)


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
