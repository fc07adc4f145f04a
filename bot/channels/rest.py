"""Rasa's REST channel at the same URL (/webhooks/rest/webhook), with our guard around each turn:
the text is cleaned and limited, and a turn that produced no reply gets a polite apology."""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.guard import answer_guarded
from bot.settings import Settings

logger = logging.getLogger(__name__)


def malformed(body: bytes) -> str | None:
    """Why a webhook body is not a message (a JSON object with a string "sender" and a string "message"), or
    None. Rasa's own channel answered such bodies with HTTP 500."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return "the body is not JSON"
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    for field in ("sender", "message"):
        if not isinstance(data.get(field), str):
            return f'"{field}" must be a string'
    return None


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        max_chars = Settings.from_env().max_message_chars

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

        blueprint = super().blueprint(guarded)

        @blueprint.middleware("request")
        async def refuse_malformed(request: Request) -> response.HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            reason = malformed(request.body)
            if reason is None:
                return None
            logger.warning("REST webhook: malformed request refused (%s)", reason)  # never the body: it may be personal
            return response.json({"error": reason}, status=400)

        return blueprint
