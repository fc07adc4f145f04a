"""Rasa's REST channel at the same URL (/webhooks/rest/webhook), with our guard around each turn:
the text is cleaned and limited, and a turn that produced no reply gets a polite apology. Conversations of the
other channels ("telegram-<chat>", "zalo-<user>") are refused with 403, except to the Telegram bridge showing its key:
a Telegram chat id is easy to guess, and the conversation holds that visitor's bookings.

REST answers requests; it cannot reach a visitor by itself. A message the bot sends first to a REST conversation
(the e-ticket after a payment, a reminder, an expired hold: bot/notifications) is recorded in the tracker when it
happens and waits; it is handed over at the top of that visitor's next reply, before the answer to what they sent.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.admission import conversation_turns
from bot.channels.guard import BRIDGE_HEADER, answer_guarded, may_speak_as, please_wait_for
from bot.notifications.jobs import take_waiting_replies
from bot.settings import current_settings

logger = logging.getLogger(__name__)


def read_message(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The message a webhook body holds (a JSON object with a string "sender" and a string "message"), or why it
    holds none. Rasa's own channel answered such bodies with HTTP 500."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return None, "the body is not JSON"
    if not isinstance(data, dict):
        return None, "the body is not a JSON object"
    for field in ("sender", "message"):
        if not isinstance(data.get(field), str):
            return None, f'"{field}" must be a string'
    return data, None


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = current_settings()
        max_chars = settings.max_message_chars
        telegram_token = settings.telegram_bot_token or None  # the bridge's key is derived from it

        async def guarded(message: UserMessage) -> None:
            collector = message.output_channel
            if not isinstance(collector, CollectingOutputChannel):  # streaming: no way to tell, pass through
                await on_new_message(message)
                return

            async def handle(text: str) -> None:
                message.text = text
                await on_new_message(message)

            async def apologise(apology: str) -> None:
                await collector.send_text_message(message.sender_id, apology)

            await answer_guarded(message.text or "", message.sender_id, handle, lambda: bool(collector.messages),
                                 apologise, max_chars)
            try:
                waiting = await asyncio.to_thread(take_waiting_replies, message.sender_id)
            except Exception:  # noqa: BLE001 - the database down: this turn's answer still goes out
                logger.warning("could not read the messages waiting for a REST conversation", exc_info=True)
                waiting = []
            collector.messages[:0] = waiting

        blueprint = super().blueprint(guarded)

        @blueprint.middleware("request")
        async def refuse_early(request: Request) -> response.HTTPResponse | None:
            """Before Rasa's handler: a body that is not a message gets 400, and a conversation that already has
            its turns waiting is told to wait at once (a flood costs as little as possible)."""
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            data, reason = read_message(request.body)
            if data is None:
                logger.warning("REST webhook: malformed request refused (%s)", reason)  # never the body
                return response.json({"error": reason}, status=400)
            if not may_speak_as(data["sender"], request.headers.get(BRIDGE_HEADER), telegram_token):
                logger.warning("REST webhook: a message for another channel's conversation refused")  # never who
                return response.json({"error": "this conversation belongs to another channel"}, status=403)
            if await conversation_turns().full(data["sender"]):
                return response.json([{"recipient_id": data["sender"], "text": please_wait_for(data["message"])}])
            return None

        return blueprint
