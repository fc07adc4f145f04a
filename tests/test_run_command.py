"""The README's first command: set up, train if needed, load, start, and chat (here with piped input).

`scripts/run.sh` is run whole, with the chat typed in ahead, in the background thread that starts the test bots
(tests/conftest.py's PRELAUNCHED), after them: it takes half a minute of waiting for its own servers, while the
tests run; the test then checks what it printed. With QN_TEST_PRELAUNCH=0 it runs when the test does."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import PRELAUNCHED, skip_or_fail
from tests.conversations.conftest import free_port

pytestmark = pytest.mark.server


def run_make_run(workdir: Path, environ: dict[str, str]) -> tuple[subprocess.CompletedProcess, Callable[[], None]]:
    if not list((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    env = {**environ, "QN_RASA_PORT": str(free_port()), "QN_ACTIONS_PORT": str(free_port()),
           "QN_DATABASE_URL": f"sqlite:///{workdir / 'run.db'}"}
    result = subprocess.run(["scripts/run.sh"], cwd=PROJECT_ROOT, env=env, input="xin chào\nbạn giúp được gì?\n/stop\n",
                            capture_output=True, text=True, timeout=600)
    return result, lambda: None


PRELAUNCHED.register("make_run", "make-run", run_make_run)


@pytest.fixture
def make_run(tmp_path_factory) -> Iterator[subprocess.CompletedProcess]:
    """scripts/run.sh's finished run (started ahead, tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("make_run", tmp_path_factory) as result:
        yield result


def test_make_run_opens_a_chat_that_answers(make_run):
    result = make_run
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Bot: Xin chào" in result.stdout
    assert "Bot: Tôi có thể giúp bạn" in result.stdout
