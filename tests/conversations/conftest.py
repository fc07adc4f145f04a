"""Talk to a running bot: the real action server and Rasa server, started once per test session with the
trained model (scripts/train.sh) and a fresh SQLite knowledge base loaded from a copy of knowledge/."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from bot.channels.guard import BRIDGE_HEADER, bridge_key
from bot.settings import PROJECT_ROOT, endpoints_with_actions_at
from tests.conftest import KNOWLEDGE_DIR, PRELAUNCHED, skip_or_fail
from tests.conversations.fake_apis import (
    TELEGRAM_TOKEN,
    ZALO_ACCESS_TOKEN,
    ZALO_APP_SECRET,
    ZALO_REFRESH_TOKEN,
    FakeApis,
)

VENV_BIN = Path(sys.executable).parent
TICKET_SECRET = "conversation-test-ticket-secret-0123456789"
VNPAY_TMN_CODE, VNPAY_SECRET = "TESTTMN1", "conversation-test-vnpay-secret-0123456789"
ZALO_APP_ID, ZALO_OA_SECRET = "360846524940903967", "conversation-test-zalo-oa-secret-0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, payload: Any = None, timeout: float = 60, headers: dict[str, str] | None = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
        return json.loads(body) if body else None


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            http("GET", url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {seconds} s:\n{log.read_text()[-3000:]}")


@dataclass
class RunningBot:
    rasa_url: str
    actions_url: str
    database_url: str
    knowledge_dir: Path
    env: dict[str, str]
    apis: FakeApis | None
    _actions: subprocess.Popen
    _actions_log: Path
    rasa_log: Path | None = None

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        """`text` on the REST webhook; in a "telegram-<chat>" conversation as the Telegram bridge would send it."""
        headers = {}
        if sender.startswith("telegram-") and self.env.get("TELEGRAM_BOT_TOKEN"):
            headers[BRIDGE_HEADER] = bridge_key(self.env["TELEGRAM_BOT_TOKEN"])
        return http("POST", f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text},
                    headers=headers)

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.say(sender, text)]

    def slot(self, sender: str, name: str) -> Any:
        return http("GET", f"{self.rasa_url}/conversations/{sender}/tracker")["slots"].get(name)

    def staff_load(self) -> None:
        subprocess.run([str(VENV_BIN / "qn-staff"), "--dir", str(self.knowledge_dir), "load"], env=self.env,
                       check=True, capture_output=True)

    def stop_actions(self) -> None:
        self._actions.send_signal(signal.SIGTERM)
        self._actions.wait(timeout=20)

    def start_actions(self) -> None:
        self.spawn_actions()
        self.wait_for_actions()

    def spawn_actions(self) -> None:
        port = self.actions_url.rsplit(":", 1)[1].split("/")[0]
        self._actions = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "actions", "--port", port],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._actions_log.open("a"), stderr=subprocess.STDOUT)

    def wait_for_actions(self) -> None:
        wait_until_up(f"{self.actions_url}/health", self._actions, self._actions_log, 60)


@dataclass
class StartingBot:
    """A bot whose action server and Rasa are started (at once: Rasa needs the action server only when it runs an
    action) but perhaps not up yet; `ready()` waits for both, `stop()` ends both."""
    bot: RunningBot
    rasa: subprocess.Popen

    def ready(self) -> RunningBot:
        self.bot.wait_for_actions()
        wait_until_up(f"{self.bot.rasa_url}/status", self.rasa, self.bot.rasa_log, 180)  # type: ignore[arg-type]
        return self.bot

    def stop(self) -> None:
        for process in (self.rasa, self.bot._actions):
            process.send_signal(signal.SIGTERM)
        for process in (self.rasa, self.bot._actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def has_model() -> bool:
    return bool(list((PROJECT_ROOT / "models").glob("*.tar.gz")))


def start_bot(workdir: Path, database_url: str, extra_env: dict[str, str] | None = None,
              extra_endpoints: str = "", apis: FakeApis | None = None,
              environ: dict[str, str] | None = None) -> StartingBot:
    """The action server and Rasa started on free ports, with knowledge/ copied and loaded into `database_url`."""
    knowledge_dir = workdir / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge_dir)
    actions_port, rasa_port = free_port(), free_port()
    env = {**(os.environ if environ is None else environ), "QN_DATABASE_URL": database_url,
           "QN_KNOWLEDGE_DIR": str(knowledge_dir), "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "WARNING",
           "QN_TICKET_SECRET": TICKET_SECRET,
           "QN_TRIAL_BOOKING_FILE": str(workdir / "trial_booking.json"),
           "QN_CONVERSATIONS_URL": f"sqlite:///{workdir / 'conversations.db'}",
           # VNPAY's sandbox protocol with a test merchant: nothing leaves this machine (the pay URL is unused).
           "QN_VNPAY_TMN_CODE": VNPAY_TMN_CODE, "QN_VNPAY_HASH_SECRET": VNPAY_SECRET,
           "QN_VNPAY_RETURN_URL": f"http://127.0.0.1:{rasa_port}/webhooks/vnpay/return",
           "QN_VNPAY_PAY_URL": "http://127.0.0.1:9/paymentv2/vpcpay.html",
           # Where a verified payment's e-ticket push reaches Rasa's trigger-intent API (bot/notifications).
           "QN_RASA_URL": f"http://127.0.0.1:{rasa_port}", **(extra_env or {})}
    subprocess.run([str(VENV_BIN / "qn-staff"), "load"], env=env, check=True, capture_output=True)

    endpoints = workdir / "endpoints.yml"
    shipped = yaml.safe_load(endpoints_with_actions_at(f"http://127.0.0.1:{actions_port}/webhook"))
    shipped.update(yaml.safe_load(extra_endpoints) or {})  # a test's stores replace the shipped ones
    endpoints.write_text(yaml.safe_dump(shipped, allow_unicode=True, sort_keys=False))
    actions_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    bot = RunningBot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", database_url,
                     knowledge_dir, env, apis, None, actions_log, rasa_log)  # type: ignore[arg-type]
    bot.spawn_actions()
    try:
        rasa = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "bot.launch", "run", "--model", "models", "--endpoints", str(endpoints),
             "--credentials", "credentials.yml", "--port", str(rasa_port), "--enable-api", "--interface",
             "127.0.0.1"], cwd=PROJECT_ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    except BaseException:
        bot.stop_actions()
        raise
    return StartingBot(bot, rasa)


@contextmanager
def launched_bot(workdir: Path, database_url: str, extra_env: dict[str, str] | None = None,
                 extra_endpoints: str = "", apis: FakeApis | None = None) -> Iterator[RunningBot]:
    """The action server and Rasa on free ports, with knowledge/ copied and loaded into `database_url`."""
    if not has_model():
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    starting = start_bot(workdir, database_url, extra_env, extra_endpoints, apis)
    try:
        yield starting.ready()
    finally:
        starting.stop()


def start_running_bot(workdir: Path, environ: dict[str, str]) -> tuple[RunningBot, Callable[[], None]]:
    """The bot on the embedded default (SQLite, in-memory conversations), with the Zalo channel replying
    through a local fake of the OA API, its access token renewed through a local fake of Zalo's OAuth."""
    if not has_model():
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    apis = FakeApis()
    zalo = {"ZALO_APP_ID": ZALO_APP_ID, "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
            "ZALO_OA_ACCESS_TOKEN": ZALO_ACCESS_TOKEN, "ZALO_API_BASE_URL": apis.url,
            "ZALO_APP_SECRET": ZALO_APP_SECRET, "ZALO_OA_REFRESH_TOKEN": ZALO_REFRESH_TOKEN,
            "ZALO_OAUTH_BASE_URL": apis.url,
            # Messages the bot sends first to Telegram go from Rasa itself (bot/channels/telegram.TelegramPushInput)
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": apis.url}
    try:
        starting = start_bot(workdir, f"sqlite:///{workdir / 'bot.db'}", zalo, apis=apis, environ=environ)
    except BaseException:
        apis.close()
        raise

    def stop() -> None:
        try:
            starting.stop()
        finally:
            apis.close()

    try:
        bot = starting.ready()
    except BaseException:
        stop()
        raise
    _started["running_bot"] = bot
    return bot, stop


_started: dict[str, RunningBot] = {}  # the running bot, once up: the Telegram bridges start before it


def start_telegram_bridges(workdir: Path, environ: dict[str, str]) -> tuple[dict[str, Any], Callable[[], None]]:
    """test_channels.start_bridges before the running bot (started ahead, right after it)."""
    from tests.conversations.test_channels import start_bridges

    bot = _started.get("running_bot")
    if bot is None:
        if not has_model():
            skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
        raise RuntimeError("the running bot did not start")
    return start_bridges(bot, workdir)


PRELAUNCHED.register("running_bot", "bot", start_running_bot)
PRELAUNCHED.register("telegram_bridges", "tg", start_telegram_bridges)


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory) -> Iterator[RunningBot]:
    """The bot of start_running_bot, started ahead (tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("running_bot", tmp_path_factory) as bot:
        yield bot


@pytest.fixture(scope="session")
def telegram_bridges(running_bot, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The Telegram bridges of test_channels.start_bridges, started ahead (tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("telegram_bridges", tmp_path_factory) as bridges:
        yield bridges


@pytest.fixture(scope="session")
def telegram(telegram_bridges):
    """`python -m bot.channels.telegram` in webhook mode before the running bot, started once for the modules
    that talk through it (test_channels.py, test_notifications.py): every test speaks in chats of its own."""
    return telegram_bridges["webhook"]


@pytest.fixture(scope="module")
def bookable(running_bot):
    """Stand-ins for the museum facts staff would enter (hours, slots, capacity, cancellation); test data
    only, never shipped."""
    path = running_bot.knowledge_dir / "museum.yml"
    original = path.read_text(encoding="utf-8")
    document = yaml.safe_load(original)
    museum = document["museum"]
    museum["opening_hours"] = {day: "08:00-17:00" for day in museum["opening_hours"]}
    museum["opening_hours"]["monday"] = "closed"
    museum["time_slots"] = ["08:00-10:00", "10:00-12:00", "14:00-16:00"]
    museum["capacity_per_slot"] = 50
    museum["cancellation_hours_before"] = 24
    museum["cancellation_rule"] = "Hủy trước giờ tham quan ít nhất 24 giờ."
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    running_bot.staff_load()
    yield
    path.write_text(original, encoding="utf-8")
    running_bot.staff_load()


def first_failures(log: Path | None, lines: int = 30) -> str:
    """The first error a log holds, with the lines after it (its traceback)."""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines() if log and log.exists() else []
    for number, line in enumerate(text):
        if "ERROR" in line or "Traceback" in line:
            return "\n".join(text[number:number + lines])
    return ""


def pytest_unconfigure(config: pytest.Config) -> None:
    """When tests failed, the running bot's first logged errors at the very end of the output, the part CI shows:
    the logs themselves go with the test's temporary folder."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    bot = _started.get("running_bot")
    if reporter is None or bot is None or not (reporter.stats.get("failed") or reporter.stats.get("error")):
        return
    for name, log in (("action server", bot._actions_log), ("Rasa", bot.rasa_log)):
        failure = first_failures(log)
        if failure:
            reporter.write_sep("-", f"the running bot's {name}: its first logged error")
            reporter.write_line(failure)
