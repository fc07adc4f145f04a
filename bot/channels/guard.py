"""What every channel does around Rasa: clean the user's text, and never leave the user without a reply.

Rasa answers nothing when a custom action fails (the action server is down, say): it logs the error and
waits for the next message. A channel therefore checks that a turn produced at least one message, and if
not sends a short apology. A sender with too many turns already waiting is told to wait, without reaching
Rasa at all. These two texts live here, not in the domain, because they are sent exactly when Rasa is not
asked (or cannot answer).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Awaitable, Callable

from bot.channels.admission import admission, conversation_turns
from bot.language import detect_language
from bot.privacy import pseudonym
from bot.text import clean_user_text

logger = logging.getLogger(__name__)

APOLOGY = {
    "vi": "Xin lỗi, hệ thống đang bận hoặc gặp sự cố nên chưa trả lời được. Bạn vui lòng thử lại sau ít phút nhé.",
    "en": "Sorry, the system is busy or having a problem and could not answer. Please try again in a few minutes.",
}
PLEASE_WAIT = {
    "vi": "Mình vẫn đang trả lời các tin nhắn trước của bạn. Bạn chờ một chút rồi hãy nhắn tiếp nhé.",
    "en": "I am still answering your previous messages. Please wait a moment before sending more.",
}


def apology_for(text: str) -> str:
    return APOLOGY.get(detect_language(text) or "vi", APOLOGY["vi"])


def please_wait_for(text: str) -> str:
    return PLEASE_WAIT.get(detect_language(text) or "vi", PLEASE_WAIT["vi"])


async def answer_guarded(
    text: str,
    sender_id: str,
    handle: Callable[[str], Awaitable[None]],
    replied: Callable[[], bool],
    send_apology: Callable[[str], Awaitable[None]],
    max_chars: int,
) -> None:
    """Run one turn: after the conversation's earlier turns, `handle` the cleaned text when Rasa has room for it
    (bot/channels/admission.py); if it fails or `replied()` is still False, apologise. A conversation that already
    has QN_TURNS_PER_CONVERSATION turns waiting is told to wait instead, without taking anyone's place."""
    cleaned = clean_user_text(text, max_chars) or " "
    turn = await conversation_turns().admit(sender_id)
    if turn is None:
        logger.info("too many turns waiting for %s; asked to wait", pseudonym(sender_id))
        await send_apology(please_wait_for(cleaned))
        return
    try:
        async with turn:
            await admission().run(handle(cleaned))
    except Exception:  # noqa: BLE001 - whatever broke, the user gets an answer
        logger.exception("turn failed for %s", pseudonym(sender_id))
    if not replied():
        logger.warning("no reply produced for %s; sending an apology", pseudonym(sender_id))
        await send_apology(apology_for(cleaned))


# The REST channel is open to anyone, but conversations named "telegram-<chat>" and "zalo-<user>" hold those
# visitors' bookings: only the Telegram bridge (which shows this key) and the Zalo webhook speak in them.
BRIDGE_HEADER = "X-QN-Bridge-Key"


def bridge_key(bot_token: str) -> str:
    """The key the Telegram bridge shows the REST channel, derived from the bot's token, which both hold."""
    return hmac.new(bot_token.encode(), b"qn-telegram-bridge", hashlib.sha256).hexdigest()


def may_speak_as(sender: str, presented_key: str | None, bot_token: str | None) -> bool:
    """Whether a REST request may speak in conversation `sender`: anyone in their own, never in a Zalo user's (Zalo
    comes through its signed webhook), in a Telegram chat's only with the bridge's key."""
    if sender.startswith("zalo-"):
        return False
    if sender.startswith("telegram-"):
        return bool(bot_token and presented_key and hmac.compare_digest(presented_key, bridge_key(bot_token)))
    return True
