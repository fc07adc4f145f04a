"""What the staff page shows for a period and a channel, read from the turn summary (bot/insight/turns.py) and the
bookings table."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.insight.bookings import BookingDay, bookings_per_day, places_left_per_day
from bot.insight.facts import KINDS, fact_kind
from bot.insight.turns import ANSWERED, FALLBACK, OUT_OF_SCOPE, UNKNOWN, conversation_turns, create_table
from bot.insight.unanswered import UnansweredGroup, UnansweredQuestion, group_unanswered
from bot.knowledge.repository import KnowledgeBase

VIETNAM = timezone(timedelta(hours=7))
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


def _percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def read_report(conversations: Engine, period: Period, channel: str | None = None,
                knowledge: KnowledgeBase | None = None, bookings: Engine | None = None) -> Report:
    """Everything the page shows. One read of the period's turns, aggregated here."""
    create_table(conversations)
    start, end = period.bounds()
    turns = conversation_turns.c
    in_period = sa.and_(turns.started_at >= start, turns.started_at < end)
    query = sa.select(turns.sender_id, turns.started_at, turns.intent, turns.confidence, turns.response_seconds,
                      turns.outcome, turns.answer, turns.unknown_response, turns.subject, turns.text).where(in_period)
    if channel:
        query = query.where(turns.channel == channel)
    with conversations.connect() as connection:
        rows = connection.execute(query).all()
        channels = sorted(c for (c,) in connection.execute(sa.select(turns.channel).where(in_period).distinct()))

    museum = knowledge.museum() if knowledge is not None else None
    museum_id = museum.id if museum else None
    messages: Counter[date] = Counter()
    senders_per_day: dict[date, set[str]] = {}
    senders: set[str] = set()
    intents: Counter[str] = Counter()
    subjects: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    bins = [0] * CONFIDENCE_BINS
    response_times: list[float] = []
    fallbacks = 0
    questions: list[UnansweredQuestion] = []
    for (sender, started, intent, confidence, response, outcome, answer, unknown_response, subject,
         text) in rows:
        day = day_of(started)
        messages[day] += 1
        senders_per_day.setdefault(day, set()).add(sender)
        senders.add(sender)
        if intent:
            intents[intent] += 1
        if subject:
            subjects[subject] += 1
        if confidence is not None:
            bins[min(CONFIDENCE_BINS - 1, int(confidence * CONFIDENCE_BINS))] += 1
        if response is not None:
            response_times.append(response)
        if outcome == ANSWERED:
            continue
        kind = "out_of_scope" if outcome == OUT_OF_SCOPE else fact_kind(unknown_response, answer, subject, museum_id)
        if outcome == FALLBACK:
            fallbacks += 1
        elif outcome == UNKNOWN:
            unknown[KINDS[kind].label] += 1
        if text:
            questions.append(UnansweredQuestion(kind, subject, text))
    response_times.sort()
    report = Report(
        period=period, channel=channel, channels=channels,
        messages_per_day={day: messages.get(day, 0) for day in period.days()},
        conversations_per_day={day: len(senders_per_day.get(day, ())) for day in period.days()},
        messages=len(rows), conversations=len(senders), fallbacks=fallbacks, unknown_per_kind=dict(unknown),
        unanswered=group_unanswered(questions), top_intents=intents.most_common(TOP),
        top_subjects=[(_subject_name(subject, knowledge), count) for subject, count in subjects.most_common(TOP)],
        confidence_bins=bins, response_p50=_percentile(response_times, 0.5),
        response_p95=_percentile(response_times, 0.95))
    if bookings is not None:
        report.bookings = bookings_per_day(bookings, period, channel)
        report.places_left = places_left_per_day(bookings, museum)
    return report


def _subject_name(subject: str, knowledge: KnowledgeBase | None) -> str:
    """A site's or procedure's name as staff know it ("site:yen-tu" -> "Yên Tử"), its id when unknown."""
    kind, _, record = subject.partition(":")
    if knowledge is not None:
        found = knowledge.place_card(record) if kind == "site" else knowledge.procedure(record)
        if found is not None:
            return found.name
    return record
