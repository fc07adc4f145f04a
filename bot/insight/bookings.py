"""Bookings for the staff page, read from the bookings tables through their models (bot/tickets/models.py).
Only counts leave this module: never a name or a phone number."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.knowledge.repository import MuseumInfo
from bot.tickets.models import Booking, SlotCounter

if TYPE_CHECKING:
    from bot.insight.report import Period

VIETNAM = timezone(timedelta(hours=7))
PLACES_LEFT_DAYS = 14


@dataclass(frozen=True)
class BookingDay:
    day: date
    made: int
    cancelled: int
    paid: int


def _channel_of_sender(sender_id: str) -> str:
    for prefix in ("telegram", "zalo"):
        if sender_id.startswith(f"{prefix}-"):
            return prefix
    return "rest"


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives back what was stored, in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).date()


def bookings_per_day(engine: Engine, period: "Period", channel: str | None = None) -> list[BookingDay]:
    """Bookings made, cancelled and paid on each day of `period` (Vietnam time), made through `channel` if given."""
    # Bookings keep UTC times (bot/tickets/repository.py); SQLite compares them as written, so bounds in UTC.
    start = datetime.combine(period.first, datetime.min.time(), VIETNAM).astimezone(timezone.utc)
    end = datetime.combine(period.last + timedelta(days=1), datetime.min.time(), VIETNAM).astimezone(timezone.utc)
    made: Counter[date] = Counter()
    cancelled: Counter[date] = Counter()
    paid: Counter[date] = Counter()
    query = sa.select(Booking.sender_id, Booking.created_at, Booking.cancelled_at, Booking.paid_at).where(sa.or_(
        Booking.created_at.between(start, end), Booking.cancelled_at.between(start, end),
        Booking.paid_at.between(start, end)))
    with Session(engine) as session:
        for sender, created, cancelled_at, paid_at in session.execute(query):
            if channel and _channel_of_sender(sender) != channel:
                continue
            for counter, moment in ((made, created), (cancelled, cancelled_at), (paid, paid_at)):
                day = _day(moment)
                if day is not None:
                    counter[day] += 1
    return [BookingDay(day, made[day], cancelled[day], paid[day]) for day in period.days()]


def places_left_per_day(engine: Engine, museum: MuseumInfo | None, today: date | None = None) -> list[tuple[date, int]]:
    """Places still free on each open day of the next two weeks; nothing while booking is not open."""
    if museum is None or not museum.bookable() or not museum.capacity_per_slot:
        return []
    today = today or datetime.now(VIETNAM).date()
    days = [today + timedelta(days=n) for n in range(PLACES_LEFT_DAYS)]
    query = sa.select(SlotCounter.visit_date, sa.func.sum(SlotCounter.booked)).where(
        SlotCounter.visit_date.between(days[0], days[-1]), SlotCounter.slot.in_(museum.time_slots)
    ).group_by(SlotCounter.visit_date)
    with Session(engine) as session:
        booked = {visit: int(taken or 0) for visit, taken in session.execute(query)}
    per_day = museum.capacity_per_slot * len(museum.time_slots)
    return [(day, max(0, per_day - booked.get(day, 0))) for day in days if museum.open_on(day.weekday()) is not False]
