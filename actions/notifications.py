"""Messages the bot sends first (bot/notifications triggers them through Rasa's API with the booking's code), and
the visitor's "stop reminders". Each action reads the booking, checks it is this conversation's and still in the
state the message is about, and picks a domain response; anything else sends nothing."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker

from actions.base import BaseAction, ask_knowledge, money
from actions.heritage import map_link
from actions.tickets import ask_bookings, e_ticket
from bot.notifications.jobs import notice_store
from bot.notifications.store import NoticeStore
from bot.privacy import pseudonym
from bot.settings import current_settings
from bot.tickets.models import CONFIRMED, EXPIRED, PAID
from bot.tickets.repository import PAYMENT_HOLD, BookingView

logger = logging.getLogger(__name__)

_notices: tuple[str, NoticeStore] | None = None


def notices() -> NoticeStore:
    """The notice store, made on the first reminder action (not at import), and again only if the database
    changes (a test's own database)."""
    global _notices
    settings = current_settings()
    if _notices is None or _notices[0] != settings.database_url:
        _notices = (settings.database_url, notice_store(settings))
    return _notices[1]


async def own_booking(tracker: Tracker, statuses: tuple[str, ...]) -> BookingView | None:
    """The booking the trigger names, if it is this conversation's and in one of `statuses` (not used)."""
    code = next(tracker.get_latest_entity_values("booking_code"), None) or ""
    booking = await ask_bookings(lambda b: b.get(code)) if code else None
    if booking is None or booking.sender_id != tracker.sender_id or booking.status not in statuses \
            or booking.used_at is not None:
        logger.info("notice of %s for %s not sent: not this conversation's, or no longer %s", code[:8] or "-",
                    pseudonym(tracker.sender_id), "/".join(statuses))
        return None
    return booking


def booking_values(booking: BookingView) -> Dict[str, Any]:
    return {"code": booking.code, "date": booking.visit_date.strftime("%d/%m/%Y"), "slot": booking.slot,
            "places": booking.places, "total": money(booking.total_vnd)}


class ActionTicketPaid(BaseAction):
    def name(self) -> Text:
        return "action_ticket_paid"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        booking = await own_booking(tracker, (PAID,))
        if booking is not None:
            dispatcher.utter_message(response="utter_ticket_paid", **booking_values(booking),
                                     json_message=e_ticket(booking.code))
        return []


class ActionVisitReminder(BaseAction):
    def name(self) -> Text:
        return "action_visit_reminder"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        booking = await own_booking(tracker, (CONFIRMED, PAID))
        if booking is None:
            return []
        store = notices()
        if await asyncio.to_thread(store.opted_out, tracker.sender_id):
            return []
        museum = await ask_knowledge(lambda kb: kb.museum())
        name = museum.name if museum else ""
        address = (museum.address if museum else None) or name
        dispatcher.utter_message(response="utter_visit_reminder", **booking_values(booking), museum=name,
                                 address=address, map=map_link(name, None, None),
                                 json_message=e_ticket(booking.code))
        return []


class ActionBookingExpired(BaseAction):
    def name(self) -> Text:
        return "action_booking_expired"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        booking = await own_booking(tracker, (EXPIRED,))
        if booking is not None:
            dispatcher.utter_message(response="utter_booking_expired", **booking_values(booking),
                                     minutes=int(PAYMENT_HOLD.total_seconds() // 60))
        return []


class ActionStopReminders(BaseAction):
    def name(self) -> Text:
        return "action_stop_reminders"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        store = notices()
        await asyncio.to_thread(store.opt_out, tracker.sender_id)
        logger.info("reminders turned off by %s", pseudonym(tracker.sender_id))
        dispatcher.utter_message(response="utter_reminders_stopped")
        return []
