"""Messages the bot sends first (issue 21): from a verified VNPAY payment to the e-ticket in the chat, per channel,
and duplicates under repeated callbacks and concurrent reminder jobs.

    .venv/bin/python bench/notify.py [--visitors 10] [--repeats 100] [--reminders 40]

Starts the whole bot (action server, Rasa with the shipped endpoints, SQLite) with local fakes of Telegram's Bot API
and Zalo's OA API (tests/conversations/fake_apis.py) and the Telegram bridge. For each channel, `--visitors`
visitors book online in the chat; each booking's IPN is sent once and timed until the e-ticket's QR reaches the
fake API (Telegram, Zalo) or waits for the visitor's next request (REST: until the notice is recorded sent), then
sent `--repeats` - 1 more times, 20 at once, and every further message counted as a duplicate. Then `--reminders`
Telegram visitors with a ticket for tomorrow, and two `qn-staff notify` jobs at once: reminders sent per visitor.
Target: under 2 s from the IPN to the e-ticket; 0 duplicates.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conversations import conftest as bots  # noqa: E402
from tests.conversations.fake_apis import TELEGRAM_TOKEN, FakeApis, wait_for_quiet  # noqa: E402
from tests.conversations.test_channels import (  # noqa: E402
    TelegramBridge,
    keyboard,
    method,
    new_chat,
    new_zalo_user,
    telegram_turn,
    zalo_turn,
)
from tests.conversations.test_notifications import booked, bookings, notices, notify  # noqa: E402
from tests.conversations.test_ticket_conversation import vnpay_callback  # noqa: E402

STEPS = ("đặt 2 vé người lớn thứ Bảy tuần sau", "08:00-10:00", "Lê Thị Hoa", "0912345678")


def make_bookable(bot: Any) -> None:
    path = bot.knowledge_dir / "museum.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    museum = document["museum"]
    museum["opening_hours"] = {day: "08:00-17:00" for day in museum["opening_hours"]}
    museum["time_slots"] = ["08:00-10:00", "10:00-12:00", "14:00-16:00"]
    museum["capacity_per_slot"] = 100000
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    bot.staff_load()


def ipn(bot: Any, code: str) -> dict[str, str]:
    return {"vnp_TxnRef": code, "vnp_Amount": "8000000", "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
            "vnp_TmnCode": bots.VNPAY_TMN_CODE, "vnp_TransactionNo": "1"}


def pay(bot: Any, code: str, repeats: int, arrived: Callable[[], float | None], count: Callable[[], int]
        ) -> tuple[float, int]:
    """The IPN once, timed until `arrived()` gives the e-ticket's arrival; then repeated. (latency, duplicates)"""
    started = time.monotonic()
    vnpay_callback(bot, "ipn", ipn(bot, code))
    deadline = started + 30
    while (at := arrived()) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no e-ticket for {code} within 30 s")
        time.sleep(0.005)
    settled = wait_for_quiet(count, at_least=0, quiet=0.5)
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda _: vnpay_callback(bot, "ipn", ipn(bot, code)), range(repeats - 1)))
    time.sleep(1.0)
    return at - started, count() - settled


def figures(name: str, latencies: list[float], duplicates: int, repeats: int) -> None:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:9} IPN -> e-ticket: median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, max "
          f"{ordered[-1]:.3f} s ({len(ordered)} payments); duplicates over {repeats} callbacks each: {duplicates}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--reminders", type=int, default=40)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="qn-notify-"))
    apis = FakeApis()
    env = {"ZALO_APP_ID": bots.ZALO_APP_ID, "ZALO_OA_SECRET_KEY": bots.ZALO_OA_SECRET,
           "ZALO_OA_ACCESS_TOKEN": bots.ZALO_ACCESS_TOKEN, "ZALO_API_BASE_URL": apis.url,
           "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": apis.url}
    with bots.launched_bot(workdir, f"sqlite:///{workdir / 'bench.db'}", env, apis=apis) as bot:
        make_bookable(bot)
        bridge = TelegramBridge(bot, workdir / "bridge.log", webhook=True)
        try:
            latencies, duplicates = [], 0
            for _ in range(args.visitors):
                chat = new_chat()
                for text in STEPS:
                    sent = telegram_turn(bridge, chat, text=text)
                button = next(b for c in sent for b in keyboard(c) if "VNPAY" in b["text"])
                telegram_turn(bridge, chat, callback_data=button["callback_data"])
                [booking] = bookings(bot).for_sender(f"telegram-{chat}")

                def photo(chat: int = chat) -> float | None:
                    return next((c.at for c in apis.telegram_sent(chat) if method(c) == "sendPhoto"), None)

                took, extra = pay(bot, booking.code, args.repeats, photo, lambda c=chat: len(apis.telegram_sent(c)))
                latencies.append(took)
                duplicates += extra
            figures("Telegram", latencies, duplicates, args.repeats)

            latencies, duplicates = [], 0
            for _ in range(args.visitors):
                user = new_zalo_user()
                for text in STEPS:
                    sent = zalo_turn(bot, user, text)
                button = next(b for c in sent for b in c.params["message"].get("attachment", {})
                              .get("payload", {}).get("buttons", []) if "VNPAY" in b["title"])
                zalo_turn(bot, user, button["payload"])
                [booking] = bookings(bot).for_sender(f"zalo-{user}")
                before = len(apis.zalo_sent(user))

                def media(user: str = user, before: int = before) -> float | None:
                    return next((c.at for c in apis.zalo_sent(user)[before:]
                                 if c.params["message"].get("attachment", {}).get("payload", {})
                                 .get("template_type") == "media"), None)

                took, extra = pay(bot, booking.code, args.repeats, media, lambda u=user: len(apis.zalo_sent(u)))
                latencies.append(took)
                duplicates += extra
            figures("Zalo", latencies, duplicates, args.repeats)

            latencies, duplicates = [], 0
            for index in range(args.visitors):
                sender = f"bench-web-{index}"
                for text in STEPS:
                    summary = bot.say(sender, text)
                bot.say(sender, next(b for b in summary[-1]["buttons"] if "VNPAY" in b["title"])["payload"])
                [booking] = bookings(bot).for_sender(sender)

                def recorded(code: str = booking.code) -> float | None:
                    return time.monotonic() if notices(bot).notices_of(code).get("ticket") == "sent" else None

                took, _ = pay(bot, booking.code, args.repeats, recorded, lambda: 0)
                latencies.append(took)
                handed = [m for m in bot.say(sender, "cảm ơn") + bot.say(sender, "cảm ơn")
                          if (m.get("custom") or {}).get("ticket_qr")]
                duplicates += len(handed) - 1
            figures("REST", latencies, duplicates, args.repeats)

            chats = [new_chat() for _ in range(args.reminders)]
            for chat in chats:
                telegram_turn(bridge, chat, text="xin chào")
                booked(bot, f"telegram-{chat}")
            before = {chat: len(apis.telegram_sent(chat)) for chat in chats}
            started = time.monotonic()
            notify(bot, 2)
            wait_for_quiet(lambda: sum(len(apis.telegram_sent(c)) for c in chats), quiet=1.0)
            reminders = [sum(1 for c in apis.telegram_sent(chat)[before[chat]:] if method(c) == "sendMessage")
                         for chat in chats]
        finally:
            bridge.stop()
            apis.close()
    print(f"reminders: 2 jobs at once for {len(chats)} tickets: {sum(r == 1 for r in reminders)} reminded once, "
          f"{sum(max(0, r - 1) for r in reminders)} duplicates, {sum(r == 0 for r in reminders)} missed "
          f"({time.monotonic() - started:.1f} s with the jobs' start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
