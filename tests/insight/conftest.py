"""A running bot with the staff page's credential set, on the shipped endpoints.yml (conversations in its own
SQLite file beside its database), with booking opened by a trial schedule."""
from __future__ import annotations

import subprocess
from typing import Iterator

import pytest
from rasa.shared.core.domain import Domain

from bot.settings import PROJECT_ROOT
from tests.conversations.conftest import VENV_BIN, RunningBot, launched_bot
from tests.conversations.fake_apis import TELEGRAM_TOKEN

STAFF_TOKEN = "staff-page-test-token-0123456789"


@pytest.fixture(scope="module")
def staff_bot(tmp_path_factory) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("staff-bot")
    # With the bot's token, the test speaks in a "telegram-" conversation as the bridge does.
    env = {"QN_STAFF_TOKEN": STAFF_TOKEN, "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN}
    with launched_bot(workdir, f"sqlite:///{workdir / 'bot.db'}", env) as bot:
        subprocess.run([str(VENV_BIN / "qn-staff"), "try-booking", "--slots", "08:00-10:00,14:00-16:00",
                        "--capacity", "30", "--closed", ""], env=bot.env, check=True, capture_output=True)
        yield bot


@pytest.fixture(scope="session")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain"))
