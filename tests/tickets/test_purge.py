"""`qn-staff purge`: some days after the visit a booking loses the visitor's name and phone, keeps the rest."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.db import get_engine
from bot.knowledge.cli import main
from bot.schema import migrate
from bot.tickets.models import CANCELLED
from bot.tickets.payments import VIETNAM
from bot.tickets.repository import BookingRepository, BookingRequest, BookingView, TicketLine

NAME, PHONE = "Nguyễn Thị Hoa", "0912345678"
CUTOFF = date(2026, 3, 1)


def book(repository: BookingRepository, visit: date, key: str) -> BookingView:
    request = BookingRequest(key, f"sender-{key}", visit, "08:00-10:00",
                             (TicketLine("adult", 2, 40000), TicketLine("child", 1, 20000)), NAME, PHONE, "counter")
    booking = repository.book(request, capacity=50).booking
    assert booking is not None
    return booking


def facts(booking: BookingView) -> tuple:
    """What the statistics keep: everything but the visitor's name and phone."""
    return (booking.code, booking.sender_id, booking.visit_date, booking.slot, booking.places, booking.total_vnd,
            booking.status, booking.payment_method, booking.lines, booking.used_at)


def test_bookings_visited_before_the_cutoff_lose_name_and_phone_and_keep_the_rest(repository):
    old = book(repository, CUTOFF - timedelta(days=40), "old")
    cancelled = repository.cancel(book(repository, CUTOFF - timedelta(days=1), "cancelled").code, "sender-cancelled")
    on_cutoff = book(repository, CUTOFF, "on-cutoff")
    upcoming = book(repository, CUTOFF + timedelta(days=10), "upcoming")
    assert cancelled is not None and cancelled.status == CANCELLED

    assert repository.purge_personal_data(CUTOFF) == 2
    for before in (old, cancelled):
        after = repository.get(before.code)
        assert (after.name, after.phone) == ("", "")
        assert facts(after) == facts(before)
    for kept in (on_cutoff, upcoming):
        assert repository.get(kept.code) == kept
    assert repository.places_left(CUTOFF + timedelta(days=10), "08:00-10:00", 50) == 47

    assert repository.purge_personal_data(CUTOFF) == 0  # run again (daily, say): nothing more to remove
    assert repository.get(on_cutoff.code) == on_cutoff


def test_the_command_counts_days_from_today_in_vietnam_and_defaults_to_the_setting(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'qn.db'}"
    monkeypatch.setenv("QN_DATABASE_URL", url)
    monkeypatch.setenv("QN_PURGE_AFTER_DAYS", "30")
    repository = BookingRepository(get_engine(url))
    migrate(get_engine(url))
    today = datetime.now(VIETNAM).date()
    long_ago, thirty_days_ago, yesterday = (book(repository, today - timedelta(days=days), str(days))
                                            for days in (31, 30, 1))

    assert main(["purge"]) == 0
    assert ("Removed the name and phone of 1 booking(s) visited before "
            f"{today - timedelta(days=30):%d/%m/%Y} (more than 30 days ago)") in capsys.readouterr().out
    assert repository.get(long_ago.code).phone == ""
    assert repository.get(thirty_days_ago.code).phone == PHONE

    assert main(["purge"]) == 0
    assert "of 0 booking(s)" in capsys.readouterr().out

    assert main(["purge", "--days", "0"]) == 0
    assert "of 2 booking(s)" in capsys.readouterr().out
    assert {repository.get(b.code).name for b in (long_ago, thirty_days_ago, yesterday)} == {""}


def test_a_negative_number_of_days_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["purge", "--days", "-1"])
    assert "must be 0 or more" in capsys.readouterr().err
