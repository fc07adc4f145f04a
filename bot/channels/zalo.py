"""Zalo Official Account webhook, as a Rasa input channel: POST /webhooks/zalo/webhook.

Every event is checked before anything else: its X-ZEvent-Signature must be
"mac=" + sha256(app_id + raw body + timestamp + OA secret key) and its app_id ours; otherwise 401 (no
signature) or 403 (a wrong one), and Rasa never sees it. Zalo wants a 200 within 2 seconds and may resend an
event, so the channel answers at once, handles the turn in the background and ignores a msg_id it has seen (on any
replica, when they share Redis).

Users' text (a pressed button arrives as text: its hidden payload), shared locations ("lat, lon") and images
(answered with what the bot can do) become turns; other event kinds are acknowledged and ignored. Replies go
through the OA customer-service message API with the OA access token (renewed by bot/zalo_tokens.py
when a refresh token is configured): text in pieces of at most 2,000 characters, buttons as up to 5
hidden-payload query buttons per message, the e-ticket as an uploaded QR image.

Messages the bot sends first (the e-ticket after a payment, a reminder, an expired hold: bot/notifications) come
through Rasa's trigger-intent API with output_channel=zalo, i.e. `ZaloInput.get_output_channel()`. The OA may send
a customer-service message only within its window after the user's last message; outside it, Zalo refuses
(OUTSIDE_WINDOW), and the bot sends the same content as a transaction message (template transaction_booking),
the kind the OA API permits for a booking outside the window. If Zalo refuses that too, the push raises
DeliveryRefused: logged and counted by the notification job, never retried.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Text

import httpx
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.guard import answer_guarded
from bot.channels.replies import DeliveryRefused, Reply, to_replies
from bot.channels.shared import SharedRedis, SharedSeenEvents
from bot.db import get_engine
from bot.privacy import pseudonym
from bot.settings import SettingsError, ZaloSettings, current_settings, current_zalo_settings
from bot.zalo_tokens import INVALID_TOKEN_ERROR, ZaloAccessToken, ZaloTokenStore

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # the OA message API's limit
BUTTONS_PER_MESSAGE = 5
# The OA API's answers when a customer-service message is outside what it allows for this user (no message from
# them within the window, or not a follower).
OUTSIDE_WINDOW = {-213, -230}
MEDIA_EVENTS = {"user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio", "user_send_video",
                "user_send_file", "user_send_link", "user_send_business_card"}


def event_mac(app_id: str, raw_body: str, timestamp: str, oa_secret_key: str) -> str:
    """Zalo's signature of an event: plain SHA-256 (not an HMAC) of the four strings joined."""
    return hashlib.sha256(f"{app_id}{raw_body}{timestamp}{oa_secret_key}".encode()).hexdigest()


class SeenEvents:
    """msg_ids handled in the last hour: Zalo resends an event it thinks was not delivered. This process's own
    memory; with QN_REDIS_URL set, replicas share it (bot/channels/shared.py)."""

    def __init__(self, ttl_seconds: float = 3600, capacity: int = 50_000):
        self._ttl, self._capacity = ttl_seconds, capacity
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (next(iter(self._seen.values())) < now - self._ttl or len(self._seen) > self._capacity):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def turn_text(event: dict[str, Any]) -> str | None:
    """What an event says to the bot, or None for events that are not a user talking."""
    name, message = event.get("event_name"), event.get("message") or {}
    if name == "user_send_text":
        return str(message.get("text") or "")
    if name == "user_send_location":
        try:
            coordinates = message["attachments"][0]["payload"]["coordinates"]
            return f"{float(coordinates['latitude']):.6f}, {float(coordinates['longitude']):.6f}"
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    if name in MEDIA_EVENTS:
        return "/help"  # the bot reads no pictures: say what it can do
    return None


class ZaloOutput(OutputChannel):
    """Sends a turn's replies to one user through the OA message API. `push`: a message the bot sends first
    (no user message to answer): outside the window it goes as a transaction message, and a refusal raises."""

    @classmethod
    def name(cls) -> Text:
        return "zalo"

    def __init__(self, settings: ZaloSettings, http: httpx.AsyncClient, user_id: str | None, token: ZaloAccessToken,
                 push: bool = False):
        self._settings, self._http, self._user_id, self._token = settings, http, user_id or "", token
        self._push = push
        self.sent = False
        self.last_error: Any = None

    async def send_response(self, recipient_id: Text, message: dict[str, Any]) -> None:
        if not self._user_id:  # a push: Rasa names the conversation, "zalo-<user id>"
            self._user_id = recipient_id.removeprefix("zalo-")
        for reply in to_replies([message], TEXT_LIMIT):
            await self._send(reply)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any] | None:
        token = await self._token.get(self._http)
        try:
            body = await self._call(path, token, **kwargs)
            if body.get("error") == INVALID_TOKEN_ERROR:  # revoked or expired early: renew once and retry
                renewed = await self._token.rejected(self._http, token)
                if renewed:
                    body = await self._call(path, renewed, **kwargs)
        except (httpx.HTTPError, ValueError, AttributeError):
            logger.warning("Zalo API unreachable (%s) for %s", path, pseudonym(self._user_id), exc_info=True)
            self.last_error = "unreachable"
            return None
        if body.get("error") != 0:  # Zalo reports errors in the body, with HTTP 200
            logger.warning("Zalo API %s refused a message for %s: %s %s", path, pseudonym(self._user_id),
                           body.get("error"), body.get("message"))
            self.last_error = body.get("error")
            return None
        return body

    async def _call(self, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        answer = await self._http.post(f"{self._settings.api_base_url}{path}", headers={"access_token": token},
                                       **kwargs)
        return answer.json()

    async def _message(self, message: dict[str, Any], transaction: dict[str, Any] | None = None) -> None:
        """A customer-service message; for a push outside the OA's window, `transaction` (the same content as a
        transaction message) instead; a push refused raises DeliveryRefused."""
        sent = await self._post("/v3.0/oa/message/cs",
                                json={"recipient": {"user_id": self._user_id}, "message": message})
        if sent is None and self._push and transaction is not None and self.last_error in OUTSIDE_WINDOW:
            sent = await self._post("/v3.0/oa/message/transaction",
                                    json={"recipient": {"user_id": self._user_id}, "message": transaction})
        if sent is None and self._push:
            raise DeliveryRefused("zalo", f"error {self.last_error}")
        self.sent = self.sent or sent is not None

    @staticmethod
    def _transaction(elements: list[dict[str, Any]], buttons: tuple[Any, ...] = ()) -> dict[str, Any]:
        payload: dict[str, Any] = {"template_type": "transaction_booking", "language": "VI", "elements": elements}
        if buttons:
            payload["buttons"] = [{"title": b.title[:100], "type": "oa.query.hide", "payload": b.payload}
                                  for b in buttons[:BUTTONS_PER_MESSAGE]]
        return {"attachment": {"type": "template", "payload": payload}}

    async def _send(self, reply: Reply) -> None:
        if reply.kind == "text":
            groups = [reply.buttons[i:i + BUTTONS_PER_MESSAGE]
                      for i in range(0, len(reply.buttons), BUTTONS_PER_MESSAGE)] or [()]
            for index, group in enumerate(groups):
                message: dict[str, Any] = {"text": reply.text if index == 0 else "…"}
                if group:
                    message["attachment"] = {"type": "template", "payload": {"buttons": [
                        {"title": b.title[:100], "type": "oa.query.hide", "payload": b.payload} for b in group]}}
                await self._message(message, self._transaction(
                    [{"type": "text", "align": "left", "content": message["text"]}], group))
        elif reply.kind == "photo":
            element: dict[str, Any] = {"media_type": "image"}
            if reply.photo_png:
                uploaded = await self._post("/v2.0/oa/upload/image",
                                            files={"file": ("ticket.png", reply.photo_png, "image/png")})
                if uploaded is None:
                    if self._push:
                        raise DeliveryRefused("zalo", f"upload error {self.last_error}")
                    return
                element["attachment_id"] = uploaded["data"]["attachment_id"]
            else:
                element["url"] = reply.photo_url
            message = {"attachment": {"type": "template", "payload": {"template_type": "media",
                                                                      "elements": [element]}}}
            if reply.text:
                message["text"] = reply.text
            banner = {"type": "banner", **{k: v for k, v in element.items() if k != "media_type"}}
            await self._message(message, self._transaction(
                [banner] + ([{"type": "header", "content": reply.text, "align": "left"}] if reply.text else [])))
        # A venue has no OA message kind; the text before it already carries the map link.


class ZaloInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "zalo"

    def __init__(self) -> None:
        self._seen: SeenEvents | SharedSeenEvents = SeenEvents()
        settings = current_settings()
        if settings.redis_url:
            self._seen = SharedSeenEvents(SharedRedis(settings.redis_url, settings.redis_key_prefix), "zalo",
                                          self._seen)
        self._http: httpx.AsyncClient | None = None
        self._token: ZaloAccessToken | None = None
        self._token_for: ZaloSettings | None = None

    def _access_token(self, settings: ZaloSettings) -> ZaloAccessToken:
        """One token keeper per set of settings (the settings are read per event, so a changed environment
        takes effect)."""
        if self._token is None or self._token_for != settings:
            store = None
            if settings.app_secret and settings.refresh_token:
                store = ZaloTokenStore(get_engine(current_settings().database_url))
            self._token = ZaloAccessToken(settings.app_id, settings.access_token, settings.app_secret,
                                          settings.refresh_token, settings.oauth_base_url, store)
            self._token_for = settings
        return self._token

    def get_output_channel(self) -> OutputChannel | None:
        """For Rasa's trigger-intent API (output_channel=zalo): the messages the bot sends first."""
        try:
            settings = current_zalo_settings()
        except SettingsError as error:
            raise DeliveryRefused("zalo", "not configured") from error
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=20)
        return ZaloOutput(settings, self._http, None, self._access_token(settings), push=True)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        zalo = Blueprint("zalo_webhook", __name__)
        max_chars = current_settings().max_message_chars

        @zalo.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @zalo.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                settings = current_zalo_settings()
            except SettingsError as error:
                logger.error("Zalo channel not configured: %s", error)
                return response.json({"error": "not configured"}, status=503)
            signature = request.headers.get("X-ZEvent-Signature", "").strip()
            if not signature:
                return response.json({"error": "unsigned"}, status=401)
            raw = request.body.decode("utf-8", errors="replace")
            try:
                event = json.loads(raw)
                app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
            except (ValueError, KeyError, TypeError):
                return response.json({"error": "forged"}, status=403)
            expected = event_mac(settings.app_id, raw, timestamp, settings.oa_secret_key)
            given = signature[4:] if signature.lower().startswith("mac=") else signature
            if app_id != settings.app_id or not hmac.compare_digest(given.lower(), expected):
                logger.warning("Zalo event with a bad signature refused")
                return response.json({"error": "forged"}, status=403)

            try:
                text = turn_text(event)
                user_id = str((event.get("sender") or {}).get("id") or "")
            except (AttributeError, TypeError, ValueError):  # signed, but not the shape of an OA event
                logger.warning("Zalo event of an unknown shape refused")
                return response.json({"error": "not an OA event"}, status=400)
            if text is None or not user_id:
                return response.json({"status": "ignored"})
            msg_id = str((event.get("message") or {}).get("msg_id") or f"{user_id}:{timestamp}")
            if not await self._seen.first_time(msg_id):
                return response.json({"status": "duplicate"})
            request.app.add_task(self._turn(settings, on_new_message, user_id, text, max_chars))
            return response.json({"status": "accepted"})

        return zalo

    async def _turn(self, settings: ZaloSettings, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                    user_id: str, text: str, max_chars: int) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=20)
        output = ZaloOutput(settings, self._http, user_id, self._access_token(settings))
        sender = f"zalo-{user_id}"

        async def handle(cleaned: str) -> None:
            await on_new_message(UserMessage(cleaned, output, sender, input_channel=self.name()))

        async def apologise(apology: str) -> None:
            await output.send_response(user_id, {"text": apology})

        await answer_guarded(text, sender, handle, lambda: output.sent, apologise, max_chars)
