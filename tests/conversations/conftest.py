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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import KNOWLEDGE_DIR, skip_or_fail

VENV_BIN = Path(sys.executable).parent
TICKET_SECRET = "conversation-test-ticket-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, payload: Any = None, timeout: float = 60) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
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
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds} s:\n{log.read_text()[-3000:]}")


@dataclass
class RunningBot:
    rasa_url: str
    actions_url: str
    database_url: str
    knowledge_dir: Path
    env: dict[str, str]
    _actions: subprocess.Popen
    _actions_log: Path

    def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        return http("POST", f"{self.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})

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
        port = self.actions_url.rsplit(":", 1)[1].split("/")[0]
        self._actions = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", port],
            cwd=PROJECT_ROOT, env=self.env, stdout=self._actions_log.open("a"), stderr=subprocess.STDOUT)
        wait_until_up(f"{self.actions_url}/health", self._actions, self._actions_log, 60)


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory) -> RunningBot:
    if not list((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    workdir = tmp_path_factory.mktemp("bot")
    knowledge_dir = workdir / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge_dir)
    database_url = f"sqlite:///{workdir / 'bot.db'}"
    env = {**os.environ, "QN_DATABASE_URL": database_url, "QN_KNOWLEDGE_DIR": str(knowledge_dir),
           "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "WARNING", "QN_TICKET_SECRET": TICKET_SECRET}
    subprocess.run([str(VENV_BIN / "qn-staff"), "load"], env=env, check=True, capture_output=True)

    actions_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    actions_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    bot = RunningBot(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", database_url,
                     knowledge_dir, env, None, actions_log)  # type: ignore[arg-type]
    bot.start_actions()
    rasa = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "--model", "models", "--endpoints", str(endpoints), "--credentials",
         "credentials.yml", "--port", str(rasa_port), "--enable-api", "--interface", "127.0.0.1"],
        cwd=PROJECT_ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"{bot.rasa_url}/status", rasa, rasa_log, 180)
        yield bot
    finally:
        for process in (rasa, bot._actions):
            process.send_signal(signal.SIGTERM)
        for process in (rasa, bot._actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
