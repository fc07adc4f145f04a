"""What the notification job reads and writes: the notices claimed and how they went, the conversations that
turned reminders off, and the messages waiting for a REST visitor's next request.

A notice is claimed by inserting its row (unique per booking and kind): on SQLite and on PostgreSQL, with any
number of replicas or jobs running at once, exactly one insert succeeds, and only that caller sends.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.notifications.models import (
    EXPIRED,
    FAILED,
    REMINDER,
    SENDING,
    TICKET,
    BookingNotice,
    PendingReply,
    ReminderOptOut,
)
from bot.tickets.models import CONFIRMED, PAID, Booking
from bot.tickets.models import EXPIRED as BOOKING_EXPIRED
from bot.tickets.repository import BookingView, _view

VIETNAM = timezone(timedelta(hours=7))
LOOK_BACK = timedelta(days=1)  # older payments and expiries are not announced any more (a job down for days)
TICKET_GRACE = timedelta(seconds=30)  # the IPN's own push claims a paid booking's e-ticket within this

# A conversation's waiting REST replies, built once (statements built per call cost more than the read).
_WAITING_REPLIES = (select(PendingReply.id, PendingReply.message)
                    .where(PendingReply.sender_id == bindparam("sender_id")).order_by(PendingReply.id))


@dataclass(frozen=True)
class Claimed:
    """A notice this caller won: it alone sends it."""

    booking: BookingView
    kind: str
    channel: str


def channel_of(sender_id: str) -> str:
    """Where a conversation lives, from the sender ids the channels give: `telegram-<chat id>` (the bridge),
    `zalo-<user id>` (the OA webhook), anything else Rasa's REST channel (the web page)."""
    prefix, _, rest = sender_id.partition("-")
    if prefix in ("telegram", "zalo") and rest.lstrip("-").isdigit():
        return prefix
    return "rest"


def reminder_due(visit_date: date, reminder_time: tuple[int, int]) -> datetime:
    """The moment a visit's reminder is due: the day before, at QN_REMINDER_TIME, Vietnam time."""
    return datetime.combine(visit_date - timedelta(days=1), time(*reminder_time), tzinfo=VIETNAM)


def slot_start(booking: BookingView) -> datetime:
    hour, _, minute = booking.slot[:5].partition(":")
    return datetime.combine(booking.visit_date, time(int(hour), int(minute)), tzinfo=VIETNAM)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite gives naive UTC back


class NoticeStore:
    def __init__(self, engine: Engine):
        self._engine = engine

    # --- claiming and recording -----------------------------------------------------------------------------

    def claim(self, booking: BookingView, kind: str, now: datetime | None = None) -> Claimed | None:
        """Claim one notice of one booking; None if someone (another replica, job or callback) already did."""
        now = now or datetime.now(timezone.utc)
        channel = channel_of(booking.sender_id)
        try:
            with Session(self._engine, future=True) as session, session.begin():
                session.add(BookingNotice(booking_code=booking.code, kind=kind, channel=channel, status=SENDING,
                                          attempts=1, claimed_at=now))
        except IntegrityError:
            return None
        return Claimed(booking, kind, channel)

    def reclaim_failed(self, max_attempts: int, now: datetime | None = None) -> list[Claimed]:
        """Notices that failed because Rasa could not be reached, with attempts left: each claimed again by one
        caller (a conditional update). A channel's refusal is final and never comes back here."""
        now = now or datetime.now(timezone.utc)
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(BookingNotice.id, BookingNotice.kind, Booking)
                                   .join(Booking, Booking.code == BookingNotice.booking_code)
                                   .where(BookingNotice.status == FAILED,
                                          BookingNotice.attempts < max_attempts)).all()
            found = [(notice_id, kind, _view(booking)) for notice_id, kind, booking in rows]
        claimed = []
        for notice_id, kind, booking in found:
            with Session(self._engine, future=True) as session, session.begin():
                won = session.execute(update(BookingNotice)
                                      .where(BookingNotice.id == notice_id, BookingNotice.status == FAILED,
                                             BookingNotice.attempts < max_attempts)
                                      .values(status=SENDING, attempts=BookingNotice.attempts + 1, claimed_at=now)
                                      .execution_options(synchronize_session=False)).rowcount == 1
            if won:
                claimed.append(Claimed(booking, kind, channel_of(booking.sender_id)))
        return claimed

    def finish(self, code: str, kind: str, status: str, detail: str = "", now: datetime | None = None) -> None:
        with Session(self._engine, future=True) as session, session.begin():
            session.execute(update(BookingNotice)
                            .where(BookingNotice.booking_code == code, BookingNotice.kind == kind)
                            .values(status=status, detail=detail[:200] or None,
                                    finished_at=now or datetime.now(timezone.utc))
                            .execution_options(synchronize_session=False))

    def counts(self) -> dict[tuple[str, str, str], int]:
        """(kind, channel, status) -> how many notices: what an operator watches (refusals, failures)."""
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(BookingNotice.kind, BookingNotice.channel, BookingNotice.status,
                                          func.count()).group_by(BookingNotice.kind, BookingNotice.channel,
                                                                 BookingNotice.status)).all()
        return {(kind, channel, status): count for kind, channel, status, count in rows}

    def notices_of(self, code: str) -> dict[str, str]:
        """kind -> status of one booking's notices."""
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(BookingNotice.kind, BookingNotice.status)
                                   .where(BookingNotice.booking_code == code)).all()
        return {kind: status for kind, status in rows}

    # --- what is due ----------------------------------------------------------------------------------------

    def _without_notice(self, kind: str, *conditions: Any) -> list[BookingView]:
        noticed = select(BookingNotice.id).where(BookingNotice.booking_code == Booking.code,
                                                 BookingNotice.kind == kind).exists()
        with Session(self._engine, future=True) as session:
            rows = session.execute(select(Booking).where(*conditions, ~noticed)).scalars().all()
            return [_view(row) for row in rows]

    def due_reminders(self, now: datetime, reminder_time: tuple[int, int]) -> list[BookingView]:
        """Valid tickets (confirmed or paid, not used) whose reminder time has come and whose slot has not begun,
        booked before the reminder was due, of conversations that did not turn reminders off."""
        now = now.astimezone(timezone.utc)
        today = now.astimezone(VIETNAM).date()
        opted_out = select(ReminderOptOut.sender_id).where(ReminderOptOut.sender_id == Booking.sender_id).exists()
        candidates = self._without_notice(
            REMINDER, Booking.visit_date.in_([today, today + timedelta(days=1)]),
            Booking.status.in_([CONFIRMED, PAID]), Booking.used_at.is_(None), ~opted_out)
        due = []
        with Session(self._engine, future=True) as session:
            made = dict(session.execute(select(Booking.code, Booking.created_at)
                                        .where(Booking.code.in_([b.code for b in candidates]))).all())
        for booking in candidates:
            moment = reminder_due(booking.visit_date, reminder_time)
            if moment <= now < slot_start(booking) and _aware(made[booking.code]) < moment:
                due.append(booking)
        return due

    def expired_unannounced(self, now: datetime) -> list[BookingView]:
        """Holds that expired unpaid in the last day and whose visitor has not been told."""
        now = now.astimezone(timezone.utc)
        return self._without_notice(EXPIRED, Booking.status == BOOKING_EXPIRED,
                                    Booking.cancelled_at >= now - LOOK_BACK)

    def paid_without_ticket(self, now: datetime) -> list[BookingView]:
        """Bookings paid in the last day whose e-ticket no one claimed (the replica that took the payment
        stopped before pushing it)."""
        now = now.astimezone(timezone.utc)
        return self._without_notice(TICKET, Booking.status == PAID, Booking.paid_at >= now - LOOK_BACK,
                                    Booking.paid_at < now - TICKET_GRACE)

    # --- reminders off --------------------------------------------------------------------------------------

    def opt_out(self, sender_id: str, now: datetime | None = None) -> bool:
        """Turn reminders off for a conversation; False if they already were."""
        try:
            with Session(self._engine, future=True) as session, session.begin():
                session.add(ReminderOptOut(sender_id=sender_id, opted_out_at=now or datetime.now(timezone.utc)))
        except IntegrityError:
            return False
        return True

    def opted_out(self, sender_id: str) -> bool:
        with Session(self._engine, future=True) as session:
            return session.get(ReminderOptOut, sender_id) is not None

    # --- REST: messages waiting for the visitor's next request ---------------------------------------------

    def keep_replies(self, sender_id: str, messages: list[dict[str, Any]], now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        with Session(self._engine, future=True) as session, session.begin():
            session.add_all([PendingReply(sender_id=sender_id, message=m, created_at=now) for m in messages])

    def take_replies(self, sender_id: str) -> list[dict[str, Any]]:
        """The waiting messages of one conversation, oldest first, each handed out once. Asked at every REST
        message, which nearly never has any: a plain read first (a third of the ORM transaction's cost; the
        transaction was 5% of the Rasa process's busy samples at 20 users, bench/sample_serve.py --gil), the
        transaction only when something waits."""
        with self._engine.connect() as connection:
            if not connection.execute(_WAITING_REPLIES, {"sender_id": sender_id}).first():
                return []
        with Session(self._engine, future=True) as session, session.begin():
            rows = session.execute(_WAITING_REPLIES, {"sender_id": sender_id}).all()
            taken = []
            for reply_id, message in rows:
                if session.execute(delete(PendingReply).where(and_(PendingReply.id == reply_id))
                                   .execution_options(synchronize_session=False)).rowcount == 1:
                    taken.append(message)
            return taken
