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

Messages the bot sends first (the e-ticket after a payment, a reminder, an expired hold: bot/notifications) do not
pass through this bridge: Rasa's trigger-intent API runs the turn and hands the replies to `TelegramPushInput`'s
output channel (output_channel=telegram, registered in credentials.yml), which sends them from the Rasa server with
the same token and the same drawing (`send_reply`). Only conversations `telegram-<chat id>`, which the bridge
creates for chats that wrote to the bot, are sent to; Telegram refuses any other chat, and a chat that blocked the
bot, with 403: the push raises DeliveryRefused, logged and counted, never retried.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Coroutine, Text

import httpx
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ChatAction, MessageLimit
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.admission import ConversationTurns
from bot.channels.guard import BRIDGE_HEADER, apology_for, bridge_key, please_wait_for
from bot.channels.replies import DeliveryRefused, Reply, to_replies
from bot.entry import SITE_PAYLOAD_PREFIX, TELEGRAM_PAYLOAD
from bot.privacy import pseudonym
from bot.settings import SettingsError, TelegramSettings, current_settings

logger = logging.getLogger(__name__)

CALLBACK_DATA_BYTES = 64  # Telegram's limit on a button's callback_data
TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH - 96  # 4,096 less room for a split marker
BUTTON_EXPIRED = {
    "vi": "Nút này đã cũ, bạn vui lòng nhắn lại câu hỏi nhé.",
    "en": "That button has expired; please type your question again.",
}


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
    def __init__(self, rasa_url: str, bot_token: str, timeout: float = 30):
        self._url = f"{rasa_url}/webhooks/rest/webhook"
        # Rasa's REST channel lets only the bridge speak in "telegram-<chat>" conversations (bot/channels/guard.py).
        self._http = httpx.AsyncClient(timeout=timeout, headers={BRIDGE_HEADER: bridge_key(bot_token)})

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
        self._turns = turns or ConversationTurns(current_settings().turns_per_conversation)

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
        await send_reply(context.bot, self.payloads, chat_id, reply)


async def send_reply(bot: Bot, payloads: ButtonPayloads, chat_id: int, reply: Reply) -> None:
    """One reply drawn natively: a turn's answer (the bridge) or a message the bot sends first (TelegramOutput)."""
    if reply.kind == "text":
        markup: Any = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.title[:64], callback_data=payloads.data_for(b.payload))]
             for b in reply.buttons]) if reply.buttons else None
        if reply.request_location:  # Telegram's own "share my location" keyboard, gone after one use
            markup = ReplyKeyboardMarkup([[KeyboardButton(reply.request_location, request_location=True)]],
                                         one_time_keyboard=True, resize_keyboard=True)
        await bot.send_message(chat_id, reply.text, reply_markup=markup)
    elif reply.kind == "photo" and (reply.photo_png or reply.photo_url):
        await bot.send_photo(chat_id, reply.photo_png or reply.photo_url or "", caption=reply.text or None)
    elif reply.kind == "venue":
        venue = reply.venue
        await bot.send_venue(chat_id, latitude=float(venue["latitude"]),
                             longitude=float(venue["longitude"]), title=str(venue.get("title", ""))[:256],
                             address=str(venue.get("address", ""))[:256])


def chat_of(conversation_id: str) -> int | None:
    """The Telegram chat of a conversation the bridge created (`telegram-<chat id>`), else None."""
    prefix, _, chat = conversation_id.partition("-")
    try:
        return int(chat) if prefix == "telegram" else None
    except ValueError:
        return None


class TelegramOutput(OutputChannel):
    """Messages the bot sends first, from the Rasa server (Rasa's trigger-intent API, output_channel=telegram).
    Their buttons' payloads must fit Telegram's 64 bytes: the bridge, another process, cannot look up a longer
    one's key."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, bot: Bot, ready: Callable[[], Awaitable[None]]):
        self._bot, self._ready = bot, ready
        self._payloads = ButtonPayloads()

    async def send_response(self, recipient_id: Text, message: dict[str, Any]) -> None:
        chat = chat_of(recipient_id)
        if chat is None:  # not a chat that wrote to the bot through the bridge
            raise DeliveryRefused("telegram", "not a Telegram conversation")
        await self._ready()
        for reply in to_replies([message], TEXT_LIMIT):
            try:
                await send_reply(self._bot, self._payloads, chat, reply)
            except Forbidden as refused:  # blocked the bot, or never started it
                logger.warning("Telegram refused a message to %s: %s", pseudonym(str(chat)), refused.message)
                raise DeliveryRefused("telegram", f"403 {refused.message}") from refused
            except BadRequest as refused:  # "Chat not found" and the like: the same message would fail again
                logger.warning("Telegram refused a message to %s: %s", pseudonym(str(chat)), refused.message)
                raise DeliveryRefused("telegram", f"400 {refused.message}") from refused

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TelegramPushInput(InputChannel):
    """Rasa's side of Telegram: no webhook (the bridge receives Telegram's updates), only the output channel for
    messages the bot sends first. Needs TELEGRAM_BOT_TOKEN (and TELEGRAM_API_BASE_URL for another Bot API server)
    in the Rasa server's environment; without it a push is refused as not configured."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL, and the URL holds the token
        self._bot: Bot | None = None
        self._bot_for: tuple[str, str | None] | None = None
        self._initialised = False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram = Blueprint("telegram_push", __name__)

        @telegram.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        return telegram

    def get_output_channel(self) -> OutputChannel | None:
        settings = current_settings()
        try:
            token = settings.telegram_push_token()
        except SettingsError as error:
            raise DeliveryRefused("telegram", "not configured") from error
        base = settings.telegram_api_base_url
        if self._bot is None or self._bot_for != (token, base):
            bot = Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot") if base else Bot(token)
            self._bot, self._bot_for, self._initialised = bot, (token, base), False
        bot = self._bot
        assert bot is not None

        async def ready() -> None:
            if not self._initialised:
                await bot.initialize()
                self._initialised = True

        return TelegramOutput(bot, ready)


def build_application(settings: TelegramSettings) -> Application:
    rasa = RasaClient(settings.rasa_url, settings.token)
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
    logging.basicConfig(level=current_settings().log_level,
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
