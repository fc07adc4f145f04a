"""The notification job: what the bot says first, each exactly once across replicas and jobs.

- After a verified payment, the e-ticket: pushed at once by the replica whose IPN marked the booking paid
  (`announce_payment`); the job sends any that replica did not get to (it stopped in between).
- The reminder the day before the visit, at QN_REMINDER_TIME (Vietnam time), for valid tickets (not cancelled,
  expired or used) of conversations that did not turn reminders off.
- The notice that an unpaid hold expired (bookings.PAYMENT_HOLD), with a button to book again.

Every notice is claimed by inserting its row in booking_notices before it is sent (bot/notifications/store.py):
two jobs at once, or a job and a callback, never send the same one twice. A failure to reach Rasa is tried again
by the next runs (MAX_ATTEMPTS in all); a channel's refusal is final, logged and counted.

    qn-staff notify            one run, by hand or from cron
    qn-staff notify --loop     every QN_NOTIFY_EVERY_SECONDS (make run, make serve and make prod start it)
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx

from bot.db import get_engine
from bot.notifications.models import EXPIRED, REMINDER, TICKET
from bot.notifications.push import PushOutcome, RasaTrigger, deliver
from bot.notifications.store import Claimed, NoticeStore
from bot.settings import Settings, current_settings
from bot.tickets.models import PAID
from bot.tickets.repository import BookingRepository, booking_repository

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # pushes that could not reach Rasa: this many tries in all, one per run
PUSHES_AT_ONCE = 4


@dataclass
class RunReport:
    claimed: dict[str, int] = field(default_factory=dict)  # kind -> notices this run claimed
    outcomes: dict[str, int] = field(default_factory=dict)  # status -> how many

    def line(self) -> str:
        claimed = ", ".join(f"{n} {kind}" for kind, n in sorted(self.claimed.items())) or "nothing due"
        done = ", ".join(f"{n} {status}" for status, n in sorted(self.outcomes.items()))
        return f"notify: {claimed}" + (f" ({done})" if done else "")


def notice_store(settings: Settings) -> NoticeStore:
    booking_repository(settings.database_url)  # migrated on first use
    return NoticeStore(get_engine(settings.database_url))


async def _deliver_all(claimed: list[Claimed], store: NoticeStore, trigger: RasaTrigger) -> list[PushOutcome]:
    if not claimed:
        return []
    gate = asyncio.Semaphore(PUSHES_AT_ONCE)
    async with httpx.AsyncClient() as http:
        async def one(notice: Claimed) -> PushOutcome:
            async with gate:
                return await deliver(notice, store, trigger, http)

        return list(await asyncio.gather(*(one(c) for c in claimed)))


async def run_once(settings: Settings | None = None, now: datetime | None = None,
                   trigger: RasaTrigger | None = None, bookings: BookingRepository | None = None,
                   store: NoticeStore | None = None) -> RunReport:
    """One run: expire unpaid holds, claim what is due, push it. Safe with any number of runs at once."""
    settings = settings or current_settings()
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)  # SQLite compares stored UTC wall times
    bookings = bookings or booking_repository(settings.database_url)
    store = store or notice_store(settings)
    trigger = trigger or RasaTrigger(settings.rasa_url, token=settings.rasa_token)
    await asyncio.to_thread(bookings.release_expired_holds, now)

    def claim_due() -> list[Claimed]:
        found: list[Claimed | None] = []
        found += [store.claim(b, TICKET, now) for b in store.paid_without_ticket(now)]
        found += [store.claim(b, EXPIRED, now) for b in store.expired_unannounced(now)]
        found += [store.claim(b, REMINDER, now) for b in store.due_reminders(now, settings.reminder_time)]
        return [c for c in found if c is not None] + store.reclaim_failed(MAX_ATTEMPTS, now)

    claimed = await asyncio.to_thread(claim_due)
    report = RunReport()
    for notice in claimed:
        report.claimed[notice.kind] = report.claimed.get(notice.kind, 0) + 1
    for outcome in await _deliver_all(claimed, store, trigger):
        report.outcomes[outcome.status] = report.outcomes.get(outcome.status, 0) + 1
    return report


async def announce_payment(code: str, settings: Settings | None = None) -> PushOutcome | None:
    """Right after the IPN that marked `code` paid: claim its e-ticket and push it (None: already claimed)."""
    settings = settings or current_settings()
    store = notice_store(settings)
    booking = await asyncio.to_thread(booking_repository(settings.database_url).get, code)
    if booking is None or booking.status != PAID:
        return None
    claimed = await asyncio.to_thread(store.claim, booking, TICKET)
    if claimed is None:
        return None
    [outcome] = await _deliver_all([claimed], store, RasaTrigger(settings.rasa_url, token=settings.rasa_token))
    return outcome


def take_waiting_replies(sender_id: str) -> list[dict]:
    """Messages the bot sent first to a REST conversation, each handed out once (bot/channels/rest.py)."""
    return notice_store(current_settings()).take_replies(sender_id)


async def run_forever(settings: Settings, every_seconds: float) -> None:
    while True:
        try:
            report = await run_once(settings)
            if report.claimed:
                logger.info(report.line())
        except Exception:  # noqa: BLE001 - a database or network hiccup: the next run tries again
            logger.exception("notification run failed")
        await asyncio.sleep(every_seconds)
