"""A running bot with the staff page's credential set, on the shipped endpoints.yml (conversations in its own
SQLite file beside its database), with booking opened by a trial schedule."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest
from rasa.shared.core.domain import Domain

from bot.settings import PROJECT_ROOT
from tests.conftest import PRELAUNCHED, skip_or_fail
from tests.conversations.conftest import VENV_BIN, RunningBot, has_model, start_bot
from tests.conversations.fake_apis import TELEGRAM_TOKEN

STAFF_TOKEN = "staff-page-test-token-0123456789"


def start_staff_bot(workdir: Path, environ: dict[str, str]) -> tuple[RunningBot, Callable[[], None]]:
    if not has_model():
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    # With the bot's token, the test speaks in a "telegram-" conversation as the bridge does.
    env = {"QN_STAFF_TOKEN": STAFF_TOKEN, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN}
    starting = start_bot(workdir, f"sqlite:///{workdir / 'bot.db'}", env, environ=environ)
    try:
        bot = starting.ready()
        subprocess.run([str(VENV_BIN / "qn-staff"), "try-booking", "--slots", "08:00-10:00,14:00-16:00",
                        "--capacity", "30", "--closed", ""], env=bot.env, check=True, capture_output=True)
    except BaseException:
        starting.stop()
        raise
    return bot, starting.stop


PRELAUNCHED.register("staff_bot", "staff-bot", start_staff_bot)


@pytest.fixture(scope="module")
def staff_bot(tmp_path_factory) -> Iterator[RunningBot]:
    """The bot of start_staff_bot, started ahead (tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("staff_bot", tmp_path_factory) as bot:
        yield bot


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain"))
