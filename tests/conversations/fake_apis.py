"""Local stand-ins for Telegram's Bot API and Zalo's OA API, speaking their wire formats, so that the real
python-telegram-bot and our Zalo channel are tested without the internet. Every request is recorded."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TELEGRAM_TOKEN = "123456:TEST-token-for-the-fake-bot-api"
ZALO_ACCESS_TOKEN = "zalo-test-access-token-0123456789"
ZALO_APP_SECRET = "zalo-test-app-secret-0123456789"
ZALO_REFRESH_TOKEN = "zalo-test-refresh-token-0123456789"


@dataclass
class Call:
    path: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


def _form(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}"), {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=email_policy).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        params, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if part.get_filename():
                files[name] = part.get_payload(decode=True)
            else:
                params[name] = part.get_content()
        return params, files
    return dict(parse_qsl(body.decode())), {}


class FakeApis:
    """One local HTTP server: /bot<token>/<method> is Telegram, /v2.0 and /v3.0 are Zalo."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []  # served by getUpdates (polling mode)
        self._lock = threading.Lock()
        self._message_id = 0
        # Zalo's OAuth server: the one access token the OA API accepts, and the one refresh token (single use)
        # that gives the next pair
        self.zalo_access_token, self.zalo_refresh_token = ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN
        self.zalo_expires_in = "90000"
        self.zalo_renewals: list[Call] = []
        # Limits of the real services, for messages the bot sends first: Telegram chats that blocked the bot (403),
        # Zalo users outside the OA's customer-service window, and those to whom even a transaction message is refused
        self.telegram_blocked: set[int] = set()
        self.zalo_outside_window: set[str] = set()
        self.zalo_no_transaction: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params, files = _form(self.headers.get("Content-Type", ""), body)
                path = urlsplit(self.path).path
                answer = fake.answer(Call(path, params, files, dict(self.headers)))
                data = json.dumps(answer).encode()
                # Telegram answers an error with its HTTP status too (403 for a blocked chat); Zalo always with 200.
                self.send_response(int(answer.get("error_code", 200)) if answer.get("ok") is False else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()

    def answer(self, call: Call) -> dict[str, Any]:
        if call.path.startswith("/bot"):
            return self._telegram(call)
        if call.path == "/v4/oa/access_token":
            return self._zalo_oauth(call)
        return self._zalo(call)

    # Telegram Bot API
    def _telegram(self, call: Call) -> dict[str, Any]:
        token, _, method = call.path[len("/bot"):].partition("/")
        if token != TELEGRAM_TOKEN:
            return {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getUpdates":
            return {"ok": True, "result": self._next_updates(int(call.params.get("offset") or 0),
                                                             float(call.params.get("timeout") or 0))}
        with self._lock:
            self.calls.append(call)
            self._message_id += 1
            message_id = self._message_id
        if method == "getMe":
            return {"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "QN", "username": "qn_test_bot",
                                           "can_join_groups": False, "can_read_all_group_messages": False,
                                           "supports_inline_queries": False}}
        if method.startswith("send") and int(call.params.get("chat_id") or 0) in self.telegram_blocked:
            return {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if method.startswith("send") and method != "sendChatAction":
            chat = {"id": int(call.params["chat_id"]), "type": "private"}
            return {"ok": True, "result": {"message_id": message_id, "date": int(time.time()), "chat": chat,
                                           "text": call.params.get("text", "")}}
        return {"ok": True, "result": True}

    def _next_updates(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + min(timeout, 1.0)
        while True:
            with self._lock:
                ready = [u for u in self.updates if u["update_id"] >= offset]
            if ready or time.monotonic() >= deadline:
                return ready
            time.sleep(0.05)

    def telegram_sent(self, chat_id: int) -> list[Call]:
        """What the bot sent to one chat: messages, photos, venues (not typing notices)."""
        with self._lock:
            return [c for c in self.calls if c.path.startswith("/bot") and str(c.params.get("chat_id")) == str(chat_id)
                    and c.path.rsplit("/", 1)[1] in ("sendMessage", "sendPhoto", "sendVenue", "sendLocation")]

    # Zalo OAuth: a refresh token for a new access token and a new refresh token
    def _zalo_oauth(self, call: Call) -> dict[str, Any]:
        with self._lock:
            self.zalo_renewals.append(call)
            if (call.headers.get("secret_key") != ZALO_APP_SECRET or call.params.get("grant_type") != "refresh_token"
                    or call.params.get("refresh_token") != self.zalo_refresh_token or not call.params.get("app_id")):
                return {"error": -1, "error_name": "refused by the fake", "error_description": "not a valid refresh"}
            number = len(self.zalo_renewals)
            self.zalo_access_token = f"zalo-renewed-access-{number}-0123456789"
            self.zalo_refresh_token = f"zalo-renewed-refresh-{number}-0123456789"
            return {"access_token": self.zalo_access_token, "refresh_token": self.zalo_refresh_token,
                    "expires_in": self.zalo_expires_in}

    # Zalo OA API
    def _zalo(self, call: Call) -> dict[str, Any]:
        if call.headers.get("access_token") != self.zalo_access_token:
            return {"error": -216, "message": "Access token is invalid"}
        with self._lock:
            self.calls.append(call)
            self._message_id += 1
            message_id = self._message_id
        if call.path == "/v2.0/oa/upload/image":
            return {"error": 0, "message": "Success", "data": {"attachment_id": f"att{message_id}"}}
        user = str(call.params.get("recipient", {}).get("user_id"))
        outside = {"error": -213, "message": "User has not interacted with the OA in the allowed time"}
        if call.path == "/v3.0/oa/message/cs":
            if user in self.zalo_outside_window:
                return outside
            return {"error": 0, "message": "Success", "data": {"message_id": f"m{message_id}", "user_id": user}}
        if call.path == "/v3.0/oa/message/transaction":
            if user in self.zalo_no_transaction:
                return outside
            return {"error": 0, "message": "Success", "data": {"message_id": f"m{message_id}", "user_id": user}}
        return {"error": -201, "message": "Parameters are invalid"}

    def zalo_sent(self, user_id: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == "/v3.0/oa/message/cs"
                    and c.params.get("recipient", {}).get("user_id") == user_id]

    def zalo_transactions(self, user_id: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == "/v3.0/oa/message/transaction"
                    and c.params.get("recipient", {}).get("user_id") == user_id]

    def zalo_uploads(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == "/v2.0/oa/upload/image"]


def wait_for_quiet(count, at_least: int = 1, quiet: float = 1.5, timeout: float = 60) -> int:
    """Wait until `count()` reached `at_least` and then stopped growing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = count(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        elif now >= at_least and time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"no quiet reply within {timeout} s (got {last}, wanted at least {at_least})")
