"""Messages the bot sends first, through the running bot and the local fakes of Telegram, Zalo and VNPAY: a
verified payment's e-ticket arrives by itself on the channel the booking was made from, once, however often
VNPAY repeats its callback; the notification job, run twice at once, reminds each valid ticket once, tells an
expired hold, and respects what each channel allows."""
from __future__ import annotations

import itertools
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import get_engine
from bot.notifications.store import VIETNAM, NoticeStore
from bot.settings import PROJECT_ROOT
from bot.tickets.models import Booking
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine
from tests.conversations.conftest import VENV_BIN, VNPAY_TMN_CODE
from tests.conversations.fake_apis import wait_for_quiet
from tests.conversations.test_channels import (
    decode_qr,
    keyboard,
    method,
    new_chat,
    new_zalo_user,
    telegram_turn,
    zalo_turn,
)
from tests.conversations.test_ticket_conversation import a_day_ahead, new_user, text_of, vnpay_callback

REPEATS = 100  # VNPAY's callback, repeated (and concurrent): one e-ticket all the same
# A day and slot of their own: the running bot's bookings are shared by every conversation test, and the ticket
# tests count the places left in theirs.
PAID_DAY = a_day_ahead(24)
BOOKING = (f"đặt 2 vé người lớn ngày {PAID_DAY.day} tháng {PAID_DAY.month}", "14:00-16:00")


@pytest.fixture(scope="module")
def bridge(telegram):
    """The running bot's Telegram bridge (conftest.py's, shared with test_channels.py)."""
    return telegram


def bookings(running_bot) -> BookingRepository:
    return BookingRepository(get_engine(running_bot.database_url))


def notices(running_bot) -> NoticeStore:
    return NoticeStore(get_engine(running_bot.database_url))


def pay_repeatedly(running_bot, code: str) -> float:
    """VNPAY's IPN for `code`, REPEATS times, 20 at once; returns when the first was sent (time.monotonic)."""
    paid = {"vnp_TxnRef": code, "vnp_Amount": "8000000", "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
            "vnp_TmnCode": VNPAY_TMN_CODE, "vnp_TransactionNo": "14226112"}
    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: vnpay_callback(running_bot, "ipn", paid)["RspCode"], range(REPEATS)))
    assert set(answers) <= {"00", "02"} and "00" in answers
    assert bookings(running_bot).get(code).status == "paid"
    return started


def ticket_photos(calls, code: str) -> list:
    return [c for c in calls if method(c) == "sendPhoto" and c.params.get("caption") == code]


def test_a_payment_made_from_telegram_sends_the_e_ticket_there_once(running_bot, bookable, bridge):
    chat = new_chat()
    for text in (*BOOKING, "Lê Thị Hoa"):
        telegram_turn(bridge, chat, text=text)
    summary = telegram_turn(bridge, chat, text="0912345678")
    pay = next(b for c in summary for b in keyboard(c) if "VNPAY" in b["text"])
    held = telegram_turn(bridge, chat, callback_data=pay["callback_data"])
    assert "Đã giữ chỗ" in held[0].params["text"]
    [booking] = bookings(running_bot).for_sender(f"telegram-{chat}")
    before = len(running_bot.apis.telegram_sent(chat))

    started = pay_repeatedly(running_bot, booking.code)
    wait_for_quiet(lambda: len(running_bot.apis.telegram_sent(chat)), at_least=before + 2, quiet=2.0)
    pushed = running_bot.apis.telegram_sent(chat)[before:]
    assert [method(c) for c in pushed] == ["sendMessage", "sendPhoto"]  # the confirmation, then the QR: once
    assert "Đã nhận thanh toán 80.000 đ" in pushed[0].params["text"] and booking.code in pushed[0].params["text"]
    assert decode_qr(pushed[1].files["photo"]).startswith("QNT1.")
    print(f"Telegram: e-ticket in the chat {pushed[1].at - started:.2f} s after the IPN")
    assert notices(running_bot).notices_of(booking.code) == {"ticket": "sent"}
    # The turn is in the conversation like any other: the visitor goes on from there.
    reply = telegram_turn(bridge, chat, text=f"xem vé {booking.code}")
    assert "đã thanh toán" in reply[0].params["text"]


def test_a_payment_made_from_zalo_sends_the_e_ticket_there_once(running_bot, bookable):
    user = new_zalo_user()
    for text in (*BOOKING, "Lê Thị Hoa"):
        zalo_turn(running_bot, user, text)
    summary = zalo_turn(running_bot, user, "0912345678")
    pay = next(b for c in summary for b in c.params["message"].get("attachment", {}).get("payload", {})
               .get("buttons", []) if "VNPAY" in b["title"])
    zalo_turn(running_bot, user, pay["payload"])
    [booking] = bookings(running_bot).for_sender(f"zalo-{user}")
    before, uploads = len(running_bot.apis.zalo_sent(user)), len(running_bot.apis.zalo_uploads())

    started = pay_repeatedly(running_bot, booking.code)
    wait_for_quiet(lambda: len(running_bot.apis.zalo_sent(user)), at_least=before + 2, quiet=2.0)
    pushed = running_bot.apis.zalo_sent(user)[before:]
    assert len(pushed) == 2 and "Đã nhận thanh toán" in pushed[0].params["message"]["text"]
    assert pushed[1].params["message"]["attachment"]["payload"]["template_type"] == "media"
    [upload] = running_bot.apis.zalo_uploads()[uploads:]
    assert decode_qr(upload.files["file"]).startswith("QNT1.")
    print(f"Zalo: e-ticket in the chat {pushed[1].at - started:.2f} s after the IPN")


def test_a_payment_made_from_the_web_waits_for_the_visitors_next_request_once(running_bot, bookable):
    user = new_user()
    for text in (*BOOKING, "Lê Thị Hoa"):
        running_bot.say(user, text)
    summary = running_bot.say(user, "0912345678")[-1]
    running_bot.say(user, next(b for b in summary["buttons"] if "VNPAY" in b["title"])["payload"])
    [booking] = bookings(running_bot).for_sender(user)
    pay_repeatedly(running_bot, booking.code)
    wait_for_quiet(lambda: len(notices(running_bot).notices_of(booking.code)), quiet=0.5)
    assert notices(running_bot).notices_of(booking.code) == {"ticket": "sent"}

    replies = running_bot.say(user, "cảm ơn")
    assert "Đã nhận thanh toán" in replies[0]["text"]  # first what the bot sent meanwhile, then the answer
    ticket = next(r["custom"] for r in replies if r.get("custom"))
    assert ticket["booking_code"] == booking.code and ticket["ticket_qr"].startswith("QNT1.")
    assert len(replies) > 2
    assert "Đã nhận thanh toán" not in text_of(running_bot.say(user, "cảm ơn"))  # handed over once


# --- the notification job: reminders, expired holds, channel limits ----------------------------------------

_keys = itertools.count()


def booked(running_bot, sender: str, *, tomorrow: bool = True, method: str = "counter", status: str | None = None,
           made_ago: timedelta = timedelta(days=3)) -> str:
    """A booking of `sender` (a conversation that has talked to the bot), for tomorrow, made `made_ago`."""
    today = datetime.now(VIETNAM).date()
    visit = today + timedelta(days=1 if tomorrow else 12)
    request = BookingRequest(f"notify-{os.getpid()}-{next(_keys)}", sender, visit, "14:00-16:00",
                             (TicketLine("adult", 2, 40000),), "Nguyễn Văn An", "0912345678", method)
    code = bookings(running_bot).book(request, 10**6, now=datetime.now(timezone.utc) - made_ago).booking.code
    if status:
        with Session(get_engine(running_bot.database_url), future=True) as session, session.begin():
            values = {"status": status} if status != "used" else {"used_at": datetime.now(timezone.utc)}
            session.execute(update(Booking).where(Booking.code == code).values(**values))
    return code


def notify(running_bot, count: int = 2) -> list[str]:
    """`qn-staff notify`, `count` of them at once (replicas of the job), against the running bot."""
    env = {**running_bot.env, "QN_REMINDER_TIME": "00:00"}
    jobs = [subprocess.Popen([str(VENV_BIN / "qn-staff"), "notify"], cwd=PROJECT_ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(count)]
    outputs = [job.communicate(timeout=120)[0] for job in jobs]
    assert all(job.returncode == 0 for job in jobs), outputs
    return outputs


@pytest.fixture(scope="module")
def visitors(running_bot, bookable, bridge):
    """Visitors who talked to the bot on Telegram and Zalo, with their bookings; then two notification jobs at
    once, then one more."""
    apis = running_bot.apis
    chats = {name: new_chat() for name in ("reminded", "opted_out", "cancelled", "used", "blocked", "expired")}
    for name, chat in chats.items():
        telegram_turn(bridge, chat, text="tắt nhắc nhở" if name == "opted_out" else "xin chào")
    zalo = {name: new_zalo_user() for name in ("in_window", "outside_window", "refused")}
    for user in zalo.values():
        zalo_turn(running_bot, user, "xin chào")
    codes = {name: booked(running_bot, f"telegram-{chat}") for name, chat in chats.items()
             if name not in ("cancelled", "used", "expired")}
    codes["cancelled"] = booked(running_bot, f"telegram-{chats['cancelled']}", status="cancelled")
    codes["used"] = booked(running_bot, f"telegram-{chats['used']}", status="used")
    codes["expired"] = booked(running_bot, f"telegram-{chats['expired']}", tomorrow=False, method="vnpay",
                              made_ago=timedelta(minutes=45))
    codes |= {name: booked(running_bot, f"zalo-{user}") for name, user in zalo.items()}
    apis.telegram_blocked.add(chats["blocked"])
    apis.zalo_outside_window.update({zalo["outside_window"], zalo["refused"]})
    apis.zalo_no_transaction.add(zalo["refused"])
    before = {name: len(apis.telegram_sent(chat)) for name, chat in chats.items()}
    before |= {name: len(apis.zalo_sent(user)) for name, user in zalo.items()}
    sent = lambda: sum(len(apis.telegram_sent(c)) for c in chats.values()) + sum(  # noqa: E731
        len(apis.zalo_sent(u)) + len(apis.zalo_transactions(u)) for u in zalo.values())
    outputs = notify(running_bot, 2)
    wait_for_quiet(sent, quiet=1.0)
    outputs += notify(running_bot, 1)  # a later run finds nothing more to send
    wait_for_quiet(sent, quiet=1.0)
    return {"chats": chats, "zalo": zalo, "codes": codes, "before": before, "outputs": outputs}


def telegram_since(running_bot, visitors, name: str) -> list:
    return running_bot.apis.telegram_sent(visitors["chats"][name])[visitors["before"][name]:]


def test_two_jobs_at_once_send_one_reminder_with_the_slot_address_map_and_e_ticket(running_bot, visitors):
    code = visitors["codes"]["reminded"]
    sent = telegram_since(running_bot, visitors, "reminded")
    assert [method(c) for c in sent] == ["sendMessage", "sendPhoto"]
    text = sent[0].params["text"]
    assert "Nhắc lịch tham quan" in text and "14:00-16:00" in text and code in text
    assert "Trần Quốc Nghiễn" in text and "https://www.google.com/maps/search/" in text
    assert keyboard(sent[0])[0]["callback_data"] == "/stop_reminders"
    assert sent[1].params["caption"] == code and decode_qr(sent[1].files["photo"]).startswith("QNT1.")
    assert notices(running_bot).notices_of(code) == {"reminder": "sent"}


def test_no_reminder_for_a_visitor_who_turned_them_off_nor_for_cancelled_or_used_tickets(running_bot, visitors):
    [stopped] = running_bot.apis.telegram_sent(visitors["chats"]["opted_out"])
    assert "Đã tắt nhắc lịch tham quan" in stopped.params["text"]
    for name in ("opted_out", "cancelled", "used"):
        assert telegram_since(running_bot, visitors, name) == [], name
        assert notices(running_bot).notices_of(visitors["codes"][name]) == {}


def test_an_expired_hold_is_told_with_a_button_to_book_again(running_bot, visitors, bridge):
    code = visitors["codes"]["expired"]
    assert bookings(running_bot).get(code).status == "expired"
    [told] = telegram_since(running_bot, visitors, "expired")
    assert f"Vé {code}" in told.params["text"] and "hết hạn" in told.params["text"]
    [again] = keyboard(told)
    assert again["text"] == "Đặt vé lại"
    asked = telegram_turn(bridge, visitors["chats"]["expired"], callback_data=again["callback_data"])
    assert "ngày nào" in asked[0].params["text"]


def test_zalo_outside_its_window_gets_a_transaction_message_and_a_refusal_is_counted_once(running_bot, visitors):
    apis, zalo = running_bot.apis, visitors["zalo"]
    assert len(apis.zalo_sent(zalo["in_window"])) - visitors["before"]["in_window"] == 2  # text and QR, as usual
    outside = apis.zalo_transactions(zalo["outside_window"])
    assert [t.params["message"]["attachment"]["payload"]["template_type"] for t in outside] == \
        ["transaction_booking"] * 2
    assert "Nhắc lịch tham quan" in outside[0].params["message"]["attachment"]["payload"]["elements"][0]["content"]
    # Refused as customer service and as a transaction: tried once, counted, never again (the third job ran too).
    assert len(apis.zalo_transactions(zalo["refused"])) == 1
    assert notices(running_bot).notices_of(visitors["codes"]["refused"]) == {"reminder": "refused"}


def test_a_telegram_chat_that_blocked_the_bot_is_counted_as_refused_not_retried(running_bot, visitors):
    blocked = [c for c in running_bot.apis.calls if c.path.endswith("/sendMessage")
               and str(c.params.get("chat_id")) == str(visitors["chats"]["blocked"])]
    assert len(blocked) == 2, [c.params.get("text", "")[:40] for c in blocked]  # its greeting, the refused reminder
    assert notices(running_bot).notices_of(visitors["codes"]["blocked"]) == {"reminder": "refused"}
    counts = notices(running_bot).counts()
    assert counts[("reminder", "telegram", "refused")] >= 1 and counts[("reminder", "zalo", "refused")] >= 1


def test_staff_see_the_notices_by_kind_channel_and_outcome(running_bot, visitors):
    shown = subprocess.run([str(VENV_BIN / "qn-staff"), "notices"], env=running_bot.env, capture_output=True,
                           text=True, check=True).stdout
    assert "reminder  telegram  refused" in shown and "expired   telegram  sent" in shown
    assert "Nguyễn" not in shown and "0912345678" not in shown
