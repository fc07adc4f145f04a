"""A newcomer opens booking on a local bot with a schedule they type in, and the chat says it is a trial."""
from __future__ import annotations

import subprocess
import uuid

from tests.conversations.conftest import VENV_BIN


def text_of(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def staff(running_bot, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "qn-staff"), "--dir", str(running_bot.knowledge_dir), *args],
                          env=running_bot.env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_try_booking_opens_booking_marked_as_a_trial_and_off_closes_it(running_bot):
    assert "chưa mở" in text_of(running_bot.say(f"t-{uuid.uuid4().hex[:6]}", "đặt vé bảo tàng"))
    refused = staff(running_bot, "try-booking", "--slots", "25:00-26:00", "--capacity", "30")
    assert refused.returncode == 1 and "not a time slot" in refused.stderr
    done = staff(running_bot, "try-booking", "--slots", "08:00-10:00, 14:00-16:00", "--capacity", "20")
    assert done.returncode == 0, done.stderr
    try:
        user = f"t-{uuid.uuid4().hex[:6]}"
        assert "khung giờ" in text_of(running_bot.say(user, "đặt 2 vé người lớn thứ 7 tuần sau"))
        running_bot.say(user, "14:00-16:00")
        running_bot.say(user, "Trần Văn Bình")
        summary = text_of(running_bot.say(user, "0912345678"))
        assert "Chạy thử" in summary and "không phải lịch chính thức" in summary
        # The typed schedule is never given as the museum's hours.
        hours = text_of(running_bot.say(user, "bảo tàng mấy giờ mở cửa?"))
        assert "14:00-16:00" not in hours and "Tiền Phong" in hours
    finally:
        assert staff(running_bot, "try-booking", "--off").returncode == 0
    assert "chưa mở" in text_of(running_bot.say(f"t-{uuid.uuid4().hex[:6]}", "đặt vé bảo tàng"))
