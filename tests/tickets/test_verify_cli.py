"""At the gate: a genuine ticket is admitted once, then reported as used; forged ones are refused."""
from __future__ import annotations

from datetime import date

import pytest

from bot.db import get_engine
from bot.schema import migrate
from bot.tickets.cli import main
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine
from bot.tickets.signing import sign_ticket

SECRET = "gate-secret-0123456789abcdef"


@pytest.fixture
def booked(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    monkeypatch.setenv("QN_DATABASE_URL", url)
    monkeypatch.setenv("QN_TICKET_SECRET", SECRET)
    repository = BookingRepository(get_engine(url))
    migrate(get_engine(url))
    return repository.book(BookingRequest("k1", "u1", date(2026, 12, 5), "08:00-10:00",
                                          (TicketLine("adult", 3, 40000),), "Trần Thị B", "0987654321",
                                          "counter"), 50).booking


def test_a_genuine_ticket_passes_once_then_is_reported_used(booked, capsys):
    payload = sign_ticket(booked.code, SECRET)
    assert main(["verify", payload]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ADMIT") and "Trần Thị B" in out and "05/12/2026" in out and "3 người" in out
    assert "0987654321" not in out  # the phone is masked
    assert main(["verify", payload]) == 1
    assert "already used" in capsys.readouterr().out


def test_forged_and_altered_tickets_are_refused(booked, capsys):
    assert main(["verify", sign_ticket(booked.code, "not-the-server-secret-123")]) == 1
    assert "not a genuine ticket (signature)" in capsys.readouterr().out
    assert main(["verify", sign_ticket("ZZZZZZ", SECRET)]) == 1  # genuine signature, no booking
    assert "no such booking" in capsys.readouterr().out


def test_without_a_secret_the_command_refuses_to_guess(booked, monkeypatch, capsys):
    monkeypatch.setenv("QN_TICKET_SECRET", "changeme")
    assert main(["verify", "QNT1.X.Y"]) == 2
    assert "QN_TICKET_SECRET" in capsys.readouterr().err
