"""The trained model in this process, patched as bot.launch patches it, with a real action server."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import PRELAUNCHED, skip_or_fail


def _trained_model() -> Path:
    models = sorted((PROJECT_ROOT / "models").glob("qn-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    return models[-1]


def start_action_server(workdir: Path, environ: dict[str, str]) -> tuple[dict, Callable[[], None]]:
    """The action server on a free port, with the knowledge loaded into a private SQLite database (booking
    open with the benches' stand-in slots)."""
    _trained_model()
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    from serve import VENV_BIN, bookable_knowledge, free_port

    env = {**environ, "QN_DATABASE_URL": f"sqlite:///{workdir / 'knowledge.db'}",
           "QN_KNOWLEDGE_DIR": str(bookable_knowledge(workdir / "knowledge")),
           "QN_TICKET_SECRET": "bounded-history-test-secret-0123456789",
           "QN_CONVERSATIONS_URL": f"sqlite:///{workdir / 'conversations.db'}"}
    subprocess.run([str(VENV_BIN / "qn-staff"), "load"], env=env, check=True, capture_output=True)
    port = free_port()
    log = workdir / "actions.log"
    server = subprocess.Popen([str(VENV_BIN / "python"), "-m", "actions", "--port", str(port)], cwd=PROJECT_ROOT,
                              env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the action server did not start")
            time.sleep(0.05)

    def stop() -> None:
        server.terminate()
        server.wait(timeout=20)

    return {"url": f"http://127.0.0.1:{port}/webhook", "workdir": workdir, "env": env, "log": log}, stop


PRELAUNCHED.register("action_server", "bounded", start_action_server)


@pytest.fixture(scope="package")
def action_server(tmp_path_factory):
    """start_action_server's action server (started ahead, tests/conftest.py's PRELAUNCHED); this process's
    QN_ settings are its own meanwhile (the agent's actions and stores read them)."""
    with PRELAUNCHED.running("action_server", tmp_path_factory) as started:
        env = started["env"]
        saved = {key: os.environ.get(key) for key in env if key.startswith("QN_")}
        os.environ.update({key: value for key, value in env.items() if key.startswith("QN_")})
        try:
            yield {"url": started["url"], "workdir": started["workdir"], "log": started["log"]}
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(scope="package")
def agent(action_server):
    """The trained model in this process, patched as bot.launch patches it."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot import serving

    serving.install()
    try:
        yield Agent.load(str(_trained_model()), action_endpoint=EndpointConfig(action_server["url"]))
    finally:
        serving.uninstall()
