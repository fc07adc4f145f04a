"""Telegram (python-telegram-bot against a local fake Bot API) and Zalo (signed events posted to the running
Rasa server, replies caught by a local fake OA API): security, native rendering, and the same conversation
on REST, Telegram and Zalo."""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bot.channels.telegram import CALLBACK_DATA_BYTES
from bot.entry import site_payload
from bot.settings import PROJECT_ROOT
from tests.conversations.conftest import VENV_BIN, ZALO_APP_ID, ZALO_OA_SECRET, free_port
from tests.conversations.fake_apis import TELEGRAM_TOKEN, wait_for_quiet

WEBHOOK_SECRET = "telegram-webhook-secret_0123456789"
_ids = itertools.count(1000)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json",
                                                                              **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class TelegramBridge:
    """`python -m bot.channels.telegram` in a subprocess, in webhook or polling mode."""

    def __init__(self, running_bot, log: Path, webhook: bool, rasa_url: str | None = None, wait: bool = True):
        """Started, and (`wait`) up: several bridges start at once when each waits after all are started."""
        self.apis = running_bot.apis
        self.port = free_port()
        # Before the running bot's Rasa, what Rasa answered each turn is recorded on the way (RasaRecorder).
        self.rasa = RasaRecorder(running_bot.rasa_url) if rasa_url is None else None
        env = {**running_bot.env, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": self.apis.url,
               "QN_RASA_URL": self.rasa.url if self.rasa else rasa_url}
        if webhook:
            env |= {"TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.port}", "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1", "TELEGRAM_WEBHOOK_PORT": str(self.port)}
        self.process = subprocess.Popen([str(VENV_BIN / "python"), "-m", "bot.channels.telegram"], cwd=PROJECT_ROOT,
                                        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.log = log
        self.webhook = webhook
        if wait:
            self.wait_until_up()

    def wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Telegram bridge did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)

    def _ready(self) -> bool:
        if not self.webhook:
            return any(c.path.endswith("/deleteWebhook") for c in self.apis.calls)
        try:
            status, _ = post(f"http://127.0.0.1:{self.port}/telegram", b"{}", {})
            return status == 403
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def deliver(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return post(f"http://127.0.0.1:{self.port}/telegram", json.dumps(update).encode(), headers)[0]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.rasa is not None:
            self.rasa.close()


class RasaRecorder:
    """A pass-through HTTP proxy between the Telegram bridge and Rasa's REST channel that records, per conversation,
    what Rasa answered each of the bridge's requests (None: no answer, so the bridge apologises). The bridge sends
    one Telegram message per reply (bot/channels/replies.py's to_replies, drawn by telegram.send_reply), after Rasa
    answered and before it takes the chat's next update: a test waits for exactly that turn's messages
    (`telegram_turn`), not for a second and a half of silence after each one."""

    def __init__(self, rasa_url: str) -> None:
        import collections
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers: dict[str, list[list[dict[str, Any]] | None]] = collections.defaultdict(list)
        self._lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # the bridge's client keeps its connections

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection",
                                                                                       "content-length")}
                request = urllib.request.Request(f"{rasa_url}{self.path}", data=body, method="POST", headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=120) as response:
                        status, data, kind = response.status, response.read(), response.headers["Content-Type"]
                except urllib.error.HTTPError as error:
                    status, data, kind = error.code, error.read(), error.headers.get("Content-Type", "text/plain")
                except OSError:
                    status, data, kind = 502, b"Rasa unreachable", "text/plain"
                try:
                    sender = str(json.loads(body).get("sender"))
                except (ValueError, AttributeError):
                    sender = ""
                try:
                    answer = json.loads(data) if status == 200 else None
                except ValueError:
                    answer = None
                with recorder._lock:  # recorded before the bridge has the answer, so before it sends anything
                    recorder.answers[sender].append(answer if isinstance(answer, list) else None)
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512  # a hundred updates at once: no connection waits for a retry

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def asked(self, sender: str) -> int:
        with self._lock:
            return len(self.answers[sender])

    def answer(self, sender: str, number: int) -> list[dict[str, Any]] | None | bool:
        """Rasa's answer to the bridge's `number`th request in `sender`'s conversation; False: not yet asked."""
        with self._lock:
            answers = self.answers[sender]
            return answers[number] if len(answers) > number else False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def telegram_messages_for(answer: list[dict[str, Any]] | None) -> int:
    """How many messages the bridge sends to the chat for Rasa's `answer` (None: its apology)."""
    from bot.channels.replies import to_replies
    from bot.channels.telegram import TEXT_LIMIT

    if answer is None:
        return 1
    return sum(1 for reply in to_replies(answer, TEXT_LIMIT)
               if reply.kind != "photo" or reply.photo_png or reply.photo_url)


def wait_for_turn(count: Callable[[], int], before: int, done: Callable[[], int | None], timeout: float = 60,
                  quiet: float = 1.5) -> None:
    """Wait until one turn's messages are all out: `done()` says how many messages the turn sends, once that is
    known (None until then), and `count()` must reach `before` plus that (at least one). If `done()` never knows
    (the channel answered without Rasa: an expired button, "please wait"), as wait_for_quiet: at least one message,
    then `quiet` seconds without another."""
    deadline = time.monotonic() + timeout
    last, since = count(), time.monotonic()
    while time.monotonic() < deadline:
        expected = done()
        now = count()
        if expected is not None and now >= before + max(1, expected):
            return
        if now != last:
            last, since = now, time.monotonic()
        elif expected is None and now > before and time.monotonic() - since >= quiet:
            return
        time.sleep(0.02)
    raise AssertionError(f"the turn's messages did not all arrive within {timeout} s (got {last - before})")


@contextlib.contextmanager
def unreachable_url() -> Iterator[str]:
    """A local URL where nothing answers: its port is held, bound and never listening, so connections are refused
    and no server started meanwhile can take it."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def start_bridges(running_bot, workdir: Path) -> tuple[dict[str, TelegramBridge], Callable[[], None]]:
    """The bridges the Telegram tests talk through, all four started at once (each is a Python importing Rasa's
    channel code and python-telegram-bot): "webhook" before the running bot (conftest.py's `telegram`), "polling"
    in long-polling mode before it, "rasa_down" before a Rasa that is not there, "slow_rasa" before slow_rasa(2.0).
    Every test speaks in chats of its own. Returns the bridges and what stops them."""
    stack = contextlib.ExitStack()
    try:
        bridges: dict[str, TelegramBridge] = {}
        for name, webhook, rasa_url in [
                ("webhook", True, None), ("polling", False, None),
                ("rasa_down", True, stack.enter_context(unreachable_url())),
                ("slow_rasa", True, stack.enter_context(slow_rasa(2.0)))]:
            bridges[name] = TelegramBridge(running_bot, workdir / f"{name}.log", webhook, rasa_url, wait=False)
            stack.callback(bridges[name].stop)
        for bridge in bridges.values():
            bridge.wait_until_up()
    except BaseException:
        stack.close()
        raise
    return bridges, stack.close


def telegram_update(chat_id: int, text: str | None = None, callback_data: str | None = None,
                    location: tuple[float, float] | None = None) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Khách", "language_code": "vi"}
    chat = {"id": chat_id, "type": "private", "first_name": "Khách"}
    message: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()), "chat": chat, "from": user}
    if callback_data is not None:
        return {"update_id": next(_ids), "callback_query": {
            "id": str(next(_ids)), "from": user, "chat_instance": "1", "data": callback_data,
            "message": {**message, "from": {"id": 123456, "is_bot": True, "first_name": "QN"}, "text": "…"}}}
    if location is not None:
        message["location"] = {"latitude": location[0], "longitude": location[1]}
    else:
        message["text"] = text
        if text and text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": next(_ids), "message": message}


def new_chat() -> int:
    return 10_000_000 + uuid.uuid4().int % 1_000_000_000


def telegram_turn(telegram: TelegramBridge, chat_id: int, **update: Any) -> list:
    """What the bridge sent the chat for one update: the messages for Rasa's answer, or (without a recorder)
    what came before a second and a half of silence."""
    before = len(telegram.apis.telegram_sent(chat_id))
    sender = f"telegram-{chat_id}"
    asked = telegram.rasa.asked(sender) if telegram.rasa else 0
    assert telegram.deliver(telegram_update(chat_id, **update)) == 200
    sent = lambda: len(telegram.apis.telegram_sent(chat_id))  # noqa: E731
    if telegram.rasa is None:
        wait_for_quiet(sent, at_least=before + 1)
    else:
        recorder = telegram.rasa

        def expected() -> int | None:
            answer = recorder.answer(sender, asked)
            return None if answer is False else telegram_messages_for(answer)  # type: ignore[arg-type]

        wait_for_turn(sent, before, expected)
    return telegram.apis.telegram_sent(chat_id)[before:]


def method(call) -> str:
    return call.path.rsplit("/", 1)[1]


def keyboard(call) -> list[dict[str, str]]:
    markup = call.params.get("reply_markup")
    return [row[0] for row in json.loads(markup)["inline_keyboard"]] if markup else []


# --- Telegram -------------------------------------------------------------------------------------------

def test_a_forged_telegram_webhook_is_refused_and_never_reaches_rasa(running_bot, telegram):
    chat = new_chat()
    assert telegram.deliver(telegram_update(chat, text="xin chào"), secret="wrong-secret") == 403
    assert telegram.deliver(telegram_update(chat, text="xin chào"), secret=None) == 403
    time.sleep(1.0)
    assert telegram.apis.telegram_sent(chat) == []
    tracker = json.loads(urllib.request.urlopen(f"{running_bot.rasa_url}/conversations/telegram-{chat}/tracker",
                                                timeout=30).read())
    assert not [e for e in tracker["events"] if e["event"] == "user"]


def test_100_genuine_telegram_updates_are_each_answered_exactly_once(running_bot, telegram):
    per_greeting = len(running_bot.say(f"rest-{uuid.uuid4().hex[:8]}", "xin chào"))
    chats = [new_chat() for _ in range(100)]
    for chat in chats:
        assert telegram.deliver(telegram_update(chat, text="xin chào")) == 200
    wait_for_quiet(lambda: sum(len(telegram.apis.telegram_sent(c)) for c in chats), at_least=100 * per_greeting,
                   quiet=2.0, timeout=240)
    assert [len(telegram.apis.telegram_sent(c)) for c in chats] == [per_greeting] * 100


def test_telegram_start_payload_buttons_location_and_long_texts(running_bot, telegram):
    site = next(s for s in running_bot_sites() if "lat" in s)
    chat = new_chat()
    card = telegram_turn(telegram, chat, text=f"/start {site_payload(site['id'])}")
    assert card[0].params["text"].startswith(site["name"])
    venue = next(c for c in card if method(c) == "sendVenue")
    assert float(venue.params["latitude"]) == site["lat"]
    buttons = keyboard(card[0])
    assert buttons and all(len(b["callback_data"].encode()) <= CALLBACK_DATA_BYTES for b in buttons)
    hours_button = next(b for b in buttons if "giờ" in b["text"].lower())
    hours = telegram_turn(telegram, chat, callback_data=hours_button["callback_data"])
    assert site["name"] in hours[0].params["text"]
    assert any(c.path.endswith("/answerCallbackQuery") for c in telegram.apis.calls)

    nearest = telegram_turn(telegram, chat, location=(site["lat"] + 0.001, site["lon"]))
    assert f"1. {site['name']}: 0.1 km" in nearest[0].params["text"]

    greeting = telegram_turn(telegram, new_chat(), text="/start")
    assert greeting[0].params["text"] == running_bot.texts(f"rest-{uuid.uuid4().hex[:8]}", "/greet")[0]


def test_a_button_payload_too_long_for_telegram_still_works(running_bot, telegram):
    chat = new_chat()
    first = telegram_turn(telegram, chat, text="giới thiệu đền Trần")  # asked back with one button per site
    long_buttons = [b for b in keyboard(first[0]) if b["callback_data"].startswith("#")]
    chosen = (long_buttons or keyboard(first[0]))[0]
    card = telegram_turn(telegram, chat, callback_data=chosen["callback_data"])
    assert card[0].params["text"].startswith(chosen["text"])


def test_telegram_apologises_when_rasa_is_down(running_bot, telegram_bridges):
    bridge = telegram_bridges["rasa_down"]  # its Rasa URL is a port nobody listens on
    chat = new_chat()
    [reply] = telegram_turn(bridge, chat, text="Yên Tử ở đâu?")
    assert "Xin lỗi" in reply.params["text"]


def test_telegram_long_polling_answers_too(running_bot, telegram_bridges):
    assert not telegram_bridges["polling"].webhook
    chat = new_chat()
    running_bot.apis.updates.append(telegram_update(chat, text="bạn giúp được gì?"))
    wait_for_quiet(lambda: len(running_bot.apis.telegram_sent(chat)), at_least=1)
    expected = running_bot.texts(f"rest-{uuid.uuid4().hex[:8]}", "bạn giúp được gì?")
    assert [c.params["text"] for c in running_bot.apis.telegram_sent(chat)] == expected


def test_the_e_ticket_arrives_as_a_qr_photo_on_telegram_and_zalo(running_bot, telegram, bookable):
    chat = new_chat()
    for text in ("đặt 4 vé người lớn thứ Bảy tuần sau", "10:00-12:00", "nguyễn văn an", "0912 345 678"):
        telegram_turn(telegram, chat, text=text)
    confirmation = telegram_turn(telegram, chat, text="/affirm")
    photo = next(c for c in confirmation if method(c) == "sendPhoto")
    assert decode_qr(photo.files["photo"]).startswith("QNT1.")
    assert photo.params["caption"] in confirmation[0].params["text"]  # the booking code, under the QR

    zalo_user = new_zalo_user()
    for text in ("đặt 4 vé người lớn thứ Bảy tuần sau", "10:00-12:00", "nguyễn văn an", "0912 345 678"):
        zalo_turn(running_bot, zalo_user, text)
    uploads_before = len(running_bot.apis.zalo_uploads())
    sent = zalo_turn(running_bot, zalo_user, "/affirm")
    image = next(c for c in sent if c.params["message"].get("attachment", {}).get("payload", {}).get("template_type")
                 == "media")
    [upload] = running_bot.apis.zalo_uploads()[uploads_before:]
    assert image.params["message"]["attachment"]["payload"]["elements"][0]["attachment_id"]
    assert decode_qr(upload.files["file"]).startswith("QNT1.")


def decode_qr(png: bytes) -> str:
    import io

    import zxingcpp
    from PIL import Image

    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def running_bot_sites() -> list[dict[str, Any]]:
    import yaml

    from tests.conftest import KNOWLEDGE_DIR

    return yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]


# --- Zalo -----------------------------------------------------------------------------------------------

def new_zalo_user() -> str:
    return str(246845883529197922 + uuid.uuid4().int % 10**12)


def zalo_event(user_id: str, text: str | None = None, location: tuple[float, float] | None = None,
               event_name: str | None = None, msg_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"msg_id": msg_id or uuid.uuid4().hex}
    if location is not None:
        message["attachments"] = [{"type": "location", "payload": {"coordinates": {
            "latitude": str(location[0]), "longitude": str(location[1])}}}]
    else:
        message["text"] = text
    return {"app_id": ZALO_APP_ID, "user_id_by_app": "552177279717587730", "sender": {"id": user_id},
            "recipient": {"id": "388613280878808645"},
            "event_name": event_name or ("user_send_location" if location else "user_send_text"),
            "message": message, "timestamp": str(int(time.time() * 1000))}


def signed(event: dict[str, Any], secret: str = ZALO_OA_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, ensure_ascii=False)
    mac = hashlib.sha256(f"{event['app_id']}{body}{event['timestamp']}{secret}".encode()).hexdigest()
    return body.encode(), {"X-ZEvent-Signature": f"mac={mac}"}


def zalo_post(running_bot, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    return post(f"{running_bot.rasa_url}/webhooks/zalo/webhook", body, headers)


def finished_turns(running_bot, sender: str) -> int:
    """How many of `sender`'s turns Rasa has finished and stored: the staff page's summary rows
    (conversation_turns), written by the running bot's event broker once a turn's events are saved, which Rasa
    does after the turn's last message went out (a turn the bot starts itself has none)."""
    import sqlite3

    path = running_bot.env["QN_CONVERSATIONS_URL"].removeprefix("sqlite:///")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as connection:
            return connection.execute("select count(*) from conversation_turns where sender_id = ?",
                                      (sender,)).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or being written: asked again
        return -1


def zalo_turn(running_bot, user_id: str, text: str | None = None, **event: Any) -> list:
    """What the bot sent the Zalo user for one event: every message of the turn, known to be all of them once
    Rasa stored the turn (finished_turns); the channel's apology, if Rasa sent none, after that."""
    before = len(running_bot.apis.zalo_sent(user_id))
    sender = f"zalo-{user_id}"
    finished = finished_turns(running_bot, sender)
    status, _ = zalo_post(running_bot, *signed(zalo_event(user_id, text, **event)))
    assert status == 200
    sent = lambda: len(running_bot.apis.zalo_sent(user_id))  # noqa: E731
    if finished < 0:
        wait_for_quiet(sent, at_least=before + 1)
    else:
        wait_for_turn(sent, before, lambda: 1 if finished_turns(running_bot, sender) > finished else None)
    return running_bot.apis.zalo_sent(user_id)[before:]


def test_zalo_replies_go_out_with_an_access_token_renewed_once_and_kept_in_the_database(running_bot):
    from sqlalchemy import create_engine, text

    from tests.conversations.fake_apis import ZALO_ACCESS_TOKEN, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN

    user = new_zalo_user()
    assert zalo_turn(running_bot, user, "xin chào")
    apis = running_bot.apis
    assert len(apis.zalo_renewals) == 1 and apis.zalo_renewals[0].params["refresh_token"] == ZALO_REFRESH_TOKEN
    assert {c.headers["access_token"] for c in apis.zalo_sent(user)} == {apis.zalo_access_token} != \
        {ZALO_ACCESS_TOKEN}
    engine = create_engine(running_bot.database_url, future=True)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT access_token, refresh_token FROM zalo_tokens")).all()
    engine.dispose()
    assert stored == [(apis.zalo_access_token, apis.zalo_refresh_token)]
    log = running_bot.rasa_log.read_text(encoding="utf-8", errors="replace")
    for secret in (ZALO_APP_SECRET, ZALO_REFRESH_TOKEN, apis.zalo_access_token, apis.zalo_refresh_token):
        assert secret not in log


def test_forged_or_unsigned_zalo_events_are_refused_and_never_reach_rasa(running_bot):
    user = new_zalo_user()
    body, headers = signed(zalo_event(user, "xin chào"), secret="not-the-oa-secret")
    assert zalo_post(running_bot, body, headers)[0] == 403
    assert zalo_post(running_bot, body, {})[0] == 401
    genuine_body, genuine_headers = signed(zalo_event(user, "xin chào"))
    tampered = genuine_body.replace("xin chào".encode(), "hủy vé".encode())
    assert zalo_post(running_bot, tampered, genuine_headers)[0] == 403
    time.sleep(1.0)
    assert running_bot.apis.zalo_sent(user) == []
    tracker = json.loads(urllib.request.urlopen(f"{running_bot.rasa_url}/conversations/zalo-{user}/tracker",
                                                timeout=30).read())
    assert not [e for e in tracker["events"] if e["event"] == "user"]


def test_100_genuine_zalo_events_are_each_answered_once_even_when_resent(running_bot):
    per_greeting = len(running_bot.say(f"rest-{uuid.uuid4().hex[:8]}", "xin chào"))
    users = [new_zalo_user() for _ in range(100)]
    events = [signed(zalo_event(u, "xin chào")) for u in users]
    for body, headers in events:
        assert zalo_post(running_bot, body, headers)[0] == 200
    for body, headers in events[:10]:  # Zalo resends what it thinks was lost
        assert json.loads(zalo_post(running_bot, body, headers)[1])["status"] == "duplicate"
    wait_for_quiet(lambda: sum(len(running_bot.apis.zalo_sent(u)) for u in users), at_least=100 * per_greeting,
                   quiet=2.0, timeout=240)
    assert [len(running_bot.apis.zalo_sent(u)) for u in users] == [per_greeting] * 100


def test_zalo_locations_buttons_and_unknown_events(running_bot):
    site = next(s for s in running_bot_sites() if "lat" in s)
    user = new_zalo_user()
    [nearest, *_] = zalo_turn(running_bot, user, location=(site["lat"] + 0.001, site["lon"]))
    assert f"1. {site['name']}: 0.1 km" in nearest.params["message"]["text"]
    card = zalo_turn(running_bot, user, site_payload(site["id"]))
    buttons = card[0].params["message"]["attachment"]["payload"]["buttons"]
    assert len(buttons) <= 5 and all(b["type"] == "oa.query.hide" for b in buttons)
    hours_button = next(b for b in buttons if "giờ" in b["title"].lower())
    hours = zalo_turn(running_bot, user, hours_button["payload"])  # a pressed button arrives as its payload
    assert site["name"] in hours[0].params["message"]["text"]
    for kind in ("follow", "user_received_message", "oa_send_text", "something_new"):
        body, headers = signed({**zalo_event(user, "x"), "event_name": kind})
        status, answer = zalo_post(running_bot, body, headers)
        assert status == 200 and json.loads(answer)["status"] == "ignored"


# --- the same conversation everywhere --------------------------------------------------------------------

TEN_TURNS: list[str | tuple[str, str]] = [
    "xin chào",
    "giới thiệu về Yên Tử",
    "mấy giờ mở cửa?",
    "ở Đông Triều có di tích nào?",
    ("press", "Xem thêm"),
    "thủ tục đăng ký tạm trú",
    ("press", "Giấy tờ cần"),
    "vé bảo tàng bao nhiêu tiền?",
    "ko hiểu lắm, cho gặp nhân viên",
    "bạn là người hay máy vậy?",  # (goodbye and thanks have random variations)
]


def normalised(texts: list[str], titles: list[str]) -> tuple[str, tuple[str, ...]]:
    joined = " ".join(t for t in texts if t != "…")
    return re.sub(r"\s+", " ", joined).strip(), tuple(titles)


def converse(turn: Callable[[str], tuple[list[str], list[tuple[str, str]]]]) -> list:
    """Play TEN_TURNS through one channel; `turn(text)` returns the texts and (title, payload) buttons sent."""
    transcript, buttons = [], []
    for step in TEN_TURNS:
        if isinstance(step, tuple):
            matches = [p for t, p in buttons if t.lower().startswith(step[1].lower())]
            assert matches, (step, buttons)
            text = matches[0]
        else:
            text = step
        texts, buttons = turn(text)
        transcript.append(normalised(texts, [t for t, _ in buttons]))
    return transcript


def test_the_same_ten_turn_conversation_gives_the_same_replies_on_rest_telegram_and_zalo(running_bot, telegram):
    rest_user, chat, zalo_user = f"rest-{uuid.uuid4().hex[:8]}", new_chat(), new_zalo_user()

    def rest(text: str):
        replies = running_bot.say(rest_user, text)
        return ([r["text"] for r in replies if r.get("text")],
                [(b["title"], b["payload"]) for r in replies for b in r.get("buttons") or []])

    payloads: dict[str, str] = {}

    def on_telegram(text: str):
        update = {"callback_data": payloads[text]} if text in payloads else {"text": text}
        sent = telegram_turn(telegram, chat, **update)
        buttons = [(b["text"], b["callback_data"]) for c in sent for b in keyboard(c)]
        for title, data in buttons:
            payloads[data] = data  # pressing means sending the callback data back
        return [c.params["text"] for c in sent if method(c) == "sendMessage"], buttons

    def on_zalo(text: str):
        sent = zalo_turn(running_bot, zalo_user, text)
        buttons = [(b["title"], b["payload"]) for c in sent
                   for b in c.params["message"].get("attachment", {}).get("payload", {}).get("buttons", [])]
        return [c.params["message"]["text"] for c in sent if c.params["message"].get("text")], buttons

    expected = converse(rest)
    assert len(expected) == 10 and all(text for text, _ in expected)
    assert converse(on_telegram) == expected
    assert converse(on_zalo) == expected


def test_near_here_asks_for_the_location_with_telegrams_button_then_lists_that_kind_nearest(running_bot, telegram):
    scenic = [s for s in running_bot_sites() if s.get("kind") == "danh thắng" and "lat" in s]
    chat = new_chat()
    [asked] = telegram_turn(telegram, chat, text="gần đây có danh thắng nào không")
    button = json.loads(asked.params["reply_markup"])["keyboard"][0][0]
    assert button["request_location"] is True and "vị trí" in button["text"]
    nearest = telegram_turn(telegram, chat, location=(scenic[0]["lat"] + 0.001, scenic[0]["lon"]))
    listed = nearest[0].params["text"]
    assert f"1. {scenic[0]['name']}" in listed
    others = [s["name"] for s in running_bot_sites() if s.get("kind") != "danh thắng"]
    assert not any(f". {name}:" in listed for name in others)  # only the kind asked for (not đền Cửa Ông)


@pytest.mark.parametrize("body", [b"[1, 2]", b"5", b"null", b'"text"', b"{", b"", b'{"text": 5}',
                                  b'{"sender": "a"}', b'{"message": "hi"}', b'{"sender": 5, "message": "hi"}',
                                  b'{"sender": "a", "message": ["hi"]}', b'{"sender": "a", "message": null}',
                                  b'{"sender": "a", "message": {"text": "hi"}}'])
def test_a_rest_body_that_is_not_a_message_gets_400_with_a_reason(running_bot, body):
    request = urllib.request.Request(f"{running_bot.rasa_url}/webhooks/rest/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400 and json.loads(refused.value.read())["error"]
    assert running_bot.say("after-malformed", "xin chào")  # and the bot still answers everyone else


def test_a_huge_message_still_gets_an_answer(running_bot):
    replies = running_bot.say(f"huge-{uuid.uuid4().hex[:6]}", "x" * (1024 * 1024))
    assert replies and replies[0].get("text")


@contextlib.contextmanager
def slow_rasa(seconds: float):
    """A stand-in for Rasa's REST channel that answers "echo <text>" after `seconds` (texts starting with
    "fast" at once), so a test sees how the Telegram bridge waits for it."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(0 if body["message"].startswith("fast") else seconds)
            answer = json.dumps([{"recipient_id": body["sender"], "text": f"echo {body['message']}"}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_twenty_telegram_chats_are_answered_at_once_and_each_chat_in_order(running_bot, telegram_bridges):
    bridge = telegram_bridges["slow_rasa"]  # in front of slow_rasa(2.0): a Rasa that takes 2 s a turn
    chats = [new_chat() for _ in range(20)]
    started = time.monotonic()
    for chat in chats:
        assert bridge.deliver(telegram_update(chat, text=f"xin chào {chat}")) == 200
    wait_for_quiet(lambda: sum(len(bridge.apis.telegram_sent(c)) for c in chats), at_least=20,
                   quiet=0.5, timeout=60)
    took = time.monotonic() - started
    assert [c.params["text"] for chat in chats for c in bridge.apis.telegram_sent(chat)] == \
        [f"echo xin chào {chat}" for chat in chats]
    print(f"20 chats with a 2 s Rasa answered in {took:.1f} s")
    assert took < 10, took  # one 2 s turn, not twenty in a row (40 s)

    chat = new_chat()
    for text in ("slow one", "fast two", "fast three"):  # the first takes 2 s, the others none
        assert bridge.deliver(telegram_update(chat, text=text)) == 200
    wait_for_quiet(lambda: len(bridge.apis.telegram_sent(chat)), at_least=3, quiet=0.5, timeout=60)
    assert [c.params["text"] for c in bridge.apis.telegram_sent(chat)] == \
        ["echo slow one", "echo fast two", "echo fast three"]


def rest_status(running_bot, sender: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(f"{running_bot.rasa_url}/webhooks/rest/webhook", method="POST",
                                     data=json.dumps({"sender": sender, "message": "xem vé của tôi"}).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_nobody_on_the_web_speaks_in_a_telegram_or_zalo_visitors_conversation(running_bot):
    """A Telegram chat id is easy to guess, and its conversation holds that visitor's bookings: on the REST webhook
    only the bridge, showing the key derived from the bot's token, may speak in it; in a Zalo user's, nobody."""
    from bot.channels.guard import BRIDGE_HEADER, bridge_key

    chat = f"telegram-{new_chat()}"
    assert rest_status(running_bot, chat) == 403
    assert rest_status(running_bot, chat, {BRIDGE_HEADER: bridge_key("another bot's token")}) == 403
    assert rest_status(running_bot, chat, {BRIDGE_HEADER: bridge_key(TELEGRAM_TOKEN)}) == 200
    assert rest_status(running_bot, f"zalo-{uuid.uuid4().int % 10**18}") == 403
    assert rest_status(running_bot, f"web-{uuid.uuid4().hex[:8]}") == 200  # a web visitor's own conversation
