"""The README's first command: set up, train if needed, load, start, and chat (here with piped input)."""
from __future__ import annotations

import os
import subprocess

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import skip_or_fail
from tests.conversations.conftest import free_port

pytestmark = pytest.mark.server


def test_make_run_opens_a_chat_that_answers(tmp_path):
    if not list((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    env = {**os.environ, "QN_RASA_PORT": str(free_port()), "QN_ACTIONS_PORT": str(free_port()),
           "QN_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    result = subprocess.run(["scripts/run.sh"], cwd=PROJECT_ROOT, env=env, input="xin chào\nbạn giúp được gì?\n/stop\n",
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Bot: Xin chào" in result.stdout
    assert "Bot: Tôi có thể giúp bạn" in result.stdout
