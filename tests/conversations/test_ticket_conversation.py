"""Booking museum tickets in the chat, through the running bot."""
from __future__ import annotations

import json
import re
import urllib.request
import uuid
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.tickets.payments import vnpay_signature
from bot.tickets.signing import check_ticket
from tests.conversations.conftest import TICKET_SECRET, VNPAY_SECRET, VNPAY_TMN_CODE


def new_user() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def text_of(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_without_confirmed_hours_and_capacity_the_bot_sends_people_to_the_official_channels(running_bot):
    # The shipped knowledge has no published hours, slots or capacity (see knowledge/museum.yml).
    text = text_of(running_bot.say(new_user(), "đặt 2 vé bảo tàng ngày mai"))
    assert "chưa được xác nhận" in text and "baotangquangninh.vn" in text


def book(running_bot, user: str) -> dict:
    """A complete booking; returns the confirmation's text and its e-ticket payload."""
    asked_slot = running_bot.say(user, "đặt 4 vé người lớn thứ Bảy tuần sau")
    assert "khung giờ" in text_of(asked_slot)  # the date and the count came with the first message
    assert "Xin cho biết họ tên" in text_of(running_bot.say(user, "10:00-12:00"))
    assert "số điện thoại" in text_of(running_bot.say(user, "nguyễn văn an"))
    summary = running_bot.say(user, "0912 345 678")[-1]
    assert "160.000 đ" in summary["text"] and "Nguyễn Văn An" in summary["text"]
    replies = running_bot.say(user, "/affirm")  # Rasa sends a response's text and its custom payload apart
    return {"text": text_of(replies), "custom": next(r["custom"] for r in replies if r.get("custom"))}


def test_a_full_booking_gives_a_code_and_a_signed_e_ticket(running_bot, bookable):
    confirmation = book(running_bot, new_user())
    assert "Đặt vé thành công" in confirmation["text"]
    custom = confirmation["custom"]
    assert check_ticket(custom["ticket_qr"], TICKET_SECRET).code == custom["booking_code"]
    assert custom["booking_code"] in confirmation["text"]


def test_bad_answers_are_asked_again_and_nothing_is_lost(running_bot, bookable):
    user = new_user()
    assert "ngày nào" in text_of(running_bot.say(user, "mình muốn đặt vé bảo tàng"))
    assert "âm lịch" in text_of(running_bot.say(user, "mùng 2 tết"))
    assert "đã qua" in text_of(running_bot.say(user, "1/1/2020"))
    assert "khung giờ" in text_of(running_bot.say(user, "thứ 7 tuần sau"))
    assert "khung giờ ở trên" in text_of(running_bot.say(user, "23h"))
    running_bot.say(user, "08:00-10:00")
    assert "ít nhất 1 vé" in text_of(running_bot.say(user, "-5"))
    # The places left in that slot (50, less what other conversation tests booked there), never 80.
    left = re.search(r"chỉ còn (\d+) chỗ", text_of(running_bot.say(user, "80 người lớn")))
    assert left and 0 < int(left.group(1)) <= 50
    running_bot.say(user, "2 người lớn 1 trẻ em")
    assert "chữ cái" in text_of(running_bot.say(user, "12345"))
    running_bot.say(user, "Trần Thị Bình")
    assert "chưa đúng dạng" in text_of(running_bot.say(user, "12345"))
    summary = text_of(running_bot.say(user, "0387654321"))
    assert "90.000 đ" in summary  # 2 × 40.000 + 1 × 10.000, from the knowledge file


def test_change_one_field_from_the_summary_or_leave(running_bot, bookable):
    user = new_user()
    running_bot.say(user, "đặt 4 vé người lớn thứ Bảy tuần sau")
    running_bot.say(user, "10:00-12:00")
    running_bot.say(user, "Nguyễn Văn An")
    summary = running_bot.say(user, "0912345678")
    change = next(b["payload"] for m in summary for b in m.get("buttons") or [] if b["title"] == "Đổi số vé")
    assert change == '/change_booking{"booking_field": "ticket_counts"}'
    assert "bao nhiêu vé" in text_of(running_bot.say(user, change))
    assert "80.000 đ" in text_of(running_bot.say(user, "2 người lớn"))
    assert "chưa đặt vé nào" in text_of(running_bot.say(user, "/deny"))
    other = new_user()
    running_bot.say(other, "đặt vé bảo tàng")
    assert "chưa đặt vé nào" in text_of(running_bot.say(other, "thôi không đặt nữa"))
    # The summary's buttons carry JSON in braces; Rasa must not take them for slot names (it used to log an
    # error with a traceback for every summary shown).
    assert "interpolator" not in running_bot.rasa_log.read_text(encoding="utf-8")


def test_pressing_confirm_twice_books_once_and_bookings_stay_private(running_bot, bookable):
    user = new_user()
    code = book(running_bot, user)["custom"]["booking_code"]
    running_bot.say(user, "/affirm")
    assert code in text_of(running_bot.say(user, "tra cứu vé của tôi"))
    assert "không tìm thấy" in text_of(running_bot.say(new_user(), f"hủy vé mã {code}"))
    assert "Đã hủy vé" in text_of(running_bot.say(user, f"hủy vé mã {code}"))


def test_a_forged_button_cannot_book_or_change_prices(running_bot, bookable):
    user = new_user()
    replies = text_of(running_bot.say(user, '/book_ticket{"tickets": -5, "total": 1}'))
    assert "ngày nào" in replies  # an ordinary start: nothing from the payload was taken
    # Pressing "confirm" before there is anything to confirm books nothing: the form asks its question again.
    assert "chưa hiểu ngày" in text_of(running_bot.say(user, "/affirm"))
    assert "chưa có vé nào" in text_of(running_bot.say(user, "tra cứu vé của tôi"))


def vnpay_callback(running_bot, path: str, params: dict, secret: str = VNPAY_SECRET):
    """What VNPAY's server (IPN) or the payer's browser (return) sends, signed with `secret`."""
    signed = {**params, "vnp_SecureHashType": "HmacSHA512", "vnp_SecureHash": vnpay_signature(params, secret)}
    url = f"{running_bot.rasa_url}/webhooks/vnpay/{path}?{urlencode(signed)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read().decode()
    return json.loads(body) if path == "ipn" else body


def test_paying_online_holds_the_places_and_only_a_signed_callback_pays(running_bot, bookable):
    user = new_user()
    running_bot.say(user, "đặt 2 vé người lớn thứ Bảy tuần sau")
    running_bot.say(user, "08:00-10:00")
    running_bot.say(user, "Lê Thị Hoa")
    summary = running_bot.say(user, "0912345678")[-1]
    online = next(b for b in summary["buttons"] if "VNPAY" in b["title"])
    replies = running_bot.say(user, online["payload"])
    custom = next(r["custom"] for r in replies if r.get("custom"))
    assert "ticket_qr" not in custom  # no e-ticket before the money arrives
    code, pay = custom["booking_code"], dict(parse_qsl(urlsplit(custom["payment_url"]).query))
    assert pay["vnp_TxnRef"] == code and pay["vnp_Amount"] == "8000000" and pay["vnp_TmnCode"] == VNPAY_TMN_CODE
    assert "đang chờ thanh toán" in text_of(running_bot.say(user, f"xem vé {code}"))

    paid = {"vnp_TxnRef": code, "vnp_Amount": "8000000", "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
            "vnp_TmnCode": VNPAY_TMN_CODE, "vnp_TransactionNo": "14226112"}
    assert vnpay_callback(running_bot, "ipn", paid, secret="forged-secret-forged-secret")["RspCode"] == "97"
    assert vnpay_callback(running_bot, "ipn", {**paid, "vnp_Amount": "100"})["RspCode"] == "04"
    assert "đang chờ thanh toán" in text_of(running_bot.say(user, f"xem vé {code}"))

    assert vnpay_callback(running_bot, "ipn", paid)["RspCode"] == "00"
    assert vnpay_callback(running_bot, "ipn", paid)["RspCode"] == "02"  # VNPAY retries: paid once
    assert "Thanh toán thành công" in vnpay_callback(running_bot, "return", paid)
    details = running_bot.say(user, f"xem vé {code}")
    assert "đã thanh toán" in text_of(details)
    ticket = next(r["custom"] for r in details if r.get("custom"))
    assert check_ticket(ticket["ticket_qr"], TICKET_SECRET).code == code


def test_a_question_in_the_middle_of_the_form_is_answered_and_the_form_asks_again(running_bot, bookable):
    user = new_user()
    running_bot.say(user, "đặt vé bảo tàng")
    replies = text_of(running_bot.say(user, "vé người lớn bao nhiêu tiền?"))
    assert "40.000" in replies and "ngày nào" in replies
    assert "khung giờ" in text_of(running_bot.say(user, "thứ 7 tuần sau"))


def to_summary(running_bot, user: str, request: str, slot: str) -> str:
    """A booking up to its summary: the request (with its day and tickets), the slot, a name and a phone."""
    for text in (request, slot, "Nguyễn Văn An"):
        running_bot.say(user, text)
    return text_of(running_bot.say(user, "0912345678"))


def test_a_typed_change_reopens_just_that_question(running_bot, bookable):
    user = new_user()
    assert "Tổng cộng" in to_summary(running_bot, user, "đặt 4 vé người lớn thứ Bảy tuần sau", "10:00-12:00")
    assert "số điện thoại" in text_of(running_bot.say(user, "sđt sai rồi, cho mình sửa"))
    summary = text_of(running_bot.say(user, "0987654321"))
    assert "0987654321" in summary and "Nguyễn Văn An" in summary  # nothing else was asked again
    assert "ngày nào" in text_of(running_bot.say(user, "cho mình đổi ngày khác"))
    which = running_bot.say(user, "/change_booking")  # no field named: the bot asks which one
    buttons = next(r["buttons"] for r in which if r.get("buttons"))
    assert [b["title"] for b in buttons][:2] == ["Ngày", "Khung giờ"]
    assert "không có vé nào đang đặt dở" in text_of(running_bot.say(new_user(), "/change_booking"))


def a_day_ahead(days: int) -> date:
    """A day at least `days` ahead (Vietnam's calendar) that is not a Monday, when the test museum is closed."""
    day = datetime.now(timezone(timedelta(hours=7))).date() + timedelta(days=days)
    return day + timedelta(days=1) if day.weekday() == 0 else day


def test_the_counts_and_the_day_said_in_one_message_reach_the_summary(running_bot, bookable):
    day = a_day_ahead(10)
    user = new_user()
    asked = text_of(running_bot.say(user, f"đặt 2 vé người lớn ngày {day.day} tháng {day.month}"))
    assert "khung giờ" in asked  # the day came with the request; the form asks what it did not say
    running_bot.say(user, "14:00-16:00")
    running_bot.say(user, "Phạm Minh Châu")
    summary = text_of(running_bot.say(user, "0912345678"))
    assert f"{day:%d/%m/%Y}" in summary and "2 × Người lớn" in summary and "80.000 đ" in summary


def test_a_visitor_books_looks_up_and_cancels_in_english(running_bot, bookable):
    user = new_user()
    asked = text_of(running_bot.say(user, "I'd like to book 2 adults and 1 child for next Saturday"))
    assert "Which time slot" in asked
    assert "name" in text_of(running_bot.say(user, "10am"))
    assert "mobile number" in text_of(running_bot.say(user, "John Smith"))
    summary = text_of(running_bot.say(user, "0912345678"))
    assert "2 × Adult" in summary and "1 × Child" in summary and "90.000 đ" in summary
    assert "10:00-12:00" in summary
    replies = running_bot.say(user, "/affirm")
    assert "Booked!" in text_of(replies)
    code = next(r["custom"] for r in replies if r.get("custom"))["booking_code"]
    assert code in text_of(running_bot.say(user, "show my booking"))
    assert f"Booking {code} is cancelled" in text_of(running_bot.say(user, f"please cancel booking {code}"))


def test_a_change_said_with_its_new_value_is_applied_at_once(running_bot, bookable):
    user = new_user()
    assert "120.000 đ" in to_summary(running_bot, user, "đặt 3 vé người lớn thứ 7 tuần sau", "08:00-10:00")
    summary = text_of(running_bot.say(user, "thêm 1 trẻ em"))
    assert "3 × Người lớn" in summary and "1 × Trẻ em" in summary and "130.000 đ" in summary
    sunday = datetime.now(timezone(timedelta(hours=7))).date()
    sunday += timedelta(days=(6 - sunday.weekday()) % 7)
    summary = text_of(running_bot.say(user, "đổi sang chủ nhật"))
    assert f"{sunday:%d/%m/%Y}" in summary and "130.000 đ" in summary
    assert "Đặt vé thành công" in text_of(running_bot.say(user, "/affirm"))
