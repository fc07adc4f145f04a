"""All configuration, read from environment variables (and a local .env file) in one place.

Every variable is documented in the README's "Configuration" table; keep the two in step.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that mean "somebody copied the example file and did not fill it in".
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "todo", "your-secret-here"}


class SettingsError(RuntimeError):
    """A setting is missing or invalid where it is needed."""


def _read_dotenv(path: Path) -> dict[str, str]:
    """Minimal KEY=VALUE reader for a developer's .env (no interpolation; the real environment wins)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The variables in effect: the local .env file, overridden by the real environment (or `environ`)."""
    return {**_read_dotenv(PROJECT_ROOT / ".env"), **(environ if environ is not None else os.environ)}


_current: dict[str, tuple[tuple[tuple[int, int] | None, dict[str, str]], object]] = {}
SettingsT = TypeVar("SettingsT")


def current_settings() -> "Settings":
    """The running process's settings, read once and read again only when the environment or the .env file
    changes (a test's monkeypatch.setenv, an edited .env): the runtime's call sites ask for them per request.
    Pass an explicit environment to `Settings.from_env` instead where one is given (tests, staff CLIs)."""
    return _read_once("bot", Settings.from_env)


def current_zalo_settings() -> "ZaloSettings":
    """The Zalo channel's settings, cached like `current_settings()`; SettingsError while they are incomplete."""
    return _read_once("zalo", ZaloSettings.from_env)


def current_vnpay_settings() -> "VnpaySettings | None":
    """VNPAY's settings, cached like `current_settings()`; None while they are incomplete."""
    return _read_once("vnpay", VnpaySettings.from_env)


def current_ticket_secret() -> str:
    """The key that signs e-tickets (`ticket_secret`), cached like `current_settings()`."""
    return _read_once("ticket_secret", lambda: ticket_secret(current_settings()))


def _read_once(kind: str, read: "Callable[[], SettingsT]") -> SettingsT:
    """`read()`'s result (or its SettingsError), kept until os.environ or the .env file changes."""
    key = (_dotenv_stamp(), dict(os.environ))
    cached = _current.get(kind)
    if cached is None or cached[0] != key:
        try:
            value: object = read()
        except SettingsError as error:
            value = error
        cached = _current[kind] = (key, value)
    if isinstance(cached[1], SettingsError):
        raise cached[1]
    return cached[1]  # type: ignore[return-value]


def _dotenv_stamp() -> tuple[int, int] | None:
    try:
        stat = (PROJECT_ROOT / ".env").stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass(frozen=True)
class Settings:
    database_url: str
    knowledge_dir: Path
    max_message_chars: int
    rasa_url: str
    log_level: str
    telegram_bot_username: str
    nlu_cache_entries: int
    concurrent_turns: int
    nlu_batch_wait_ms: int
    turns_per_conversation: int
    trial_booking_file: Path
    rasa_patches_off: tuple[str, ...]
    redis_url: str
    redis_key_prefix: str
    events_queue: str
    rabbitmq_url: str
    staff_token: str
    purge_after_days: int
    reminder_time: tuple[int, int]
    notify_every_seconds: int
    rasa_token: str
    # Telegram's bot token where set (the REST channel derives the bridge's key from it); empty: no bridge.
    telegram_bot_token: str = field(default="", repr=False)
    # Another Bot API server (a local one, or a test's fake) for the messages the Rasa server sends first.
    telegram_api_base_url: str | None = None

    def telegram_push_token(self) -> str:
        """The bot token for messages sent first from the Rasa server; SettingsError if unset or a placeholder."""
        return checked_secret("TELEGRAM_BOT_TOKEN", self.telegram_bot_token)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = environment(environ)
        default_db = f"sqlite:///{PROJECT_ROOT / 'var' / 'qn.db'}"

        def whole_number(name: str, default: int, at_least: int) -> int:
            try:
                return max(at_least, int(env.get(name, str(default))))
            except ValueError as exc:
                raise SettingsError(f"{name} must be a whole number") from exc

        return cls(
            database_url=env.get("QN_DATABASE_URL") or default_db,
            knowledge_dir=Path(env.get("QN_KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge"),
            max_message_chars=whole_number("QN_MAX_MESSAGE_CHARS", 1000, 50),
            rasa_url=(env.get("QN_RASA_URL") or "http://localhost:5005").rstrip("/"),
            log_level=env.get("QN_LOG_LEVEL", "INFO").upper(),
            telegram_bot_username=env.get("TELEGRAM_BOT_USERNAME", "").lstrip("@"),
            nlu_cache_entries=whole_number("QN_NLU_CACHE_ENTRIES", 10000, 0),
            concurrent_turns=whole_number("QN_CONCURRENT_TURNS", 8, 0),
            # How long an analysis may wait for turns a few milliseconds from theirs, to classify them together
            # (bot/serving.py's nlu_batch; 0: never waits).
            nlu_batch_wait_ms=whole_number("QN_NLU_BATCH_WAIT_MS", 3, 0),
            turns_per_conversation=whole_number("QN_TURNS_PER_CONVERSATION", 3, 0),
            trial_booking_file=Path(env.get("QN_TRIAL_BOOKING_FILE") or PROJECT_ROOT / "var" / "trial_booking.json"),
            rasa_patches_off=tuple(n.strip() for n in env.get("QN_RASA_PATCHES_OFF", "").split(",") if n.strip()),
            # Where replicas share what must not stay per process (empty: one process, kept in memory).
            redis_url=env.get("QN_REDIS_URL", "").strip(),
            # Prepended to every key the bot (and Rasa's lock store) keeps in that Redis, so that several bots, or
            # tests, can share one; Rasa's lock store accepts only letters and digits here.
            redis_key_prefix=_alphanumeric("QN_REDIS_PREFIX", env.get("QN_REDIS_PREFIX", "qn").strip()),
            # The RabbitMQ queue `make prod`'s Rasa replicas publish every conversation event to (the staff page
            # reads it).
            events_queue=env.get("QN_EVENTS_QUEUE", "").strip() or "qn_conversation_events",
            # RabbitMQ's guest account answers only on the machine itself: fine for one machine, not beyond.
            rabbitmq_url=env.get("QN_RABBITMQ_URL", "").strip() or "amqp://guest:guest@127.0.0.1:5672/",
            # The staff page's credential; empty: the page lets nobody in.
            staff_token=env.get("QN_STAFF_TOKEN", "").strip(),
            # Bookings keep the visitor's name and phone this many days after the visit (`qn-staff purge`).
            purge_after_days=whole_number("QN_PURGE_AFTER_DAYS", 30, 0),
            # When, Vietnam time, the day before the visit, visitors are reminded of it (`qn-staff notify`).
            reminder_time=_clock_time("QN_REMINDER_TIME", env.get("QN_REMINDER_TIME", "").strip() or "18:00"),
            # How often the notification job (reminders, expired holds, missed e-tickets) looks for work.
            notify_every_seconds=whole_number("QN_NOTIFY_EVERY_SECONDS", 30, 1),
            # Rasa's HTTP API token (`rasa run --auth-token`), sent with the trigger-intent calls; empty: no token.
            rasa_token=env.get("QN_RASA_TOKEN", "").strip(),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/") or None,
        )


# The channels' own settings: read here, so that this module documents every variable; bot/channels/telegram.py
# and zalo.py re-export them.
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


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str
    oa_secret_key: str = field(repr=False)
    access_token: str = field(repr=False)  # used as it is unless renewed (app secret and refresh token set)
    api_base_url: str = "https://openapi.zalo.me"
    app_secret: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    oauth_base_url: str = "https://oauth.zaloapp.com"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "ZaloSettings":
        env = environment(environ)
        app_id = env.get("ZALO_APP_ID", "").strip()
        if not app_id:
            raise SettingsError("ZALO_APP_ID is not set; see the README's Configuration table")
        renewal = {}
        if env.get("ZALO_APP_SECRET") or env.get("ZALO_OA_REFRESH_TOKEN"):  # both, or a clear refusal
            renewal = {"app_secret": require_secret("ZALO_APP_SECRET", environ),
                       "refresh_token": require_secret("ZALO_OA_REFRESH_TOKEN", environ)}
        access_token = env.get("ZALO_OA_ACCESS_TOKEN", "").strip() if renewal \
            else require_secret("ZALO_OA_ACCESS_TOKEN", environ)
        return cls(app_id=app_id, oa_secret_key=require_secret("ZALO_OA_SECRET_KEY", environ),
                   access_token=access_token,
                   api_base_url=(env.get("ZALO_API_BASE_URL") or "https://openapi.zalo.me").rstrip("/"),
                   oauth_base_url=(env.get("ZALO_OAUTH_BASE_URL") or "https://oauth.zaloapp.com").rstrip("/"),
                   **renewal)


@dataclass(frozen=True)
class VnpaySettings:
    tmn_code: str
    hash_secret: str = field(repr=False)
    return_url: str = ""
    pay_url: str = ""  # empty: VnpayGateway's own (bot/tickets/payments.py)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "VnpaySettings | None":
        """Set when QN_VNPAY_TMN_CODE, QN_VNPAY_HASH_SECRET and QN_VNPAY_RETURN_URL all are; otherwise None,
        and the bot offers paying at the counter only."""
        env = environment(environ)
        tmn_code, return_url = env.get("QN_VNPAY_TMN_CODE", "").strip(), env.get("QN_VNPAY_RETURN_URL", "").strip()
        try:
            hash_secret = require_secret("QN_VNPAY_HASH_SECRET", environ)
        except SettingsError:
            return None
        if not tmn_code or not return_url.startswith(("https://", "http://")):
            return None
        return cls(tmn_code, hash_secret, return_url, env.get("QN_VNPAY_PAY_URL", "").strip())


def _clock_time(name: str, value: str) -> tuple[int, int]:
    hours, _, minutes = value.partition(":")
    try:
        hour, minute = int(hours), int(minutes)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a time like 18:00 (got {value!r})") from exc
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise SettingsError(f"{name} must be a time like 18:00 (got {value!r})")
    return hour, minute


def _alphanumeric(name: str, value: str) -> str:
    if not value.isalnum():
        raise SettingsError(f"{name} may hold only letters and digits (got {value!r})")
    return value


def ticket_secret(settings: "Settings", environ: dict[str, str] | None = None) -> str:
    """The key that signs e-tickets. Required in production (a non-SQLite database); on the embedded
    default a random one is made once and kept in var/, so a newcomer's local bot can book."""
    try:
        return require_secret("QN_TICKET_SECRET", environ)
    except SettingsError:
        if not settings.database_url.startswith("sqlite:"):
            raise
    import secrets

    path = PROJECT_ROOT / "var" / "ticket_secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def require_secret(name: str, environ: dict[str, str] | None = None) -> str:
    """Return a secret that a feature cannot run without; refuse a missing or placeholder value."""
    return checked_secret(name, environment(environ).get(name, ""))


def checked_secret(name: str, value: str) -> str:
    """`value`, the secret `name`; refused when missing or a placeholder."""
    if value.strip().lower() in _PLACEHOLDERS or len(value.strip()) < 8:
        raise SettingsError(f"{name} is not set (or is a placeholder); see the README's Configuration table")
    return value


SHIPPED_ACTIONS_URL = "http://localhost:5055/webhook"


def endpoints_with_actions_at(url: str) -> str:
    """The shipped endpoints.yml with the action server at `url`, for the test and bench bots on free ports
    (scripts/serve.sh does the same with sed), so they run the configuration users get."""
    text = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
    if SHIPPED_ACTIONS_URL not in text:
        raise SettingsError(f"endpoints.yml no longer names {SHIPPED_ACTIONS_URL}")
    return text.replace(SHIPPED_ACTIONS_URL, url)
