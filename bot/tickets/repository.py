"""Bookings: taking places without ever overbooking, look-up, cancellation, payment and use at the gate.

Every booking is one transaction whose first statement writes the slot's counter row, with a conditional
update (`booked + n <= capacity`): PostgreSQL serialises competing bookings on that row and re-checks the
condition; SQLite takes its write lock before reading anything, so no transaction has to upgrade a read
lock. The confirmation's idempotency key is unique: the same confirmation pressed twice is one booking.
A booking waiting for an online payment holds its places for PAYMENT_HOLD; after that it expires and gives
them back (VNPAY refuses a payment after 15 minutes, so no payment can arrive for an expired hold).
Some days after the visit, `purge_personal_data` blanks the visitor's name and phone and keeps the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import get_engine
from bot.schema import migrate
from bot.tickets.codes import new_booking_code
from bot.tickets.models import (
    CANCELLED,
    CONFIRMED,
    EXPIRED,
    PAID,
    PENDING_PAYMENT,
    Booking,
    BookingLine,
    SlotCounter,
)

PURGED = ""  # what name and phone hold once purged (both columns are NOT NULL)

PAYMENT_HOLD = timedelta(minutes=30)


@dataclass(frozen=True)
class TicketLine:
    ticket_type: str
    quantity: int
    unit_price_vnd: int


@dataclass(frozen=True)
class BookingRequest:
    idempotency_key: str
    sender_id: str
    visit_date: date
    slot: str
    lines: tuple[TicketLine, ...]
    name: str
    phone: str
    payment_method: str  # "counter" or a gateway's name

    @property
    def places(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_vnd(self) -> int:
        return sum(line.quantity * line.unit_price_vnd for line in self.lines)


@dataclass(frozen=True)
class BookingView:
    code: str
    sender_id: str
    visit_date: date
    slot: str
    places: int
    total_vnd: int
    status: str
    payment_method: str
    name: str
    phone: str
    lines: tuple[TicketLine, ...]
    used_at: datetime | None


@dataclass(frozen=True)
class BookingOutcome:
    booking: BookingView | None
    problem: str | None = None  # 'sold_out'
    places_left: int | None = None


def _view(row: Booking) -> BookingView:
    return BookingView(row.code, row.sender_id, row.visit_date, row.slot, row.places, row.total_vnd, row.status,
                       row.payment_method, row.name, row.phone,
                       tuple(TicketLine(line.ticket_type, line.quantity, line.unit_price_vnd) for line in row.lines),
                       row.used_at)


@lru_cache(maxsize=4)
def booking_repository(database_url: str) -> "BookingRepository":
    """The bookings of one database, its tables created on first use (action server, callbacks, gate)."""
    engine = get_engine(database_url)
    migrate(engine)
    return BookingRepository(engine)


class BookingRepository:
    def __init__(self, engine: Engine):
        self._engine = engine

    def _insert_counter(self, session: Session, visit_date: date, slot: str) -> None:
        dialect = session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
        values = {"visit_date": visit_date, "slot": slot, "booked": 0}
        if insert is None:  # another database: plain insert, a duplicate is fine
            try:
                with session.begin_nested():
                    session.add(SlotCounter(**values))
            except IntegrityError:
                pass
            return
        session.execute(insert(SlotCounter).values(**values).on_conflict_do_nothing())

    def release_expired_holds(self, now: datetime | None = None) -> int:
        """Expire unpaid online bookings older than PAYMENT_HOLD and give their places back."""
        cutoff = (now or datetime.now(timezone.utc)) - PAYMENT_HOLD
        with Session(self._engine, future=True) as session:  # a read first: most calls find nothing
            stale = session.execute(select(Booking.code).where(Booking.status == PENDING_PAYMENT,
                                                               Booking.created_at < cutoff)).scalars().all()
        if not stale:
            return 0
        released = 0
        with Session(self._engine, future=True) as session, session.begin():
            for code in stale:  # one by one: a payment may land on any of them meanwhile
                expired = session.execute(
                    update(Booking).where(Booking.code == code, Booking.status == PENDING_PAYMENT)
                    .values(status=EXPIRED, cancelled_at=now or datetime.now(timezone.utc))
                    .execution_options(synchronize_session=False))
                if expired.rowcount == 1:
                    self._give_back(session, code)
                    released += 1
        return released

    @staticmethod
    def _give_back(session: Session, code: str) -> Booking:
        row = session.execute(select(Booking).where(Booking.code == code)).scalar_one()
        session.execute(update(SlotCounter).where(and_(SlotCounter.visit_date == row.visit_date,
                                                       SlotCounter.slot == row.slot))
                        .values(booked=SlotCounter.booked - row.places)
                        .execution_options(synchronize_session=False))
        return row

    def places_left(self, visit_date: date, slot: str, capacity: int) -> int:
        with Session(self._engine, future=True) as session:
            booked = session.execute(select(SlotCounter.booked).where(
                SlotCounter.visit_date == visit_date, SlotCounter.slot == slot)).scalar_one_or_none()
        return max(0, capacity - (booked or 0))

    def book(self, request: BookingRequest, capacity: int, now: datetime | None = None) -> BookingOutcome:
        """Take the places and store the booking, or say it is sold out. Never overbooks."""
        now = now or datetime.now(timezone.utc)
        self.release_expired_holds(now)
        status = CONFIRMED if request.payment_method == "counter" else PENDING_PAYMENT
        for _attempt in range(5):  # a new code on the rare collision
            try:
                with Session(self._engine, future=True) as session, session.begin():
                    self._insert_counter(session, request.visit_date, request.slot)
                    taken = session.execute(
                        update(SlotCounter)
                        .where(SlotCounter.visit_date == request.visit_date, SlotCounter.slot == request.slot,
                               SlotCounter.booked + request.places <= capacity)
                        .values(booked=SlotCounter.booked + request.places)
                        .execution_options(synchronize_session=False))
                    if taken.rowcount != 1:
                        session.rollback()
                        return BookingOutcome(None, "sold_out",
                                              self.places_left(request.visit_date, request.slot, capacity))
                    row = Booking(code=new_booking_code(), idempotency_key=request.idempotency_key,
                                  sender_id=request.sender_id, visit_date=request.visit_date, slot=request.slot,
                                  places=request.places, total_vnd=request.total_vnd, status=status,
                                  payment_method=request.payment_method, name=request.name, phone=request.phone,
                                  created_at=now,
                                  lines=[BookingLine(ticket_type=line.ticket_type, quantity=line.quantity,
                                                     unit_price_vnd=line.unit_price_vnd) for line in request.lines])
                    session.add(row)
                    session.flush()
                    return BookingOutcome(_view(row))
            except IntegrityError:
                existing = self.by_idempotency_key(request.idempotency_key)
                if existing is not None:  # the same confirmation, pressed again
                    return BookingOutcome(existing)
        raise RuntimeError("could not allocate a booking code")

    def by_idempotency_key(self, key: str) -> BookingView | None:
        with Session(self._engine, future=True) as session:
            row = session.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()
            return _view(row) if row else None

    def get(self, code: str) -> BookingView | None:
        with Session(self._engine, future=True) as session:
            row = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
            return _view(row) if row else None

    def for_sender(self, sender_id: str, limit: int = 5) -> list[BookingView]:
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(Booking).where(Booking.sender_id == sender_id)
                                   .order_by(Booking.visit_date.desc(), Booking.id.desc()).limit(limit)).scalars()
            return [_view(r) for r in rows]

    def cancel(self, code: str, sender_id: str, now: datetime | None = None) -> BookingView | None:
        """Cancel the sender's own booking and give its places back. None if it is not theirs or not open."""
        now = now or datetime.now(timezone.utc)
        with Session(self._engine, future=True) as session, session.begin():
            cancelled = session.execute(
                update(Booking).where(Booking.code == code, Booking.sender_id == sender_id,
                                      Booking.status.in_([CONFIRMED, PENDING_PAYMENT, PAID]),
                                      Booking.used_at.is_(None))
                .values(status=CANCELLED, cancelled_at=now).execution_options(synchronize_session=False))
            if cancelled.rowcount != 1:
                return None
            return _view(self._give_back(session, code))

    def mark_paid(self, code: str, amount_vnd: int, now: datetime | None = None) -> bool:
        """Only a verified payment callback calls this; the amount must match the booking's total."""
        with Session(self._engine, future=True) as session, session.begin():
            paid = session.execute(
                update(Booking).where(Booking.code == code, Booking.status == PENDING_PAYMENT,
                                      Booking.total_vnd == amount_vnd)
                .values(status=PAID, paid_at=now or datetime.now(timezone.utc))
                .execution_options(synchronize_session=False))
            return paid.rowcount == 1

    def use(self, code: str, now: datetime | None = None) -> tuple[BookingView | None, bool]:
        """Mark a ticket used at the gate: (booking, True) the first time, (booking, False) after that."""
        with Session(self._engine, future=True) as session, session.begin():
            first = session.execute(
                update(Booking).where(Booking.code == code, Booking.used_at.is_(None),
                                      Booking.status.in_([CONFIRMED, PAID]))
                .values(used_at=now or datetime.now(timezone.utc))
                .execution_options(synchronize_session=False)).rowcount == 1
            row = session.execute(select(Booking).where(Booking.code == code)).scalar_one_or_none()
            return (_view(row) if row else None), first

    def purge_personal_data(self, visited_before: date) -> int:
        """Blank the name and phone of every booking whose visit was before `visited_before`; its date, slot,
        counts, status and amount stay for the statistics. Returns how many bookings lost them now (0 when
        run again)."""
        with Session(self._engine, future=True) as session, session.begin():
            return session.execute(
                update(Booking).where(Booking.visit_date < visited_before,
                                      or_(Booking.name != PURGED, Booking.phone != PURGED))
                .values(name=PURGED, phone=PURGED).execution_options(synchronize_session=False)).rowcount
