"""Telegram, through python-telegram-bot: a bridge process between Telegram and Rasa's (guarded) REST channel.

    python -m bot.channels.telegram              # long polling: needs only TELEGRAM_BOT_TOKEN
    TELEGRAM_WEBHOOK_URL=https://bot.example TELEGRAM_WEBHOOK_SECRET=... python -m bot.channels.telegram

In webhook mode Telegram must send the secret in X-Telegram-Bot-Api-Secret-Token; python-telegram-bot's
server answers 403 to any request without it, so a forged update never reaches Rasa.

What users send becomes Rasa text: a message as typed, a button press as the button's payload, a shared
location as "lat, lon", /start <payload> (a site's QR deep link) as the payload, /start and /help as greetings.
Replies are drawn natively (bot/channels/replies.py): plain text (no parse mode, so nothing needs escaping),
buttons as an inline keyboard, the e-ticket as a QR photo, a site's pin as a venue. Rasa unreachable: a short
apology instead of silence.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Coroutine

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.admission import ConversationTurns
from bot.channels.guard import apology_for, please_wait_for
from bot.channels.replies import Reply, to_replies
from bot.entry import SITE_PAYLOAD_PREFIX, TELEGRAM_PAYLOAD
from bot.privacy import pseudonym
from bot.settings import Settings, SettingsError, environment, require_secret

logger = logging.getLogger(__name__)

CALLBACK_DATA_BYTES = 64  # Telegram's limit on a button's callback_data
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH - 96  # 4,096 less room for a split marker
BUTTON_EXPIRED = {
    "vi": "Nút này đã cũ, bạn vui lòng nhắn lại câu hỏi nhé.",
    "en": "That button has expired; please type your question again.",
}


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    rasa_url: str
    api_base_url: str | None  # a local Bot API server, or a test's fake
    webhook_url: str | None  # public base URL; set = webhook mode
    webhook_secret: str | None
    listen: str
    port: int

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "TelegramSettings":
        env = environment(environ)
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip().rstrip("/") or None
        secret = None
        if webhook_url:
            secret = require_secret("TELEGRAM_WEBHOOK_SECRET", environ)
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise SettingsError("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        try:
            port = int(env.get("TELEGRAM_WEBHOOK_PORT", "8443"))
        except ValueError as exc:
            raise SettingsError("TELEGRAM_WEBHOOK_PORT must be a port number") from exc
        return cls(token=require_secret("TELEGRAM_BOT_TOKEN", environ), rasa_url=Settings.from_env(environ).rasa_url,
                   api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or None, webhook_url=webhook_url,
                   webhook_secret=secret, listen=env.get("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"), port=port)


class ButtonPayloads:
    """callback_data is limited to 64 bytes; longer payloads are kept here under a short key. Bounded: a very
    old button's key may be gone (or the bridge restarted), and the user is asked to type instead."""

    def __init__(self, capacity: int = 20_000):
        self._capacity = capacity
        self._payloads: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode()) <= CALLBACK_DATA_BYTES and not payload.startswith("#"):
            return payload
        key = "#" + hashlib.sha256(payload.encode()).hexdigest()[:20]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)
        return key

    def payload_for(self, data: str) -> str | None:
        return self._payloads.get(data) if data.startswith("#") else data


CONCURRENT_UPDATES = 256  # updates in progress at once, all chats together


class RasaClient:
    def __init__(self, rasa_url: str, timeout: float = 30):
        self._url = f"{rasa_url}/webhooks/rest/webhook"
        self._http = httpx.AsyncClient(timeout=timeout)

    async def ask(self, sender: str, text: str) -> list[dict[str, Any]] | None:
        """Rasa's replies, or None if Rasa could not be reached."""
        try:
            response = await self._http.post(self._url, json={"sender": sender, "message": text})
            response.raise_for_status()
            messages = response.json()
            return messages if isinstance(messages, list) else None
        except (httpx.HTTPError, ValueError):
            logger.warning("Rasa unreachable for %s", pseudonym(sender), exc_info=True)
            return None

    async def close(self) -> None:
        await self._http.aclose()


class ChatOrder:
    """Updates of different chats are handled at once (the application runs them concurrently); those of one
    chat one after the other, in arrival order, so a visitor's second message never overtakes the first. A chat
    with QN_TURNS_PER_CONVERSATION updates already waiting is told to wait (bot/channels/admission.py).

    The line is this process's own even when replicas share Redis: one bridge receives all of Telegram's updates,
    and the REST channel it talks to counts the same chat in the shared line again (sharing this one too would
    count each turn twice)."""

    def __init__(self, turns: ConversationTurns | None = None) -> None:
        self._turns = turns or ConversationTurns(Settings.from_env().turns_per_conversation)

    def wrap(self, handler: Callable[[Update, Any], Coroutine[Any, Any, None]]
             ) -> Callable[[Update, Any], Coroutine[Any, Any, None]]:
        async def in_order(update: Update, context: Any) -> None:
            chat = update.effective_chat if isinstance(update, Update) else None
            if chat is None:
                await handler(update, context)
                return
            turn = await self._turns.admit(f"telegram-{chat.id}")
            if turn is None:
                said = update.effective_message.text if update.effective_message else None
                await context.bot.send_message(chat.id, please_wait_for(said or ""))
                return
            async with turn:
                await handler(update, context)

        return in_order


class TelegramBridge:
    def __init__(self, rasa: RasaClient):
        self.rasa = rasa
        self.payloads = ButtonPayloads()
        self.order = ChatOrder()

    def install(self, application: Application) -> None:
        in_order = self.order.wrap
        application.add_handler(CommandHandler("start", in_order(self.on_start)))
        application.add_handler(CommandHandler("help", in_order(self.on_help)))
        application.add_handler(CallbackQueryHandler(in_order(self.on_button)))
        application.add_handler(MessageHandler(filters.LOCATION, in_order(self.on_location)))
        application.add_handler(MessageHandler(filters.TEXT, in_order(self.on_text)))
        application.add_handler(MessageHandler(~filters.TEXT & ~filters.LOCATION & ~filters.COMMAND,
                                               in_order(self.on_unsupported)))
        application.add_error_handler(self.on_error)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One place for whatever a handler did not expect: log it, and apologise if there is a chat."""
        chat = update.effective_chat if isinstance(update, Update) else None
        logger.error("Telegram update failed for %s", pseudonym(str(chat.id)) if chat else "-",
                     exc_info=context.error)
        if chat is not None:
            try:
                await context.bot.send_message(chat.id, apology_for(""))
            except Exception:  # noqa: BLE001 - Telegram itself unreachable: nothing more to do
                logger.warning("could not apologise on Telegram", exc_info=True)

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        payload = context.args[0] if context.args else ""
        opens_site = payload.startswith(SITE_PAYLOAD_PREFIX) and TELEGRAM_PAYLOAD.match(payload)
        await self.converse(update, context, payload if opens_site else "/greet")

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.converse(update, context, "/help")

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        await self.converse(update, context, (message.text if message else None) or "")

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        location = update.effective_message.location if update.effective_message else None
        if location is None:  # the filter lets only locations through; an edited message may have lost it
            return
        await self.converse(update, context, f"{location.latitude:.6f}, {location.longitude:.6f}")

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A photo, sticker or voice note: say so in words the bot understands ("help").
        await self.converse(update, context, "/help")

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None or chat is None:
            return
        await query.answer()  # stops the button's spinner
        payload = self.payloads.payload_for(query.data or "")
        if payload is None:
            language = "en" if (query.from_user.language_code or "").startswith("en") else "vi"
            await context.bot.send_message(chat.id, BUTTON_EXPIRED[language])
            return
        await self.converse(update, context, payload)

    async def converse(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        if update.effective_chat is None:
            return
        chat_id = update.effective_chat.id
        sender = f"telegram-{chat_id}"
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        messages = await self.rasa.ask(sender, text)
        if messages is None:
            await context.bot.send_message(chat_id, apology_for(text))
            return
        for reply in to_replies(messages, TEXT_LIMIT):
            await self.send(context, chat_id, reply)

    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
        if reply.kind == "text":
            markup: Any = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.title[:64], callback_data=self.payloads.data_for(b.payload))]
                 for b in reply.buttons]) if reply.buttons else None
            if reply.request_location:  # Telegram's own "share my location" keyboard, gone after one use
                markup = ReplyKeyboardMarkup([[KeyboardButton(reply.request_location, request_location=True)]],
                                             one_time_keyboard=True, resize_keyboard=True)
            await context.bot.send_message(chat_id, reply.text, reply_markup=markup)
        elif reply.kind == "photo" and (reply.photo_png or reply.photo_url):
            await context.bot.send_photo(chat_id, reply.photo_png or reply.photo_url or "", caption=reply.text or None)
        elif reply.kind == "venue":
            venue = reply.venue
            await context.bot.send_venue(chat_id, latitude=float(venue["latitude"]),
                                         longitude=float(venue["longitude"]), title=str(venue.get("title", ""))[:256],
                                         address=str(venue.get("address", ""))[:256])


def build_application(settings: TelegramSettings) -> Application:
    rasa = RasaClient(settings.rasa_url)
    # Updates are handled concurrently (PTB handles one at a time by default: with Rasa taking 2 s a turn, the
    # fourth chat waited 8 s); ChatOrder keeps each chat's own messages in order.
    builder = Application.builder().token(settings.token).post_shutdown(lambda _app: rasa.close()) \
        .concurrent_updates(CONCURRENT_UPDATES)
    if settings.api_base_url:
        base = settings.api_base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    application = builder.build()
    TelegramBridge(rasa).install(application)
    return application


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    logging.basicConfig(level=Settings.from_env().log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL, and the URL holds the token
    try:
        settings = TelegramSettings.from_env()
    except SettingsError as error:
        print(f"Telegram: {error}", file=sys.stderr)
        return 2
    application = build_application(settings)
    updates = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if settings.webhook_url:
        logger.info("Telegram webhook mode on %s:%s", settings.listen, settings.port)
        application.run_webhook(listen=settings.listen, port=settings.port, url_path="telegram",
                                secret_token=settings.webhook_secret, webhook_url=f"{settings.webhook_url}/telegram",
                                allowed_updates=updates, drop_pending_updates=False)
    else:
        logger.info("Telegram long-polling mode")
        application.run_polling(allowed_updates=updates)
    return 0


if __name__ == "__main__":
    sys.exit(main())
