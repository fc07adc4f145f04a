"""Bookings never overbook, a confirmation pressed twice books once, and only the owner can cancel."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from bot.tickets.models import CANCELLED, CONFIRMED
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine

DAY, SLOT = date(2026, 12, 5), "08:00-10:00"


def request(key: str, sender: str = "user-1", places: int = 1) -> BookingRequest:
    return BookingRequest(key, sender, DAY, SLOT, (TicketLine("adult", places, 40000),), "Nguyễn Văn A",
                          "0912345678", "counter")


def confirm_all_at_once(repository: BookingRepository, requests: list[BookingRequest], capacity: int):
    start = threading.Barrier(len(requests))

    def confirm(item: BookingRequest):
        start.wait()
        return repository.book(item, capacity)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(confirm, requests))


def test_200_concurrent_confirmations_for_a_slot_of_50_never_overbook(repository):
    outcomes = confirm_all_at_once(repository, [request(f"k-{i}", f"user-{i}") for i in range(200)], 50)
    booked = [o for o in outcomes if o.booking]
    sold_out = [o for o in outcomes if o.problem == "sold_out"]
    assert len(booked) == 50 and len(sold_out) == 150
    assert len({o.booking.code for o in booked}) == 50
    assert repository.places_left(DAY, SLOT, 50) == 0


def test_the_same_confirmation_pressed_twice_at_once_makes_one_booking(repository):
    outcomes = confirm_all_at_once(repository, [request("same-key")] * 10, 50)
    assert len({o.booking.code for o in outcomes}) == 1
    assert repository.places_left(DAY, SLOT, 50) == 49


def test_a_group_larger_than_the_places_left_is_refused_whole(repository):
    assert repository.book(request("a", places=45), 50).booking
    outcome = repository.book(request("b", places=10), 50)
    assert outcome.booking is None and outcome.problem == "sold_out" and outcome.places_left == 5
    assert repository.book(request("c", places=5), 50).booking


def test_only_the_owner_cancels_and_the_places_come_back(repository):
    booking = repository.book(request(str(uuid.uuid4()), "owner", places=3), 10).booking
    assert booking.status == CONFIRMED and repository.places_left(DAY, SLOT, 10) == 7
    assert repository.cancel(booking.code, "someone-else") is None
    cancelled = repository.cancel(booking.code, "owner")
    assert cancelled.status == CANCELLED and repository.places_left(DAY, SLOT, 10) == 10
    assert repository.cancel(booking.code, "owner") is None  # already cancelled


def test_a_ticket_is_used_once(repository):
    booking = repository.book(request("use-me"), 10).booking
    first, was_first = repository.use(booking.code)
    again, was_first_again = repository.use(booking.code)
    assert was_first and not was_first_again and again.used_at is not None
