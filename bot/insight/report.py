"""What the staff page shows for a period and a channel, read from the turn summary (bot/insight/turns.py) and the
bookings table."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.insight.bookings import BookingDay, bookings_per_day, places_left_per_day
from bot.insight.facts import KINDS, fact_kind
from bot.insight.turns import (
    ANSWERED,
    FALLBACK,
    OUT_OF_SCOPE,
    UNKNOWN,
    VIETNAM,
    conversation_days,
    conversation_turns,
    create_table,
)
from bot.insight.unanswered import UnansweredGroup, UnansweredQuestion, group_unanswered
from bot.knowledge.repository import KnowledgeBase

CONFIDENCE_BINS = 10
TOP = 10


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> "Period":
        today = today or datetime.now(VIETNAM).date()
        return cls(today - timedelta(days=days - 1), today)

    def bounds(self) -> tuple[float, float]:
        start = datetime.combine(self.first, datetime.min.time(), VIETNAM)
        end = datetime.combine(self.last + timedelta(days=1), datetime.min.time(), VIETNAM)
        return start.timestamp(), end.timestamp()

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def day_of(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, VIETNAM).date()


@dataclass
class Report:
    period: Period
    channel: str | None
    channels: list[str]
    messages_per_day: dict[date, int]
    conversations_per_day: dict[date, int]
    messages: int
    conversations: int
    fallbacks: int
    unknown_per_kind: dict[str, int]  # kind label -> count
    unanswered: list[UnansweredGroup]
    top_intents: list[tuple[str, int]]
    top_subjects: list[tuple[str, int]]  # display name -> count
    confidence_bins: list[int]  # CONFIDENCE_BINS counts from 0 to 1
    response_p50: float | None
    response_p95: float | None
    bookings: list[BookingDay] = field(default_factory=list)
    places_left: list[tuple[date, int]] = field(default_factory=list)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.messages if self.messages else 0.0


def _fetch(engine: Engine, query: sa.sql.Select) -> list[tuple]:
    """The rows as plain tuples from the database driver: SQLAlchemy's Row objects cost a third of the time of
    counting 100,000 messages (bench/insight.py)."""
    compiled = query.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    params = [compiled.params[name] for name in compiled.positiontup] if compiled.positional else compiled.params
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        connection.close()


@dataclass
class DayCounts:
    """What the page needs from one day's (and one channel's) turns; days add up."""
    messages: int = 0
    conversations: int = 0  # people who wrote that day (Rasa starts a new session after an idle hour anyway)
    outcomes: Counter[str] = field(default_factory=Counter)
    intents: Counter[str] = field(default_factory=Counter)
    subjects: Counter[str] = field(default_factory=Counter)
    confidence_bins: list[int] = field(default_factory=lambda: [0] * CONFIDENCE_BINS)
    response_ms: Counter[int] = field(default_factory=Counter)
    asked: Counter[tuple] = field(default_factory=Counter)  # (outcome, subject, unknown_response, answer, text)

    @classmethod
    def of(cls, rows: list[tuple]) -> "DayCounts":
        """Counted column by column (Counter and set over whole columns, not a Python loop per message)."""
        senders, intents, confidences, responses, outcomes, subjects = (list(c) for c in zip(*rows)) if rows \
            else ([], [], [], [], [], [])
        counts = cls(len(rows), len(set(senders)), Counter(outcomes), Counter(intents), Counter(subjects),
                     [0] * CONFIDENCE_BINS, Counter(round(r * 1000) for r in responses if r is not None))
        for n, total in Counter(min(CONFIDENCE_BINS - 1, int(c * CONFIDENCE_BINS))
                                for c in confidences if c is not None).items():
            counts.confidence_bins[n] = total
        counts.intents.pop(None, None)  # type: ignore[call-overload]
        counts.subjects.pop(None, None)  # type: ignore[call-overload]
        return counts

    def add(self, other: "DayCounts") -> None:
        self.messages += other.messages
        self.conversations += other.conversations
        self.outcomes.update(other.outcomes)
        self.intents.update(other.intents)
        self.subjects.update(other.subjects)
        self.response_ms.update(other.response_ms)
        self.asked.update(other.asked)
        self.confidence_bins = [a + b for a, b in zip(self.confidence_bins, other.confidence_bins)]

    def to_json(self) -> str:
        return json.dumps({"messages": self.messages, "conversations": self.conversations,
                           "outcomes": self.outcomes, "intents": self.intents, "subjects": self.subjects,
                           "confidence_bins": self.confidence_bins, "response_ms": list(self.response_ms.items()),
                           "asked": [[*key, n] for key, n in self.asked.items()]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "DayCounts":
        data = json.loads(text)
        return cls(data["messages"], data["conversations"], Counter(data["outcomes"]), Counter(data["intents"]),
                   Counter(data["subjects"]), data["confidence_bins"], Counter(dict(data["response_ms"])),
                   Counter({tuple(item[:-1]): item[-1] for item in data["asked"]}))


def _percentile(response_ms: Counter[int], share: float) -> float | None:
    total = sum(response_ms.values())
    if not total:
        return None
    wanted, seen = min(total - 1, int(share * total)), 0
    for ms in sorted(response_ms):
        seen += response_ms[ms]
        if seen > wanted:
            return ms / 1000
    return None


def day_counts(engine: Engine, period: Period, today: date | None = None) -> dict[tuple[str, str], DayCounts]:
    """(day, channel) -> counts over `period`: kept counts for days before yesterday, counted (and kept) where
    missing; yesterday and today always counted afresh (a consumer catching up may still add to them)."""
    days = [day.isoformat() for day in period.days()]
    final_before = ((today or datetime.now(VIETNAM).date()) - timedelta(days=1)).isoformat()
    kept_table = conversation_days.c
    kept = {(day, channel): DayCounts.from_json(text) for day, channel, text in _fetch(engine, sa.select(
        kept_table.day, kept_table.channel, kept_table.counts).where(kept_table.day.in_(days)))}
    missing = sorted({day for day in days} - {day for day, _ in kept})
    if not missing:
        return kept
    t = conversation_turns.c
    rows = _fetch(engine, sa.select(t.day, t.channel, t.sender_id, t.intent, t.confidence, t.response_seconds,
                                    t.outcome, t.subject, t.unknown_response, t.answer, t.text)
                  .where(t.day.in_(missing)))
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1]), []).append(row)
    fresh = {}
    for key, members in grouped.items():
        counts = DayCounts.of([row[2:8] for row in members])
        counts.asked = Counter(row[6:11] for row in members if row[6] != ANSWERED)
        fresh[key] = counts
    keep = [{"day": day, "channel": channel, "counts": counts.to_json()}
            for (day, channel), counts in fresh.items() if day < final_before]
    if keep:
        with engine.begin() as connection:
            connection.execute(conversation_days.delete().where(conversation_days.c.day.in_({k["day"] for k in keep})))
            connection.execute(conversation_days.insert(), keep)
    return {**kept, **fresh}


def keep_finished_days(engine: Engine, first: date, today: date | None = None) -> None:
    """Count and keep every finished day from `first` on (the days before yesterday), so that no page view has
    to: the turn writer does it for the day that has just finished, `qn-staff insight-rebuild` for all."""
    last = (today or datetime.now(VIETNAM).date()) - timedelta(days=2)
    if first <= last:
        day_counts(engine, Period(first, last), today)


def read_report(conversations: Engine, period: Period, channel: str | None = None,
                knowledge: KnowledgeBase | None = None, bookings: Engine | None = None) -> Report:
    """Everything the page shows, added up from each day's counts."""
    create_table(conversations)
    per_day = day_counts(conversations, period)
    channels = sorted({c for _, c in per_day})
    total = DayCounts()
    messages: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for (day, day_channel), counts in per_day.items():
        if channel and day_channel != channel:
            continue
        total.add(counts)
        messages[day] += counts.messages
        people[day] += counts.conversations
    if knowledge is not None and _unreadable(knowledge):
        knowledge = None  # nothing loaded yet: records are shown by their ids
    museum = knowledge.museum() if knowledge is not None else None
    museum_id = museum.id if museum else None
    unknown: Counter[str] = Counter()
    questions = []
    for (outcome, subject, unknown_response, answer, text), n in total.asked.items():
        kind = OUT_OF_SCOPE if outcome == OUT_OF_SCOPE else fact_kind(unknown_response, answer, subject, museum_id)
        if outcome == UNKNOWN:
            unknown[KINDS[kind].label] += n
        if text:
            questions.append(UnansweredQuestion(kind, subject, text, n))
    report = Report(
        period=period, channel=channel, channels=channels,
        messages_per_day={day: messages.get(day.isoformat(), 0) for day in period.days()},
        conversations_per_day={day: people.get(day.isoformat(), 0) for day in period.days()},
        messages=total.messages, conversations=total.conversations, fallbacks=total.outcomes.get(FALLBACK, 0),
        unknown_per_kind=dict(unknown), unanswered=group_unanswered(questions),
        top_intents=total.intents.most_common(TOP),
        top_subjects=[(_subject_name(subject, knowledge), n) for subject, n in total.subjects.most_common(TOP)],
        confidence_bins=total.confidence_bins, response_p50=_percentile(total.response_ms, 0.5),
        response_p95=_percentile(total.response_ms, 0.95))
    if bookings is not None:
        report.bookings = bookings_per_day(bookings, period, channel)
        report.places_left = places_left_per_day(bookings, museum)
    return report


def _unreadable(knowledge: KnowledgeBase) -> bool:
    try:
        knowledge.museum()
    except SQLAlchemyError:
        return True
    return False


def _subject_name(subject: str, knowledge: KnowledgeBase | None) -> str:
    """A site's or procedure's name as staff know it ("site:yen-tu" -> "Yên Tử"), its id when unknown."""
    kind, _, record = subject.partition(":")
    if knowledge is not None:
        found = knowledge.place_card(record) if kind == "site" else knowledge.procedure(record)
        if found is not None:
            return found.name
    return record
