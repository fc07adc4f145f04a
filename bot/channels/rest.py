"""Rasa's REST channel at the same URL (/webhooks/rest/webhook), with our guard around each turn:
the text is cleaned and limited, and a turn that produced no reply gets a polite apology."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint

from bot import serving
from bot.channels.guard import answer_guarded
from bot.settings import Settings

serving.install()  # Rasa serves this channel: make its serving path fast


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

        return super().blueprint(guarded)
