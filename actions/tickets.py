"""Museum tickets: the booking form, summary, confirmation with an e-ticket, look-up and cancellation.

Every slot is validated as if typed (a button payload is typed text too); prices and capacity come from the
knowledge base, never from the conversation.
"""
from __future__ import annotations

import asyncio
import logging
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import (
    BaseAction, ask_knowledge, latest_text, money, response_text, user_language, weekday_name,
)
from actions.core import format_contact
from bot.knowledge.repository import MuseumInfo
from bot.privacy import pseudonym
from bot.settings import Settings, ticket_secret
from bot.tickets.codes import normalise_code
from bot.tickets.dates import parse_visit_date
from bot.tickets.parsing import (
    booking_field_in, normalise_name, normalise_phone, parse_ticket_counts, ticket_kinds,
)
from bot.tickets.payments import CounterPayment, VnpayGateway, configured_gateway, server_ip
from bot.tickets.models import CONFIRMED, PAID, PENDING_PAYMENT
from bot.tickets.repository import (
    PAYMENT_HOLD, BookingRequest, TicketLine, booking_repository,
)
from bot.tickets.signing import sign_ticket

logger = logging.getLogger(__name__)
VIETNAM = timezone(timedelta(hours=7))
Domain = Dict[Text, Any]
FORM_SLOTS = ("visit_date", "time_slot", "ticket_counts", "visitor_name", "visitor_phone")
FREE_TEXT_SLOTS = ("visitor_name", "visitor_phone")
# Messages that ask something else are not answers to the form's question: the form lets the rules
# answer them (Rasa's unhappy path), and "no" leaves the form.
NOT_AN_ANSWER = {"deny", "change_booking", "check_booking", "cancel_booking", "help", "request_human",
                 "bot_challenge", "goodbye", "ask_opening_hours", "ask_ticket_price", "ask_place_info",
                 "ask_place_location", "find_places", "ask_procedure", "ask_procedure_documents",
                 "ask_procedure_fee", "ask_processing_time"}


async def ask_bookings(query):
    return await asyncio.to_thread(query, booking_repository(Settings.from_env().database_url))


def today() -> date:
    return datetime.now(VIETNAM).date()


def slot_key(text: str) -> str:
    """"8h-10h", "08:00 - 10:00", "8:00" -> comparable "08:00"-style start."""
    match = re.search(r"(\d{1,2})\s*(?:h|:|g)\s*(\d{2})?", text or "")
    return f"{int(match.group(1)):02d}:{match.group(2) or '00'}" if match else ""


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
    return {"ticket_qr": sign_ticket(code, ticket_secret(Settings.from_env())), "booking_code": code}


async def official_contacts(language: str) -> str:
    contacts = await ask_knowledge(lambda kb: kb.contacts("museum"))
    return "\n".join(format_contact(c, language) for c in contacts if c.topic in ("museum", "general")) or "-"


class ActionStartBooking(BaseAction):
    def name(self) -> Text:
        return "action_start_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        if museum is None or not museum.bookable():
            dispatcher.utter_message(response="utter_booking_unavailable",
                                     contacts=await official_contacts(user_language(tracker)))
            return []
        # A new booking starts from scratch; the form then asks what the first message did not say.
        return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "booking_draft")] + [FollowupAction("ticket_form")]


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    @staticmethod
    def _answering(tracker: Tracker, slot: str) -> bool:
        if tracker.get_slot("requested_slot") != slot:
            return False
        intent = (tracker.latest_message or {}).get("intent", {})
        if slot in FREE_TEXT_SLOTS:  # a name or a number: what NLU makes of it means nothing, but "no" does,
            # and so does "change the date" (when it names a field: a name is never "đổi ngày")
            confident = (intent.get("confidence") or 0) >= 0.9
            changing = intent.get("name") == "change_booking" and booking_field_in(latest_text(tracker)) is not None
            return not (confident and (intent.get("name") == "deny" or changing))
        return intent.get("name") not in NOT_AN_ANSWER

    @staticmethod
    def _first_turn(tracker: Tracker) -> bool:
        """The message that opened the form: nothing has been asked yet."""
        return tracker.get_slot("requested_slot") is None

    async def extract_visit_date(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = latest_text(tracker)
        if self._answering(tracker, "visit_date"):
            return {"visit_date": text}
        if self._first_turn(tracker) and parse_visit_date(text, today()).value:
            return {"visit_date": text}
        return {}

    async def extract_ticket_counts(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text = latest_text(tracker)
        if self._answering(tracker, "ticket_counts"):
            return {"ticket_counts": text}
        if self._first_turn(tracker):
            museum = await ask_knowledge(lambda kb: kb.museum())
            kinds = ticket_kinds([(t.id, t.name_vi, t.name_en) for t in museum.ticket_types])
            without_date = text.replace(str(parse_visit_date(text, today()).value or ""), "")
            counts = parse_ticket_counts(" ".join(w for w in without_date.split() if "/" not in w), kinds,
                                         museum.ticket_types[0].id)
            return {"ticket_counts": text} if counts else {}
        return {}

    def _requested_text(self, tracker: Tracker, slot: str) -> Dict[Text, Any]:
        return {slot: latest_text(tracker)} if self._answering(tracker, slot) else {}

    async def extract_time_slot(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._requested_text(tracker, "time_slot")

    async def extract_visitor_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._requested_text(tracker, "visitor_name")

    async def extract_visitor_phone(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._requested_text(tracker, "visitor_phone")

    async def validate_visit_date(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":  # already validated (ISO)
            try:
                return {"visit_date": date.fromisoformat(value).isoformat()}
            except ValueError:
                pass
        answer = parse_visit_date(str(value or ""), today())
        if answer.value is None:
            dispatcher.utter_message(response="utter_date_lunar" if answer.problem == "lunar" else "utter_date_unknown")
            return {"visit_date": None}
        if answer.value < today():
            dispatcher.utter_message(response="utter_date_past")
            return {"visit_date": None}
        museum = await ask_knowledge(lambda kb: kb.museum())
        if museum.open_on(answer.value.weekday()) is False:
            dispatcher.utter_message(response="utter_date_closed",
                                     day=weekday_name(domain, answer.value.weekday(), user_language(tracker)))
            return {"visit_date": None}
        return {"visit_date": answer.value.isoformat()}

    async def validate_time_slot(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        wanted = slot_key(str(value or ""))
        chosen = next((s for s in museum.time_slots if slot_key(s) == wanted), None)
        if chosen is None:
            dispatcher.utter_message(response="utter_slot_invalid")
            return {"time_slot": None}
        visit = date.fromisoformat(tracker.get_slot("visit_date"))
        left = await ask_bookings(lambda b: b.places_left(visit, chosen, museum.capacity_per_slot))
        if left <= 0:
            dispatcher.utter_message(response="utter_slot_full")
            return {"time_slot": None}
        return {"time_slot": chosen}

    async def validate_ticket_counts(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        kinds = ticket_kinds([(t.id, t.name_vi, t.name_en) for t in museum.ticket_types])
        if isinstance(value, dict):
            counts = {k: v for k, v in value.items()
                      if k in {t.id for t in museum.ticket_types} and isinstance(v, int) and v > 0} or None
        else:
            text = " ".join(w for w in str(value or "").split() if "/" not in w)
            counts = parse_ticket_counts(text, kinds, museum.ticket_types[0].id)
        if not counts:
            dispatcher.utter_message(response="utter_counts_invalid")
            return {"ticket_counts": None}
        places = sum(counts.values())
        left = museum.capacity_per_slot
        if tracker.get_slot("time_slot") and tracker.get_slot("visit_date"):
            visit, slot = date.fromisoformat(tracker.get_slot("visit_date")), tracker.get_slot("time_slot")
            left = await ask_bookings(lambda b: b.places_left(visit, slot, museum.capacity_per_slot))
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
        museum = await ask_knowledge(lambda kb: kb.museum())
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
        museum = await ask_knowledge(lambda kb: kb.museum())
        language = user_language(tracker)
        prices = "\n".join(f"• {t.name_en if language == 'en' and t.name_en else t.name_vi}: "
                           f"{money(t.price_vnd)}" for t in museum.ticket_types if t.price_vnd is not None)
        dispatcher.utter_message(response="utter_ask_ticket_counts", ticket_prices=prices)
        return []


class ActionBookingSummary(BaseAction):
    def name(self) -> Text:
        return "action_booking_summary"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        language = user_language(tracker)
        counts = tracker.get_slot("ticket_counts") or {}
        total = lines_total(ticket_lines(museum, counts))
        visit = date.fromisoformat(tracker.get_slot("visit_date"))
        online = online_gateway(total) is not None
        # Paying online is one more button: the plain "Confirm" always means paying at the counter.
        buttons = [{"title": response_text(domain, "utter_label_pay_online", language),
                    "payload": '/affirm{"payment_method": "vnpay"}'}] if online else []
        payment = response_text(domain, "utter_payment_counter_or_online" if online else "utter_payment_counter",
                                language)
        dispatcher.utter_message(
            response="utter_booking_summary", date=visit.strftime("%d/%m/%Y"), slot=tracker.get_slot("time_slot"),
            lines=describe_lines(museum, counts, language), total=money(total), name=tracker.get_slot("visitor_name"),
            phone=tracker.get_slot("visitor_phone"), payment=payment, buttons=buttons)
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
        language = user_language(tracker)
        payment = (response_text(domain, "utter_pay_at_counter", language) or "").format(total=money(booking.total_vnd))
        dispatcher.utter_message(response="utter_booking_confirmed", code=booking.code, date=date_text,
                                 slot=booking.slot, payment=payment, json_message=e_ticket(booking.code))
        return [SlotSet("booking_code", booking.code), SlotSet("booking_draft", None)]


class ActionChangeBooking(BaseAction):
    """Change one field of the booking being made without starting over: clear it; the form asks it again.
    The field comes from the summary's button or from the words typed ("đổi ngày", "sđt sai rồi")."""

    def name(self) -> Text:
        return "action_change_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        if not any(tracker.get_slot(slot) for slot in FORM_SLOTS):
            dispatcher.utter_message(response="utter_no_booking_to_change")
            return []
        field = next(tracker.get_latest_entity_values("booking_field"), None)
        if field not in FORM_SLOTS:
            field = booking_field_in(latest_text(tracker))
        if field is None:
            dispatcher.utter_message(response="utter_ask_booking_field")
            return []
        cleared = [field, "time_slot"] if field == "visit_date" else [field]  # places left depend on the day
        return [SlotSet(slot, None) for slot in cleared] + [SlotSet("booking_draft", None),
                                                             FollowupAction("ticket_form")]


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
            {"title": f"{b.code} ({b.visit_date:%d/%m})", "payload": f'/{intent}{{"booking_code": "{b.code}"}}'}
            for b in mine])
        return None


class ActionCheckBooking(BookingLookup):
    def name(self) -> Text:
        return "action_check_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        booking = await self.target(tracker, dispatcher, "check_booking")
        if booking is not None:
            status = response_text(domain, f"utter_label_status_{booking.status}", user_language(tracker))
            # A valid ticket comes with its e-ticket again: a lost QR, or one just paid for online.
            valid = booking.status in (CONFIRMED, PAID) and booking.used_at is None
            dispatcher.utter_message(response="utter_booking_details", code=booking.code,
                                     date=booking.visit_date.strftime("%d/%m/%Y"), slot=booking.slot,
                                     places=booking.places, total=money(booking.total_vnd),
                                     status=status or booking.status,
                                     json_message=e_ticket(booking.code) if valid else None)
        return []


class ActionCancelBooking(BookingLookup):
    def name(self) -> Text:
        return "action_cancel_booking"

    async def perform(self, dispatcher, tracker, domain) -> List[Dict]:
        museum = await ask_knowledge(lambda kb: kb.museum())
        rule = (museum.cancellation_rule if museum else None) or \
            response_text(domain, "utter_cancellation_rule_unknown", user_language(tracker))
        booking = await self.target(tracker, dispatcher, "cancel_booking")
        if booking is None:
            return []
        if museum and museum.cancellation_hours_before is not None:
            start = datetime.combine(booking.visit_date, datetime.strptime(booking.slot[:5], "%H:%M").time(),
                                     tzinfo=VIETNAM)
            if start - datetime.now(VIETNAM) < timedelta(hours=museum.cancellation_hours_before):
                dispatcher.utter_message(response="utter_cancel_not_possible", code=booking.code, rule=rule)
                return []
        cancelled = await ask_bookings(lambda b: b.cancel(booking.code, tracker.sender_id))
        response = "utter_booking_cancelled" if cancelled else "utter_cancel_not_possible"
        dispatcher.utter_message(response=response, code=booking.code, rule=rule)
        return [SlotSet("booking_code", None)]
