"""What the bot sends first, and to whom: each notice exactly once however many jobs or callbacks run at once;
reminders only for valid tickets of visitors who did not turn them off, from the reminder time the day before
until the visit; a channel's refusal counted and never tried again."""
from __future__ import annotations

import asyncio
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta, timezone

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.notifications.jobs import run_once
from bot.notifications.models import EXPIRED, FAILED, REFUSED, REMINDER, SENT, TICKET
from bot.notifications.push import PushOutcome, RasaTrigger
from bot.notifications.store import VIETNAM, Claimed, NoticeStore, channel_of
from bot.settings import Settings
from bot.tickets.models import Booking
from bot.tickets.payments import VnpayGateway, vnpay_ipn, vnpay_signature
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine

SETTINGS = Settings.from_env({"QN_REMINDER_TIME": "18:00"})
VISIT = date(2026, 12, 5)
_keys = itertools.count()


def book(repository: BookingRepository, sender: str, visit: date = VISIT, slot: str = "10:00-12:00",
         method: str = "counter", made: datetime | None = None, status: str | None = None,
         used: bool = False) -> str:
    made = (made or datetime.combine(visit - timedelta(days=3), time(9), tzinfo=VIETNAM)).astimezone(timezone.utc)
    request = BookingRequest(f"k{next(_keys)}", sender, visit, slot, (TicketLine("adult", 2, 40000),), "Nguyễn Văn An",
                             "0912345678", method)
    code = repository.book(request, 10**6, now=made).booking.code
    values: dict = {}
    if status:
        values["status"] = status
    if status == "paid":
        values["paid_at"] = made
    if used:
        values["used_at"] = made
    if values:
        with Session(repository._engine, future=True) as session, session.begin():
            session.execute(update(Booking).where(Booking.code == code).values(**values))
    return code


class RecordingTrigger(RasaTrigger):
    """Rasa's trigger-intent API as the job sees it, recording every push (slowly, so that runs overlap)."""

    def __init__(self, outcomes: dict[str, str] | None = None):
        super().__init__("http://rasa.invalid")
        self.pushed: list[tuple[str, str, str]] = []
        self.outcomes = outcomes or {}
        self._lock = threading.Lock()

    async def push(self, http: httpx.AsyncClient, claimed: Claimed) -> PushOutcome:
        await asyncio.sleep(0.05)
        with self._lock:
            self.pushed.append((claimed.booking.code, claimed.kind, claimed.channel))
        return PushOutcome(self.outcomes.get(claimed.booking.code, SENT), "test")


def run(repository: BookingRepository, trigger: RecordingTrigger, now: datetime):
    return asyncio.run(run_once(SETTINGS, now, trigger, repository, NoticeStore(repository._engine)))


def test_two_jobs_at_once_send_each_reminder_expiry_and_missed_ticket_once(repository):
    now = datetime.combine(VISIT - timedelta(days=1), time(18, 5), tzinfo=VIETNAM)
    reminded = [book(repository, f"telegram-{100 + i}") for i in range(5)]
    expired = [book(repository, f"zalo-{200 + i}", method="vnpay", made=now - timedelta(minutes=45))
               for i in range(2)]
    paid = book(repository, "web-visitor", method="vnpay", made=now - timedelta(minutes=5), status="paid")
    trigger = RecordingTrigger()
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: run(repository, trigger, now), range(2)))
    expected = {(c, REMINDER, "telegram") for c in reminded} | {(c, EXPIRED, "zalo") for c in expired} \
        | {(paid, TICKET, "rest")}
    assert sorted(trigger.pushed) == sorted(expected)  # each once, between them
    assert sum(sum(r.claimed.values()) for r in reports) == len(expected)
    assert run(repository, trigger, now + timedelta(minutes=1)).claimed == {}  # and never again
    assert len(trigger.pushed) == len(expected)


def test_a_refusal_is_counted_and_final_a_failure_to_reach_rasa_is_tried_three_times(repository):
    now = datetime.combine(VISIT - timedelta(days=1), time(19), tzinfo=VIETNAM)
    blocked, unreachable = book(repository, "telegram-7"), book(repository, "zalo-8")
    trigger = RecordingTrigger({blocked: REFUSED, unreachable: FAILED})
    for minute in range(5):
        run(repository, trigger, now + timedelta(minutes=minute))
    assert [code for code, _, _ in trigger.pushed].count(blocked) == 1
    assert [code for code, _, _ in trigger.pushed].count(unreachable) == 3
    counts = NoticeStore(repository._engine).counts()
    assert counts[(REMINDER, "telegram", REFUSED)] == 1 and counts[(REMINDER, "zalo", FAILED)] == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from(["confirmed", "paid", "cancelled", "expired", "pending_payment"]),
       used=st.booleans(), opted_out=st.booleans(), minutes=st.integers(-24 * 60, 2 * 24 * 60),
       reminder=st.tuples(st.integers(0, 23), st.sampled_from([0, 30])),
       slot=st.sampled_from(["08:00-10:00", "14:00-16:00"]), made_days_before=st.sampled_from([0, 1, 5]))
def test_a_reminder_is_due_only_for_a_valid_ticket_from_the_reminder_time_until_the_visit(
        sqlite_repository, status, used, opted_out, minutes, reminder, slot, made_days_before):
    store = NoticeStore(sqlite_repository._engine)
    sender = f"telegram-{next(_keys)}"
    due = datetime.combine(VISIT - timedelta(days=1), time(*reminder), tzinfo=VIETNAM)
    made = datetime.combine(VISIT - timedelta(days=made_days_before), time(7), tzinfo=VIETNAM)
    code = book(sqlite_repository, sender, slot=slot, made=made, status=status, used=used)
    if opted_out:
        store.opt_out(sender)
    now = due + timedelta(minutes=minutes)
    starts = datetime.combine(VISIT, time(int(slot[:2])), tzinfo=VIETNAM)
    valid = status in ("confirmed", "paid") and not used and not opted_out
    expected = valid and due <= now < starts and made < due
    assert (code in {b.code for b in store.due_reminders(now, reminder)}) == expected


def test_a_hundred_callbacks_at_once_mark_a_booking_paid_by_exactly_one(repository):
    gateway = VnpayGateway("TESTTMN1", "TESTSECRETTESTSECRETTESTSECRET12", "https://bot.example/return")
    code = book(repository, "telegram-42", method="vnpay", made=datetime.now(timezone.utc))
    params = {"vnp_TxnRef": code, "vnp_Amount": "8000000", "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
              "vnp_TmnCode": gateway.tmn_code, "vnp_TransactionNo": "1"}
    params["vnp_SecureHash"] = vnpay_signature(params, gateway.hash_secret)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: vnpay_ipn(params, gateway, repository), range(100)))
    assert [r.paid_now for r in results if r.paid_now] == [code]
    assert {r.answer["RspCode"] for r in results} <= {"00", "02"}


def test_the_channel_is_read_from_the_conversation_id_the_channels_give():
    assert channel_of("telegram-123456") == "telegram" and channel_of("telegram--100123") == "telegram"
    assert channel_of("zalo-2468458835291979") == "zalo"
    assert channel_of("telegram-abc") == channel_of("web-1") == channel_of("zalo") == "rest"


def test_messages_waiting_for_a_rest_visitor_are_handed_out_once(sqlite_repository):
    store = NoticeStore(sqlite_repository._engine)
    store.keep_replies("web-1", [{"text": "một"}, {"custom": {"ticket_qr": "QNT1.x"}}])
    store.keep_replies("web-2", [{"text": "other"}])
    assert store.take_replies("web-1") == [{"text": "một"}, {"custom": {"ticket_qr": "QNT1.x"}}]
    assert store.take_replies("web-1") == []
    assert store.take_replies("web-2") == [{"text": "other"}]


def test_turns_the_bot_started_are_not_counted_as_visitors_messages_on_the_staff_page():
    from bot.insight.turns import TurnAssembler, split_turns

    def user(text: str, intent: str, external: bool = False) -> dict:
        return {"event": "user", "sender_id": "telegram-1", "text": text, "timestamp": 1.0,
                "metadata": {"is_external": True} if external else {},
                "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}

    def action(name: str) -> dict:
        return {"event": "action", "sender_id": "telegram-1", "name": name, "timestamp": 2.0}

    events = [user("xin chào", "greet"), action("utter_greet"), action("action_listen"),
              user("EXTERNAL: EXTERNAL_ticket_paid", "EXTERNAL_ticket_paid", external=True),
              action("action_ticket_paid"),
              {"event": "bot", "sender_id": "telegram-1", "text": "Đã nhận thanh toán", "timestamp": 2.0},
              action("action_listen"), user("cảm ơn", "thank"), action("utter_thank"), action("action_listen")]
    complete, _ = split_turns(events)
    assert [turn[0]["text"] for turn in complete] == ["xin chào", "cảm ơn"]
    assembler = TurnAssembler()
    assert [t.intent for t in (assembler.add(e) for e in events) if t is not None] == ["greet", "thank"]
