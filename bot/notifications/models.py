"""Tables of the messages the bot sends first (migration 0004)."""
from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Integer, String, UniqueConstraint

from bot.db import Base

TICKET, REMINDER, EXPIRED = "ticket", "reminder", "expired"  # kinds of notice
SENDING, SENT, REFUSED, FAILED = "sending", "sent", "refused", "failed"  # a notice's status


class BookingNotice(Base):
    """One notice of one booking. Inserting the row claims it: the unique (booking_code, kind) lets exactly one
    replica or job send it; the status says how it went (a refusal by the channel is final, a failure to reach
    Rasa is tried again a few times)."""

    __tablename__ = "booking_notices"
    __table_args__ = (UniqueConstraint("booking_code", "kind", name="uq_booking_notices_code_kind"),)
    id = Column(Integer, primary_key=True, autoincrement=True)
    booking_code = Column(String(8), nullable=False)
    kind = Column(String(20), nullable=False)
    channel = Column(String(20), nullable=False)
    status = Column(String(20), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=1, server_default="1")
    detail = Column(String(200))  # the channel's error code or Rasa's status; never personal data
    claimed_at = Column(DateTime(timezone=True), nullable=False)
    finished_at = Column(DateTime(timezone=True))


class ReminderOptOut(Base):
    """A conversation that said "tắt nhắc nhở" / "stop reminders"."""

    __tablename__ = "reminder_optouts"
    sender_id = Column(String(128), primary_key=True)
    opted_out_at = Column(DateTime(timezone=True), nullable=False)


class PendingReply(Base):
    """A message the bot sent first to a REST (web) conversation, waiting for that visitor's next request: REST is
    request/response, so it is handed over at the top of the next reply."""

    __tablename__ = "pending_replies"
    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(128), nullable=False, index=True)
    message = Column(JSON, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
