"""Tables for bookings. Personal data (name, phone) is stored because the ticket needs it at the gate and
for look-ups by staff; it is never logged."""
from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.db import Base

PENDING_PAYMENT, CONFIRMED, PAID, CANCELLED, EXPIRED = "pending_payment", "confirmed", "paid", "cancelled", "expired"


class SlotCounter(Base):
    """Places taken in one visiting slot: the row every booking for that slot updates atomically."""

    __tablename__ = "slot_counters"
    visit_date = Column(Date, primary_key=True)
    slot = Column(String(11), primary_key=True)
    booked = Column(Integer, nullable=False, default=0)


class Booking(Base):
    __tablename__ = "bookings"
    id = Column(Integer, primary_key=True, autoincrement=True)
    code = Column(String(8), unique=True, nullable=False)
    # The confirmation a user pressed: pressing it twice must not book twice.
    idempotency_key = Column(String(120), unique=True, nullable=False)
    sender_id = Column(String(128), nullable=False, index=True)
    visit_date = Column(Date, nullable=False)
    slot = Column(String(11), nullable=False)
    places = Column(Integer, nullable=False)
    total_vnd = Column(Integer, nullable=False)
    status = Column(String(20), nullable=False, index=True)
    payment_method = Column(String(20), nullable=False)
    name = Column(Text, nullable=False)
    phone = Column(String(20), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    paid_at = Column(DateTime(timezone=True))
    cancelled_at = Column(DateTime(timezone=True))
    used_at = Column(DateTime(timezone=True))
    lines = relationship("BookingLine", cascade="all, delete-orphan", lazy="selectin")


class BookingLine(Base):
    __tablename__ = "booking_lines"
    id = Column(Integer, primary_key=True, autoincrement=True)
    booking_id = Column(Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_type = Column(String(40), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_vnd = Column(Integer, nullable=False)
