"""`make prod` itself (scripts/prod.sh), started once for tests/production: two Rasa replicas and an action server
behind nginx, on a database of its own in the test PostgreSQL, its own key prefix in Redis and its own RabbitMQ
queue; Zalo and Telegram answer through a local fake of their APIs. Skipped without PostgreSQL, Redis, RabbitMQ
or nginx, unless QN_REQUIRE_SERVICES=1 (then they fail)."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from tests.conftest import KNOWLEDGE_DIR, POSTGRES_URL, PRELAUNCHED, skip_or_fail
from tests.conversations.conftest import TICKET_SECRET, VENV_BIN, ZALO_APP_ID, ZALO_OA_SECRET
from tests.conversations.fake_apis import TELEGRAM_TOKEN, ZALO_ACCESS_TOKEN, FakeApis

REDIS_URL = "redis://127.0.0.1:6379/0"
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
TELEGRAM_SECRET = "prod-telegram-webhook-secret_0123"
TRIAL_SLOTS = "08:00-10:00,10:00-12:00,14:00-16:00"
TRIAL_CAPACITY = 50
START_SECONDS = 300


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive ports free on 127.0.0.1 (replicas and action servers take base + i)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65000:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no consecutive free ports")


def client(address: str = "127.0.0.1", timeout: float = 120) -> httpx.AsyncClient:
    """An HTTP client whose requests come from `address` (any of 127.0.0.0/8): nginx's per-client limit sees each
    address as another visitor, as it would see the visitors of a real deployment."""
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=timeout)


def visitor_address(number: int) -> str:
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


@dataclass
class Production:
    url: str  # the public port: what visitors, Zalo and Telegram reach
    internal_url: str
    run_dir: Path
    env: dict[str, str]
    database_url: str
    knowledge_dir: Path
    apis: FakeApis
    replica_ports: list[int]
    events_queue: str
    process: subprocess.Popen = field(repr=False)

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    async def say(self, http: httpx.AsyncClient, sender: str, message: str) -> tuple[list[dict[str, Any]], str]:
        """Rasa's replies through the proxy, and which replica gave them."""
        response = await http.post(self.webhook, json={"sender": sender, "message": message})
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return response.json(), response.headers.get("X-Replica", "")

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text())

    def kill(self, name: str) -> int:
        """SIGKILL one of make prod's processes (rasa-1, actions-1, ...), as a crash would; returns its pid."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def staff(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "qn-staff"), "--dir", str(self.knowledge_dir), *args], env=self.env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True)

    def sql(self, query: str, **params: Any) -> list[Any]:
        engine = create_engine(self.database_url, future=True)
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(query), params).all())
        finally:
            engine.dispose()


def _require_services() -> None:
    import redis

    if not list((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (scripts/train.sh trains one)")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError:
        skip_or_fail("RabbitMQ is not reachable at 127.0.0.1:5672")
    try:
        engine = create_engine(POSTGRES_URL, future=True)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure to reach it means: no PostgreSQL here
        skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error).__name__})")


def _admin(statement: str) -> None:
    engine = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


async def _drop_queue(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)


def start_production(workdir: Path, environ: dict[str, str]) -> tuple[Production, Callable[[], None]]:
    _require_services()
    name = f"qn_prod_{uuid.uuid4().hex[:8]}"
    _admin(f'create database "{name}"')
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    knowledge_dir = workdir / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge_dir)
    apis = FakeApis()
    public, internal = consecutive_free_ports(1), consecutive_free_ports(1)
    rasa_base, actions_base, telegram_port = consecutive_free_ports(2), consecutive_free_ports(1), \
        consecutive_free_ports(1)
    prefix, queue = f"test{uuid.uuid4().hex[:10]}", f"qn_test_events_{uuid.uuid4().hex[:8]}"
    env = {**environ, "QN_DATABASE_URL": database_url, "QN_KNOWLEDGE_DIR": str(knowledge_dir),
           "QN_TICKET_SECRET": TICKET_SECRET, "QN_TRIAL_BOOKING_FILE": str(workdir / "trial_booking.json"),
           "QN_REDIS_URL": REDIS_URL, "QN_REDIS_PREFIX": prefix, "QN_RABBITMQ_URL": RABBITMQ_URL,
           "QN_EVENTS_QUEUE": queue, "QN_PROD_RUN_DIR": str(workdir / "run"), "QN_PROD_PORT": str(public),
           "QN_PROD_INTERNAL_PORT": str(internal), "QN_RASA_PORT": str(rasa_base),
           "QN_ACTIONS_PORT": str(actions_base), "QN_PROD_START_SECONDS": str(START_SECONDS),
           "LOG_LEVEL": "WARNING", "QN_LOG_LEVEL": "WARNING",
           "ZALO_APP_ID": ZALO_APP_ID, "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET, "ZALO_OA_ACCESS_TOKEN": ZALO_ACCESS_TOKEN,
           "ZALO_API_BASE_URL": apis.url,
           "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_API_BASE_URL": apis.url,
           "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{public}", "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
           "TELEGRAM_WEBHOOK_PORT": str(telegram_port)}
    for variable in ("ZALO_APP_SECRET", "ZALO_OA_REFRESH_TOKEN", "QN_VNPAY_TMN_CODE"):
        env.pop(variable, None)
    process: subprocess.Popen | None = None

    def stop() -> None:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything left of its process group
            except ProcessLookupError:
                pass
        apis.close()
        _admin(f'drop database if exists "{name}" with (force)')
        import redis

        keys = redis.Redis.from_url(REDIS_URL)
        for key in keys.scan_iter(f"{prefix}:*"):
            keys.delete(key)
        asyncio.run(_drop_queue(queue))

    try:
        # Booking open with a trial schedule (the museum publishes none), loaded before make prod starts.
        subprocess.run([str(VENV_BIN / "qn-staff"), "try-booking", "--slots", TRIAL_SLOTS, "--capacity",
                        str(TRIAL_CAPACITY), "--closed", ""], env=env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)
        log = workdir / "prod.log"
        process = subprocess.Popen([str(PROJECT_ROOT / "scripts" / "prod.sh")], cwd=PROJECT_ROOT, env=env,
                                   stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        production = Production(f"http://127.0.0.1:{public}", f"http://127.0.0.1:{internal}", workdir / "run", env,
                                database_url, knowledge_dir, apis, [rasa_base, rasa_base + 1], queue, process)
        deadline = time.monotonic() + START_SECONDS + 30
        while "make prod: ready" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
                                 for p in sorted((workdir / "run").glob("*.log")))
                raise RuntimeError(f"make prod did not start:\n{log.read_text()[-3000:]}\n{logs}")
            time.sleep(0.2)
    except BaseException:
        stop()
        raise
    return production, stop


PRELAUNCHED.register("production", "prod", start_production)


@pytest.fixture(scope="package")
def production(tmp_path_factory) -> Iterator[Production]:
    """make prod's stack of start_production, started ahead (tests/conftest.py's PRELAUNCHED)."""
    with PRELAUNCHED.running("production", tmp_path_factory) as started:
        yield started


def queued_events(queue: str) -> list[dict[str, Any]]:
    """The events waiting in a RabbitMQ queue (taken off it)."""
    import aio_pika

    async def take() -> list[dict[str, Any]]:
        connection = await aio_pika.connect(RABBITMQ_URL)
        events = []
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, durable=True, passive=True)
            while (message := await declared.get(no_ack=True, fail=False)) is not None:
                events.append(json.loads(message.body))
        return events

    return asyncio.run(take())
