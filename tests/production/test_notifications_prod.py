"""Messages the bot sends first, as `make prod` runs them: Rasa's trigger-intent API is reached through nginx's
internal port (never the public one), on any replica, and two notification jobs at once send one reminder."""
from __future__ import annotations

import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import httpx

from bot.db import get_engine
from bot.notifications.store import VIETNAM, NoticeStore
from bot.tickets.repository import BookingRepository, BookingRequest, TicketLine
from tests.conversations.conftest import VENV_BIN
from tests.conversations.fake_apis import wait_for_quiet
from tests.production.conftest import TELEGRAM_SECRET, Production


def test_two_jobs_at_once_remind_a_telegram_visitor_once_through_the_internal_proxy(production: Production):
    chat = 10_000_000 + uuid.uuid4().int % 1_000_000_000
    update = {"update_id": uuid.uuid4().int % 10**9, "message": {
        "message_id": 1, "date": int(time.time()), "text": "xin chào",
        "chat": {"id": chat, "type": "private", "first_name": "Khách"},
        "from": {"id": chat, "is_bot": False, "first_name": "Khách", "language_code": "vi"}}}
    assert httpx.post(f"{production.url}/telegram", json=update,
                      headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}).status_code == 200
    greeted = wait_for_quiet(lambda: len(production.apis.telegram_sent(chat)), at_least=1, quiet=1.0)
    engine = get_engine(production.database_url)
    tomorrow = datetime.now(VIETNAM).date() + timedelta(days=1)
    request = BookingRequest(f"prod-notify-{chat}", f"telegram-{chat}", tomorrow, "14:00-16:00",
                             (TicketLine("adult", 1, 40000),), "Nguyễn Văn An", "0912345678", "counter")
    code = BookingRepository(engine).book(request, 10**6, now=datetime.now(timezone.utc) - timedelta(days=2)
                                          ).booking.code

    env = {**production.env, "QN_REMINDER_TIME": "00:00", "QN_RASA_URL": production.internal_url}
    jobs = [subprocess.Popen([str(VENV_BIN / "qn-staff"), "notify"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [job.communicate(timeout=120)[0] for job in jobs]
    assert all(job.returncode == 0 for job in jobs), outputs
    wait_for_quiet(lambda: len(production.apis.telegram_sent(chat)), at_least=greeted + 2, quiet=1.5)
    reminder = production.apis.telegram_sent(chat)[greeted:]
    assert [c.path.rsplit("/", 1)[1] for c in reminder] == ["sendMessage", "sendPhoto"]
    assert "Nhắc lịch tham quan" in reminder[0].params["text"] and code in reminder[0].params["text"]
    assert NoticeStore(engine).notices_of(code) == {"reminder": "sent"}
    # Rasa's API stays inside: the public port does not trigger anything.
    assert httpx.post(f"{production.url}/conversations/telegram-{chat}/trigger_intent",
                      json={"name": "EXTERNAL_visit_reminder"}).status_code == 404
