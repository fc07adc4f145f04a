"""One reading of Rasa's reply messages for every chat channel, so that Telegram and Zalo say the same things.

Rasa hands a channel dicts with `text`, `buttons`, `image` and `custom` (our actions' json_message: an
e-ticket `ticket_qr`, a site's `venue`). `to_replies` turns them into a short list of things to send; each
channel only decides how to draw them.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Iterable

from bot.text import split_for_chat


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    kind: str  # "text", "photo" or "venue"
    text: str = ""
    buttons: tuple[Button, ...] = ()
    request_location: str | None = None  # the label of a "send my location" button, where the channel has one
    photo_url: str | None = None
    photo_png: bytes | None = None
    venue: dict[str, Any] = field(default_factory=dict)


def qr_png(content: str, scale: int = 8) -> bytes:
    """A QR code as PNG bytes, with enough quiet zone for a gate scanner to read it off a phone."""
    import segno

    buffer = io.BytesIO()
    segno.make(content, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _buttons(raw: Iterable[dict[str, Any]] | None) -> tuple[Button, ...]:
    return tuple(Button(str(b.get("title", "")), str(b.get("payload", ""))) for b in raw or ()
                 if b.get("title") and b.get("payload"))


def to_replies(messages: Iterable[dict[str, Any]], text_limit: int) -> list[Reply]:
    """What to send for one turn, in order; texts longer than `text_limit` are split (buttons go last)."""
    replies: list[Reply] = []
    for message in messages:
        if message.get("text"):
            pieces = split_for_chat(str(message["text"]), text_limit)
            buttons = _buttons(message.get("buttons"))
            replies += [Reply("text", piece) for piece in pieces[:-1]]
            replies.append(Reply("text", pieces[-1], buttons))
        elif message.get("buttons"):  # buttons without text still need something to hang on
            replies.append(Reply("text", "…", _buttons(message.get("buttons"))))
        if message.get("image"):
            replies.append(Reply("photo", photo_url=str(message["image"])))
        custom = message.get("custom") or {}
        if isinstance(custom, dict):
            if custom.get("ticket_qr"):
                replies.append(Reply("photo", text=str(custom.get("booking_code", "")),
                                     photo_png=qr_png(str(custom["ticket_qr"]))))
            if custom.get("request_location") and replies and replies[-1].kind == "text":
                last = replies[-1]
                replies[-1] = Reply("text", last.text, last.buttons, request_location=str(custom["request_location"]))
            venue = custom.get("venue")
            if isinstance(venue, dict) and {"latitude", "longitude"} <= venue.keys():
                replies.append(Reply("venue", venue=venue))
    return replies



# What a channel's output raises when its API refuses a message the bot sends first (blocked, never talked to the
# bot, outside the OA's window). Rasa's trigger-intent answer carries the text; the notification job reads it there
# and counts the refusal instead of trying again (bot/notifications/push.py).
DELIVERY_REFUSED = "delivery refused"


class DeliveryRefused(RuntimeError):
    def __init__(self, channel: str, reason: str):
        super().__init__(f"{DELIVERY_REFUSED}: {channel} {reason}")
