"""Shared fixtures: a fresh SQLite database per test, the real knowledge folder, and service gates."""
from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import create_engine

from bot.settings import PROJECT_ROOT

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
REQUIRE_SERVICES = os.environ.get("QN_REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a newcomer's machine; fail in CI, where QN_REQUIRE_SERVICES=1 says the service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (QN_REQUIRE_SERVICES=1 makes this required)")
    pytest.skip(f"{reason}; set QN_REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture
def engine(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'test.db'}", future=True)
    yield engine
    engine.dispose()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of the real knowledge files that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


POSTGRES_URL = os.environ.get("QN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture
def postgres_engine():
    """An engine on a private schema of the test PostgreSQL, dropped afterwards."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(POSTGRES_URL, future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error.orig).__name__})")
    schema = f"qn_test_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'create schema "{schema}"'))
    engine = create_engine(POSTGRES_URL, future=True, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def patched_rasa():
    """Rasa with bot/serving.py's patches installed for one test, and Rasa's own functions back after it."""
    from bot import serving

    serving.install()
    yield serving
    serving.uninstall()


# --- Servers started ahead --------------------------------------------------------------------------------------
# Starting a bot (Rasa loading the model, the action server) takes most of a minute. The session's bots and
# make prod's stack are started as soon as the tests are collected, one after another in a background thread, while
# the tests that need no server run; each fixture then takes its own, waiting only for what is not up yet. Each is
# the same bot its fixture would start, on its own ports, database and knowledge copy, and is stopped by its fixture
# (or at the end of the session, when no selected test reached it).

Stop = Callable[[], None]
Starter = Callable[[Path, "dict[str, str]"], "tuple[Any, Stop]"]  # (workdir, environment)


class _Prelaunched:
    def __init__(self) -> None:
        self.starters: dict[str, tuple[str, Starter]] = {}  # fixture name -> (workdir's name, starter), in order
        self.results: dict[str, Future] = {}

    def register(self, fixture: str, workdir_name: str, starter: Starter) -> None:
        self.starters[fixture] = (workdir_name, starter)

    def start(self, config: pytest.Config, fixtures: set[str]) -> None:
        factory = config._tmp_path_factory  # type: ignore[attr-defined]  # what the tmp_path_factory fixture gives
        jobs = [(name, factory.mktemp(workdir_name), starter) for name, (workdir_name, starter)
                in self.starters.items() if name in fixtures]
        environ = dict(os.environ)  # as it is before any test: tests may change os.environ while these start
        for name, _, _ in jobs:
            self.results[name] = Future()

        def run() -> None:
            for name, workdir, starter in jobs:
                result = self.results[name]
                if not result.set_running_or_notify_cancel():
                    continue
                try:
                    result.set_result(starter(workdir, environ))
                except BaseException as error:  # noqa: BLE001 - a skip or failure is raised where the fixture is used
                    result.set_exception(error)

        if jobs:
            threading.Thread(target=run, name="prelaunch", daemon=True).start()

    @contextmanager
    def running(self, fixture: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
        """The fixture's server while the block runs (started now if it was not started ahead), stopped after."""
        result = self.results.pop(fixture, None)
        if result is None:
            workdir_name, starter = self.starters[fixture]
            server, stop = starter(tmp_path_factory.mktemp(workdir_name), dict(os.environ))
        else:
            server, stop = result.result()
        try:
            yield server
        finally:
            stop()

    def stop_unclaimed(self) -> None:
        for result in self.results.values():
            if not result.cancel():
                try:
                    _, stop = result.result()
                except BaseException:  # noqa: BLE001 - it never started
                    continue
                stop()
        self.results.clear()


PRELAUNCHED = _Prelaunched()


def _prelaunching() -> bool:
    return os.environ.get("QN_TEST_PRELAUNCH") != "0"  # 0: each server starts when its first test needs it


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules that talk to a server started ahead run after the others (each module whole, in its order, and
    these modules in theirs), so that the servers start while the tests that need none run."""
    if not _prelaunching():
        return
    servers = set(PRELAUNCHED.starters)
    late = {item.nodeid.split("::")[0] for item in items if servers & set(getattr(item, "fixturenames", ()))}
    items[:] = ([item for item in items if item.nodeid.split("::")[0] not in late] +
                [item for item in items if item.nodeid.split("::")[0] in late])


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly or not _prelaunching():
        return
    used = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    PRELAUNCHED.start(session.config, used)


def pytest_sessionfinish(session: pytest.Session) -> None:
    PRELAUNCHED.stop_unclaimed()
