"""Museum tickets: the booking form, summary, confirmation with an e-ticket, look-up and cancellation.

Every slot is validated as if typed (a button payload is typed text too); prices and capacity come from the
knowledge base, never from the conversation.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import BaseAction, ask_knowledge, latest_text, money, payload, user_language
from actions.core import format_contact
from actions.labels import label, weekday_name
from bot.knowledge.repository import MuseumInfo
from bot.privacy import pseudonym
from bot.settings import current_settings, current_ticket_secret
from bot.tickets.codes import normalise_code
from bot.tickets.dates import DateAnswer, TimeAnswer, parse_time, read_visit_date, slot_for
from bot.tickets.models import CONFIRMED, PAID, PENDING_PAYMENT
from bot.tickets.parsing import (
    TicketKind,
    booking_field_in,
    normalise_name,
    normalise_phone,
    read_booking_change,
    read_ticket_request,
    ticket_kinds,
)
from bot.tickets.payments import CounterPayment, VnpayGateway, configured_gateway, server_ip
from bot.tickets.repository import (
    PAYMENT_HOLD,
    BookingRequest,
    TicketLine,
    booking_repository,
)
from bot.tickets.signing import sign_ticket

logger = logging.getLogger(__name__)
VIETNAM = timezone(timedelta(hours=7))
Domain = Dict[Text, Any]
EXTERNAL_PREFIX = "EXTERNAL_"  # intents Rasa's trigger-intent API starts turns with (bot/notifications)
FORM_SLOTS = ("visit_date", "time_slot", "ticket_counts", "visitor_name", "visitor_phone")


async def ask_bookings(query):
    return await asyncio.to_thread(query, booking_repository(current_settings().database_url))


def today() -> date:
    return datetime.now(VIETNAM).date()


def ticket_lines(museum: MuseumInfo, counts: dict[str, int]) -> list[TicketLine]:
    prices = {t.id: t.price_vnd for t in museum.ticket_types}
    return [TicketLine(kind, count, prices.get(kind) or 0) for kind, count in counts.items()]


def describe_lines(museum: MuseumInfo, counts: dict[str, int], language: str) -> str:
    names = {t.id: (t.name_en if language == "en" and t.name_en else t.name_vi) for t in museum.ticket_types}
    prices = {t.id: t.price_vnd for t in museum.ticket_types}
    return ", ".join(f"{count} × {names.get(kind, kind)} ({money(prices.get(kind) or 0)})"
                     for kind, count in counts.items())


def lines_total(lines: list[TicketLine] | tuple[TicketLine, ...]) -> int:
    return sum(line.quantity * line.unit_price_vnd for line in lines)


def online_gateway(total_vnd: int) -> VnpayGateway | None:
    """The online gateway, when one is configured and there is something to pay; else the counter only."""
    gateway = configured_gateway()
    return gateway if gateway is not None and total_vnd > 0 else None


def e_ticket(code: str) -> dict[str, str]:
    """The custom payload channels render as a QR image: the signed payload the gate verifies offline."""
    return {"ticket_qr": sign_ticket(code, current_ticket_secret()), "booking_code": code}


async def official_contacts(language: str) -> str:
    contacts = await ask_knowledge(lambda kb: kb.contacts("museum"))
    return "\n".join(format_contact(c, language) for c in contacts if c.topic in ("museum", "general")) or "-"


def set_by_latest_message(tracker: Tracker) -> set[str]:
    """Slots the domain's mappings filled from the user's latest message."""
    names: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot":
            names.add(event.get("name"))
    return names


async def museum_info() -> MuseumInfo:
    """The museum, for the booking form's steps: the form opens only when the knowledge base has a bookable one
    (action_start_booking), so its absence here is an error, which the caller reports politely."""
    museum = await ask_knowledge(lambda kb: kb.museum())
    if museum is None:
        raise LookupError("the knowledge base has no museum")
    return museum


class ActionStartBooking(BaseAction):
    """Whether booking in the chat is open; the rules then open the form (or not). A new booking starts from
    scratch, except for what the request itself said ("đặt 4 vé thứ 7"), which the form validates as it opens."""

    def name(self) -> Text:
        return "action_start_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        booking = (*FORM_SLOTS, "booking_draft")
        if museum is None or not museum.bookable():
            dispatcher.utter_message(response="utter_booking_unavailable",
                                     contacts=await official_contacts(user_language(tracker)))
            return [SlotSet(slot, None) for slot in booking] + [SlotSet("booking_open", False)]
        said_now = set_by_latest_message(tracker)
        return [SlotSet(slot, None) for slot in booking if slot not in said_now] + [SlotSet("booking_open", True)]


def ticket_kinds_of(museum: MuseumInfo) -> list[TicketKind]:
    return ticket_kinds([(t.id, t.name_vi, t.name_en) for t in museum.ticket_types],
                        {t.id: t.aliases for t in museum.ticket_types})


class ValidateTicketForm(FormValidationAction):
    """One validate_<slot> per slot. Each slot is mapped in the domain from the text typed (the booking request
    when the form opens, the answer to the form's question after); what the text says is read by bot/tickets.
    A slot the form did not ask for is kept only when the text says something about it, silently otherwise."""

    def name(self) -> Text:
        return "validate_ticket_form"

    @staticmethod
    def _asked(tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot

    def _free_text_answer(self, tracker: Tracker, slot: str) -> Dict[Text, Any]:
        """A name or a phone number typed when asked: anything but a confident "no" or a change request
        naming a field ("đổi ngày"; a name never names a field), which the rules answer instead."""
        intent = (tracker.latest_message or {}).get("intent") or {}
        if not self._asked(tracker, slot) or str(intent.get("name") or "").startswith(EXTERNAL_PREFIX):
            return {}  # not asked, or a message the bot sends first (bot/notifications), not the visitor's answer
        text = latest_text(tracker)
        confident = (intent.get("confidence") or 0) >= 0.9
        changing = intent.get("name") == "change_booking" and booking_field_in(text) is not None
        if confident and (intent.get("name") == "deny" or changing):
            return {}
        return {slot: text}

    async def extract_visitor_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._free_text_answer(tracker, "visitor_name")

    async def extract_visitor_phone(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._free_text_answer(tracker, "visitor_phone")

    async def validate_visit_date(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        answer = read_visit_date(value, today())  # a day already read (ISO) is checked again all the same
        if answer.value is None:
            if answer.problem != "unknown" or self._asked(tracker, "visit_date"):
                dispatcher.utter_message(response="utter_date_lunar" if answer.problem == "lunar"
                                         else "utter_date_unknown")
            return {"visit_date": None}
        if answer.value < today():
            dispatcher.utter_message(response="utter_date_past")
            return {"visit_date": None}
        museum = await museum_info()
        if museum.open_on(answer.value.weekday()) is False:
            dispatcher.utter_message(response="utter_date_closed",
                                     day=weekday_name(answer.value.weekday(), user_language(tracker)))
            return {"visit_date": None}
        return {"visit_date": answer.value.isoformat()}

    async def validate_time_slot(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        museum = await museum_info()
        text = str(value or "")
        chosen = text if text in museum.time_slots else slot_for(parse_time(text), museum.time_slots)
        visit = read_visit_date(tracker.get_slot("visit_date"), today()).value
        if chosen is None or visit is None:
            if self._asked(tracker, "time_slot"):
                dispatcher.utter_message(response="utter_slot_invalid")
            return {"time_slot": None}
        left = await ask_bookings(lambda b: b.places_left(visit, chosen, museum.capacity_per_slot))
        if left <= 0:
            dispatcher.utter_message(response="utter_slot_full")
            return {"time_slot": None}
        return {"time_slot": chosen}

    async def validate_ticket_counts(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        museum = await museum_info()
        if isinstance(value, dict):
            counts = {k: v for k, v in value.items()
                      if k in {t.id for t in museum.ticket_types} and isinstance(v, int) and v > 0} or None
        else:
            counts = read_ticket_request(str(value or ""), ticket_kinds_of(museum), museum.ticket_types[0].id,
                                         today()).counts
        if not counts:
            if self._asked(tracker, "ticket_counts") or isinstance(value, dict):
                dispatcher.utter_message(response="utter_counts_invalid")
            return {"ticket_counts": None}
        places = sum(counts.values())
        left = museum.capacity_per_slot or 0
        visit, slot = read_visit_date(tracker.get_slot("visit_date"), today()).value, tracker.get_slot("time_slot")
        if visit is not None and slot in museum.time_slots:
            left = await ask_bookings(lambda b: b.places_left(visit, slot, museum.capacity_per_slot or 0))
        if places > left:
            dispatcher.utter_message(response="utter_counts_too_many", left=left)
            return {"ticket_counts": None}
        return {"ticket_counts": counts}

    async def validate_visitor_name(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        name = normalise_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_name_invalid")
        return {"visitor_name": name}

    async def validate_visitor_phone(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        phone = normalise_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_phone_invalid")
        return {"visitor_phone": phone}


class ActionAskTimeSlot(BaseAction):
    def name(self) -> Text:
        return "action_ask_time_slot"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await museum_info()
        visit = date.fromisoformat(tracker.get_slot("visit_date"))
        choices, buttons = [], []
        for slot in museum.time_slots:
            left = await ask_bookings(lambda b, s=slot: b.places_left(visit, s, museum.capacity_per_slot))
            choices.append(f"{slot} ({left})")
            if left > 0:
                buttons.append({"title": f"{slot} ({left})", "payload": slot})
        dispatcher.utter_message(response="utter_ask_time_slot", slot_choices=", ".join(choices), buttons=buttons)
        return []


class ActionAskTicketCounts(BaseAction):
    def name(self) -> Text:
        return "action_ask_ticket_counts"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await museum_info()
        language = user_language(tracker)
        prices = "\n".join(f"• {t.name_en if language == 'en' and t.name_en else t.name_vi}: "
                           f"{money(t.price_vnd)}" for t in museum.ticket_types if t.price_vnd is not None)
        dispatcher.utter_message(response="utter_ask_ticket_counts", ticket_prices=prices)
        return []


class ActionBookingSummary(BaseAction):
    def name(self) -> Text:
        return "action_booking_summary"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await museum_info()
        language = user_language(tracker)
        counts = tracker.get_slot("ticket_counts") or {}
        total = lines_total(ticket_lines(museum, counts))
        visit = date.fromisoformat(tracker.get_slot("visit_date"))
        online = online_gateway(total) is not None
        # Paying online is one more button: the plain "Confirm" always means paying at the counter.
        buttons = [{"title": label("booking.button.pay_online", language),
                    "payload": payload("affirm", payment_method="vnpay")}] if online else []
        payment = label("booking.payment.counter_or_online" if online else "booking.payment.counter", language)
        # An operator's trial schedule says so, on a line of its own.
        trial_note = "\n" + label("booking.trial_note", language) if museum.trial else ""
        dispatcher.utter_message(
            response="utter_booking_summary", date=visit.strftime("%d/%m/%Y"), slot=tracker.get_slot("time_slot"),
            lines=describe_lines(museum, counts, language), total=money(total), name=tracker.get_slot("visitor_name"),
            phone=tracker.get_slot("visitor_phone"), payment=payment, buttons=buttons, trial_note=trial_note)
        return [SlotSet("booking_draft", uuid.uuid4().hex)]


class ActionConfirmBooking(BaseAction):
    def name(self) -> Text:
        return "action_confirm_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        draft = tracker.get_slot("booking_draft")
        values = {slot: tracker.get_slot(slot) for slot in FORM_SLOTS}
        if not draft or not all(values.values()) or not museum or not museum.bookable():
            dispatcher.utter_message(response="utter_booking_dropped")
            return []
        # Re-validate what the booking rests on: slots can be set by anything a user sends.
        counts = {k: v for k, v in (values["ticket_counts"] or {}).items() if isinstance(v, int) and v > 0}
        phone, name = normalise_phone(values["visitor_phone"]), normalise_name(values["visitor_name"])
        visit = date.fromisoformat(values["visit_date"])
        if not counts or not phone or not name or visit < today() or values["time_slot"] not in museum.time_slots:
            dispatcher.utter_message(response="utter_booking_dropped")
            return [SlotSet("booking_draft", None)]
        lines = tuple(ticket_lines(museum, counts))
        # Online only when asked for, configured, and there is something to pay; anything else is the counter.
        wants_online = next(tracker.get_latest_entity_values("payment_method"), None) == "vnpay"
        online = online_gateway(lines_total(lines)) if wants_online else None
        request = BookingRequest(f"{tracker.sender_id}:{draft}", tracker.sender_id, visit, values["time_slot"],
                                 lines, name, phone, online.name if online else CounterPayment.name)
        outcome = await ask_bookings(lambda b: b.book(request, museum.capacity_per_slot))
        if outcome.booking is None:
            dispatcher.utter_message(response="utter_booking_sold_out", left=outcome.places_left)
            return [SlotSet("time_slot", None), SlotSet("booking_draft", None)]
        booking = outcome.booking
        logger.info("booking %s made by %s", booking.code, pseudonym(tracker.sender_id))
        date_text = booking.visit_date.strftime("%d/%m/%Y")
        if booking.status == PENDING_PAYMENT and online:
            start = online.start(booking.code, booking.total_vnd, f"Ve bao tang Quang Ninh {booking.code}",
                                 server_ip(), datetime.now(VIETNAM))
            dispatcher.utter_message(response="utter_booking_pay_online", code=booking.code, date=date_text,
                                     slot=booking.slot, total=money(booking.total_vnd), url=start.url,
                                     minutes=int(PAYMENT_HOLD.total_seconds() // 60),
                                     json_message={"payment_url": start.url, "booking_code": booking.code})
            return [SlotSet("booking_code", booking.code), SlotSet("booking_draft", None)]
        dispatcher.utter_message(response="utter_booking_confirmed", code=booking.code, date=date_text,
                                 slot=booking.slot, total=money(booking.total_vnd), json_message=e_ticket(booking.code))
        return [SlotSet("booking_code", booking.code), SlotSet("booking_draft", None)]


class ActionChangeBooking(BaseAction):
    """Change the booking being made without starting over. A new value said with the request ("đổi sang
    thứ 7", "thêm 1 trẻ em") is put in its slot and the form opens again, which validates it like any answer
    and asks what is missing; a field named alone ("đổi ngày", or the summary's button) is asked again."""

    def name(self) -> Text:
        return "action_change_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        in_form = (tracker.active_loop or {}).get("name") == "ticket_form"
        if not in_form and not any(tracker.get_slot(slot) for slot in FORM_SLOTS):
            dispatcher.utter_message(response="utter_no_booking_to_change")
            return []
        museum = await museum_info()
        # In the form, an answer that reads like a change ("thứ 7 tuần sau" when asked the day) is that answer.
        change = read_booking_change(latest_text(tracker), ticket_kinds_of(museum), museum.ticket_types[0].id,
                                     today(), tracker.get_slot("ticket_counts"))
        button_field = next(tracker.get_latest_entity_values("booking_field"), None)
        asked = button_field if button_field in FORM_SLOTS else change.ask
        events: List[Dict] = []
        for slot, value in change.values.items():
            if isinstance(value, DateAnswer):  # the form explains a lunar or impossible date from the text
                value = value.value.isoformat() if value.value else latest_text(tracker)
            elif isinstance(value, TimeAnswer):
                value = latest_text(tracker)
            events.append(SlotSet(slot, value))
        requested = tracker.get_slot("requested_slot") if in_form else None
        if asked and asked not in change.values and asked != requested:
            events.append(SlotSet(asked, None))
        elif requested and not change.values and not latest_text(tracker).startswith("/"):
            # In the form, what reads like a change but changes nothing else ("-5" when asked how many tickets)
            # is the answer to the form's question: the form checks it and says what is wrong.
            events.append(SlotSet(requested, latest_text(tracker)))
        if not events:
            dispatcher.utter_message(response="utter_ask_booking_field")
            return []
        # Reopening the form makes it validate every slot it holds, the changed ones included; in the form, the
        # question it was asking stays the one it asks (and validates as asked).
        return [*events, SlotSet("booking_draft", None), *([] if in_form else [SlotSet("requested_slot", None)]),
                ActiveLoop(None), FollowupAction("ticket_form")]


class ActionDropBooking(BaseAction):
    def name(self) -> Text:
        return "action_drop_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        dispatcher.utter_message(response="utter_booking_dropped")
        return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "booking_draft", "requested_slot")]


class BookingLookup(BaseAction):
    """Shared: which of this chat user's bookings the message means. Nobody sees another user's booking."""

    async def target(self, tracker: Tracker, dispatcher: CollectingDispatcher, intent: str):
        typed = next(tracker.get_latest_entity_values("booking_code"), None) or tracker.get_slot("booking_code")
        code = normalise_code(typed or "")
        mine = await ask_bookings(lambda b: b.for_sender(tracker.sender_id))
        if code:
            found = next((b for b in mine if b.code == code), None)
            if found is None:
                dispatcher.utter_message(response="utter_booking_not_found", code=code)
            return found
        if not mine:
            dispatcher.utter_message(response="utter_no_bookings")
            return None
        if len(mine) == 1:
            return mine[0]
        dispatcher.utter_message(response="utter_ask_booking_code", buttons=[
            {"title": f"{b.code} ({b.visit_date:%d/%m})", "payload": payload(intent, booking_code=b.code)}
            for b in mine])
        return None


class ActionCheckBooking(BookingLookup):
    def name(self) -> Text:
        return "action_check_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        booking = await self.target(tracker, dispatcher, "check_booking")
        if booking is not None:
            status = label(f"booking.status.{booking.status}", user_language(tracker))
            # A valid ticket comes with its e-ticket again: a lost QR, or one just paid for online.
            valid = booking.status in (CONFIRMED, PAID) and booking.used_at is None
            dispatcher.utter_message(response="utter_booking_details", code=booking.code,
                                     date=booking.visit_date.strftime("%d/%m/%Y"), slot=booking.slot,
                                     places=booking.places, total=money(booking.total_vnd),
                                     status=status,
                                     json_message=e_ticket(booking.code) if valid else None)
        return []


class ActionCancelBooking(BookingLookup):
    def name(self) -> Text:
        return "action_cancel_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        booking = await self.target(tracker, dispatcher, "cancel_booking")
        if booking is None:
            return []
        if museum and museum.cancellation_hours_before is not None:
            start = datetime.combine(booking.visit_date, datetime.strptime(booking.slot[:5], "%H:%M").time(),
                                     tzinfo=VIETNAM)
            if start - datetime.now(VIETNAM) < timedelta(hours=museum.cancellation_hours_before):
                dispatcher.utter_message(response="utter_cancel_not_possible", code=booking.code)
                self.say_rule(dispatcher, museum)
                return []
        cancelled = await ask_bookings(lambda b: b.cancel(booking.code, tracker.sender_id))
        dispatcher.utter_message(response="utter_booking_cancelled" if cancelled else "utter_cancel_not_possible",
                                 code=booking.code)
        self.say_rule(dispatcher, museum)
        return [SlotSet("booking_code", None)]

    @staticmethod
    def say_rule(dispatcher: CollectingDispatcher, museum: MuseumInfo | None) -> None:
        """The museum's refund rule as staff wrote it, or that none is confirmed: a message of its own, so that
        the staff page counts the missing rule (bot/insight) like any fact the knowledge files lack."""
        if museum and museum.cancellation_rule:
            dispatcher.utter_message(response="utter_cancellation_rule", rule=museum.cancellation_rule)
        else:
            dispatcher.utter_message(response="utter_cancellation_rule_unknown")
