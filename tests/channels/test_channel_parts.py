"""The pieces every channel shares: reading Rasa's replies, Zalo's event signature and kinds, Telegram's
button limits and settings. The whole channels run against fakes in tests/conversations/test_channels.py."""
from __future__ import annotations

import hashlib
import io

import pytest

from bot.channels.replies import to_replies
from bot.channels.telegram import CALLBACK_DATA_BYTES, ButtonPayloads, TelegramSettings
from bot.channels.zalo import SeenEvents, event_mac, turn_text
from bot.settings import SettingsError


def test_a_long_answer_is_split_under_the_limit_and_its_buttons_come_last():
    text = "\n".join(f"Bước {i}: " + "nộp hồ sơ trên Cổng dịch vụ công " * 12 for i in range(40))
    replies = to_replies([{"text": text, "buttons": [{"title": "Giấy tờ cần", "payload": "/ask_procedure_documents"}]}],
                         2000)
    assert len(replies) > 1 and all(len(r.text) <= 2000 for r in replies)
    assert [bool(r.buttons) for r in replies] == [False] * (len(replies) - 1) + [True]
    assert " ".join(r.text for r in replies).split() == text.split()


def test_an_e_ticket_becomes_a_scannable_qr_photo_and_a_venue_a_pin():
    import zxingcpp
    from PIL import Image

    [photo, pin] = to_replies([{"custom": {"ticket_qr": "QNT1.AB2C3D.XYZ", "booking_code": "AB2C3D",
                                           "venue": {"latitude": 21.02, "longitude": 107.4, "title": "Đền Cửa Ông"}}}],
                              4000)
    assert photo.kind == "photo" and photo.text == "AB2C3D"
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo.photo_png)))
    assert decoded.text == "QNT1.AB2C3D.XYZ"
    assert pin.kind == "venue" and pin.venue["title"] == "Đền Cửa Ông"


def test_zalo_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    body = '{"app_id":"1","timestamp":"154390853474"}'
    expected = hashlib.sha256(('1' + body + '154390853474' + 'oa-secret').encode()).hexdigest()
    assert event_mac("1", body, "154390853474", "oa-secret") == expected
    assert event_mac("1", body + " ", "154390853474", "oa-secret") != expected


@pytest.mark.parametrize("event, text", [
    ({"event_name": "user_send_text", "message": {"text": "Yên Tử ở đâu?"}}, "Yên Tử ở đâu?"),
    ({"event_name": "user_send_location", "message": {"attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "21.0269", "longitude": "107.4"}}}]}},
     "21.026900, 107.400000"),
    ({"event_name": "user_send_location", "message": {"attachments": []}}, None),
    ({"event_name": "user_send_image", "message": {"attachments": [{"type": "image"}]}}, "/help"),
    ({"event_name": "follow", "follower": {"id": "1"}}, None),
    ({"event_name": "oa_send_text", "message": {"text": "echo of our own reply"}}, None),
])
def test_zalo_events_that_are_a_user_talking_become_turns(event, text):
    assert turn_text(event) == text


@pytest.mark.asyncio
async def test_a_resent_zalo_event_is_seen_once():
    seen = SeenEvents()
    assert await seen.first_time("m1") and await seen.first_time("m2")
    assert not await seen.first_time("m1")


def test_telegram_buttons_fit_in_64_bytes_and_come_back_as_their_payload():
    payloads = ButtonPayloads(capacity=2)
    short = '/ask_opening_hours{"place": "yen-tu"}'
    long = '/ask_procedure_documents{"procedure": "dang-ky-thuong-tru-cho-nguoi-chua-thanh-nien"}'
    assert payloads.data_for(short) == short
    data = payloads.data_for(long)
    assert len(data.encode()) <= CALLBACK_DATA_BYTES and payloads.payload_for(data) == long
    payloads.data_for(long + "1"), payloads.data_for(long + "2")
    assert payloads.payload_for(data) is None  # forgotten: the user is asked to type instead
    assert payloads.payload_for("#forged") is None


def test_telegram_needs_a_token_and_in_webhook_mode_a_secret():
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        TelegramSettings.from_env({})
    token = {"TELEGRAM_BOT_TOKEN": "123456:ABCDEF-ghijkl"}
    assert TelegramSettings.from_env(token).webhook_url is None  # long polling
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramSettings.from_env({**token, "TELEGRAM_WEBHOOK_URL": "https://bot.example"})
    with pytest.raises(SettingsError, match="only A-Z"):
        TelegramSettings.from_env({**token, "TELEGRAM_WEBHOOK_URL": "https://bot.example",
                                   "TELEGRAM_WEBHOOK_SECRET": "with spaces and ü"})
