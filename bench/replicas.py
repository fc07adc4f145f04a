"""The bot as `make prod` runs it (scripts/prod.sh: Rasa replicas and the action server behind nginx, PostgreSQL,
Redis, RabbitMQ), measured through the proxy.

    .venv/bin/python bench/replicas.py [--replicas 1 2] [--users 20 100] [--messages 400] [--flood] [--malformed]

Each set-up starts on a fresh database in the PostgreSQL of QN_TEST_POSTGRES_URL (dropped afterwards), its own Redis
prefix and RabbitMQ queue. Users replay bench/serve.py's conversations, each from its own loopback address
(127.0.x.y), so nginx's per-client limit sees visitors as a real deployment would. Prints messages/s and p50/p95
per load level, the CPU the bot's processes used per message, and how busy the machine's cores were.

--flood (issue 22): with the largest replica count, 20 visitors alone, then while one sender fires 1,000 messages at
once from one address; prints the visitors' p95 in both, their lost or unanswered messages, and what the flood got
(answers, "please wait", 429 from the edge) and how long it lasted. Twice: visitors talking at a person's pace (five
messages of bench/serve.py's conversations, arriving over a second, 0.5-1.5 s to read and type between messages,
so their own load stays what 20 people make), with the flood all at once and spread over 8 s (a script's loop,
through their whole conversations), and in lockstep (three messages, each sent by all 20 at the same instant:
their own burst, not the flood, sets that p95). Target: p95 under 300 ms, 0 lost.
--malformed: bodies that are not a message (arrays, numbers, null, missing fields, wrong types, 1 MB strings) on
every webhook; target: 0 server errors (5xx).

What more cores would do: a replica is one process with one event loop, so it uses one core at most, and the
machine is saturated when the replicas, the action server, nginx, PostgreSQL, Redis and RabbitMQ together use
every core. The printed CPU per message, by part, gives the ceiling: cores x 1000 / (their sum). A replica's own
share is dominated by Rasa's SQL tracker store (py-spy, 200 visitors booking: saving the tracker 44% of its
samples, reading it 22%, publishing events to RabbitMQ 13%), which grows with a conversation's length and does not
shrink with more cores; so with one replica per core the messages/s grow about in proportion to the cores, the
p95 under a given load falls as the queue per replica shortens, until PostgreSQL (one transaction per turn) needs a
core of its own. On a shared 2-core host, "cores busy" above what the bot's parts add up to is other work.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import (  # noqa: E402
    CONVERSATIONS,
    bookable_knowledge,
    cpu_seconds,
    free_port,
    process_tree,
    timed_message,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("QN_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
PLEASE_WAIT_START = "Mình vẫn đang trả lời"


def address(number: int) -> str:
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


def client(source: str, connections: int = 100) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=source, limits=httpx.Limits(
        max_connections=connections)), timeout=120)


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


SERVICES = {"postgres": "PostgreSQL", "redis-server": "Redis", "beam.smp": "RabbitMQ"}


def services_cpu() -> dict[str, float]:
    """CPU seconds used so far by the machine's PostgreSQL, Redis and RabbitMQ processes (shared with anything
    else that uses them during the run)."""
    used = dict.fromkeys(SERVICES.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name in SERVICES:
                used[SERVICES[name]] += cpu_seconds(int(entry.name))
    return used


def admin(statement: str) -> None:
    engine = create_engine(POSTGRES_URL, future=True, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


class Prod:
    """scripts/prod.sh with `replicas` Rasa replicas, on a database of its own."""

    def __init__(self, replicas: int, workdir: Path):
        self.database = f"qn_bench_{uuid.uuid4().hex[:8]}"
        admin(f'create database "{self.database}"')
        rasa_port = free_port()
        while any(not self._free(rasa_port + i) for i in range(replicas)):
            rasa_port = free_port()
        self.port = free_port()
        self.env = {**os.environ, "QN_PROD_REPLICAS": str(replicas), "QN_PROD_PORT": str(self.port),
                    "QN_PROD_INTERNAL_PORT": str(free_port()), "QN_RASA_PORT": str(rasa_port),
                    "QN_ACTIONS_PORT": str(free_port()), "QN_PROD_RUN_DIR": str(workdir / "run"),
                    "QN_DATABASE_URL": make_url(POSTGRES_URL).set(database=self.database).render_as_string(False),
                    "QN_KNOWLEDGE_DIR": str(bookable_knowledge(workdir / "knowledge")),
                    "QN_TICKET_SECRET": "bench-ticket-secret-0123456789", "QN_REDIS_PREFIX": f"bench{os.getpid()}",
                    "QN_EVENTS_QUEUE": f"qn_bench_events_{os.getpid()}", "LOG_LEVEL": "WARNING",
                    "QN_LOG_LEVEL": "WARNING", "QN_TRIAL_BOOKING_FILE": str(workdir / "none.json")}
        self.env.pop("TELEGRAM_BOT_TOKEN", None)
        # Zalo configured (with a dead API address): its webhook then checks signatures instead of answering 503.
        self.env |= {"ZALO_APP_ID": "bench-app", "ZALO_OA_SECRET_KEY": "bench-oa-secret-0123",
                     "ZALO_OA_ACCESS_TOKEN": "bench-access-token-0123", "ZALO_API_BASE_URL": "http://127.0.0.1:9"}
        self.url = f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"
        log = workdir / "prod.log"
        started = time.monotonic()
        self.process = subprocess.Popen([str(ROOT / "scripts" / "prod.sh")], cwd=ROOT, env=self.env,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        while "make prod: ready" not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() - started > 400:
                raise RuntimeError(f"make prod did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        self.cold_start = time.monotonic() - started

    @staticmethod
    def _free(port: int) -> bool:
        import socket

        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
                return True
            except OSError:
                return False

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of the Rasa replicas, the action servers and nginx (from make prod's pid files)."""
        parts = {"Rasa": 0.0, "actions": 0.0, "nginx": 0.0}
        run_dir = Path(self.env["QN_PROD_RUN_DIR"])
        for pid_file in run_dir.glob("*.pid"):
            part = {"rasa": "Rasa", "actions": "actions", "nginx": "nginx"}.get(pid_file.stem.split("-")[0])
            if part and pid_file.stem != "nginx-master":
                parts[part] += sum(cpu_seconds(pid) for pid in process_tree([int(pid_file.read_text())]))
        return parts

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        admin(f'drop database if exists "{self.database}" with (force)')
        asyncio.run(self._drop_queue())
        import redis

        keys = redis.Redis.from_url(self.env.get("QN_REDIS_URL") or "redis://127.0.0.1:6379/0")
        for key in keys.scan_iter(f"{self.env['QN_REDIS_PREFIX']}:*"):
            keys.delete(key)

    async def _drop_queue(self) -> None:
        import aio_pika

        connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
        async with connection:
            await (await connection.channel()).queue_delete(self.env["QN_EVENTS_QUEUE"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def replay(url: str, users: int, messages: int, label: str, first_address: int = 0) -> dict[str, float]:
    """`users` visitors at once, each from its own address, each waiting for an answer before its next message."""
    latencies: list[float] = []
    failures = 0
    per_user = max(1, messages // users)

    async def user(number: int) -> None:
        nonlocal failures
        sent, round_ = 0, 0
        async with client(address(first_address + number)) as http:
            while sent < per_user:
                conversation = CONVERSATIONS[(number + round_) % len(CONVERSATIONS)]
                sender = f"{label}-{number}-{round_}"
                for message in conversation[:per_user - sent]:
                    seconds, answered = await timed_message(http, url, sender, message)
                    latencies.append(seconds)
                    failures += not answered
                    sent += 1
                round_ += 1

    started = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(users)))
    elapsed = time.perf_counter() - started
    return {"messages": len(latencies), "failures": failures, "per_s": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000, "p95": percentile(latencies, 0.95)}


async def flood(url: str, size: int) -> dict[str, object]:
    """20 visitors talking at a person's pace alone, then while one sender fires `size` messages at once; and the
    same 20 in lockstep (each message of every visitor at the same instant), the worst case for their own queue."""
    async def visitors(label: str, paced: bool) -> tuple[list[float], int]:
        timings, lost = [], 0
        pace = random.Random(label)

        async def visitor(number: int) -> None:
            nonlocal lost
            conversation = CONVERSATIONS[number % len(CONVERSATIONS)][:5] if paced else \
                ["xin chào", "Yên Tử ở đâu?", "cảm ơn"]
            async with client(address(500 + number)) as http:
                if paced:  # visitors arrive over a second, and read the answer and type for 0.5-1.5 s
                    await asyncio.sleep(pace.uniform(0, 1))
                for message in conversation:
                    started = time.perf_counter()
                    try:
                        answer = await http.post(url, json={"sender": f"{label}-{number}", "message": message})
                        said = " ".join(r.get("text", "") for r in answer.json()) if answer.status_code == 200 else ""
                        if not said or said.startswith(PLEASE_WAIT_START) or said.startswith("Xin lỗi"):
                            lost += 1
                    except (httpx.HTTPError, ValueError):
                        lost += 1
                    timings.append(time.perf_counter() - started)
                    if paced:
                        await asyncio.sleep(pace.uniform(0.5, 1.5))

        await asyncio.gather(*(visitor(n) for n in range(20)))
        return timings, lost

    figures: dict[str, object] = {}
    for paced, over in ((True, 0.0), (True, 8.0), (False, 0.0)):
        kind = ("paced" if paced else "lockstep") + (f", flood spread over {over:.0f} s" if over else "")
        quiet, quiet_lost = await visitors(f"quiet-{kind}-{uuid.uuid4().hex[:6]}", paced)
        # The flood comes from a process of its own, as an abusive client's would: in this one, its thousand
        # connections would slow the visitors' own client (httpx's pool grows slow with that many), not the bot.
        flooder = await asyncio.create_subprocess_exec(sys.executable, __file__, "--flood-sender", url, str(size),
                                                       str(over),
                                                       stdout=asyncio.subprocess.PIPE)
        assert flooder.stdout is not None
        await flooder.stdout.readline()  # "sent": every message is on its way
        started = time.perf_counter()
        during, lost = await visitors(f"during-{kind}-{uuid.uuid4().hex[:6]}", paced)
        visitors_took = time.perf_counter() - started
        outcomes = json.loads((await flooder.stdout.read()) or b"{}")
        await flooder.wait()
        figures[kind] = {"quiet_p95": percentile(quiet, 0.95), "during_p95": percentile(during, 0.95),
                         "during_p50": statistics.median(during) * 1000, "messages": len(during),
                         "lost": lost + quiet_lost, "visitors_s": visitors_took, "flood": outcomes}
    return figures


async def send_flood(url: str, size: int, over: float = 0.0) -> None:
    """`size` messages of one sender, all at once from one address (aiohttp: light with a thousand connections);
    prints "sent", then what they got, as JSON."""
    import aiohttp

    sender = f"flood-{uuid.uuid4().hex[:6]}"
    connector = aiohttp.TCPConnector(limit=0, local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as session:
        async def one(number: int) -> str:
            try:
                async with session.post(url, json={"sender": sender, "message": f"xin chào {number}"}) as answer:
                    if answer.status != 200:
                        return str(answer.status)
                    said = " ".join(r.get("text", "") for r in await answer.json())
                    return "200 please wait" if said.startswith(PLEASE_WAIT_START) else "200 answered"
            except aiohttp.ClientError as error:
                return type(error).__name__

        started = time.perf_counter()
        if over:  # a steady stream through the visitors' whole conversations: a script's loop, not one burst
            print("sent", flush=True)
            tasks = []
            for n in range(size):
                tasks.append(asyncio.create_task(one(n)))
                await asyncio.sleep(over / size)
        else:
            tasks = [asyncio.create_task(one(n)) for n in range(size)]
            await asyncio.sleep(0.1)
            print("sent", flush=True)
        kinds = await asyncio.gather(*tasks)
        seconds = round(time.perf_counter() - started, 1)  # from the first message sent to the last one's answer
    print(json.dumps({**{kind: kinds.count(kind) for kind in sorted(set(kinds))}, "seconds": seconds}), flush=True)


MALFORMED = [b"[1, 2]", b"5", b"null", b'"text"', b"{", b"", b"true", b"{}", b'{"text": 5}', b'{"sender": "a"}',
             b'{"message": "hi"}', b'{"sender": 5, "message": "hi"}', b'{"sender": "a", "message": ["hi"]}',
             b'{"sender": "a", "message": null}', b'{"sender": null, "message": "hi"}',
             b'{"sender": "a", "message": {"text": "hi"}}', b'{"sender": ["a"], "message": "hi"}',
             b'{"sender": "a", "message": "' + b"x" * (1024 * 1024) + b'"}',
             b'{"sender": "' + b"s" * (1024 * 1024) + b'", "message": "hi"}',
             b'[' + b'"x", ' * 200_000 + b'"x"]']


async def malformed(base: str) -> dict[str, int]:
    statuses: dict[str, int] = {}
    async with client("127.0.0.4") as http:
        for path in ("/webhooks/rest/webhook", "/webhooks/zalo/webhook", "/telegram", "/webhooks/vnpay/ipn"):
            for body in MALFORMED:
                answer = await http.post(base + path, content=body, headers={"Content-Type": "application/json"})
                statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--users", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--messages", type=int, default=400, help="messages per load level (default 400)")
    parser.add_argument("--flood", action="store_true", help="issue 22's flood, with the most replicas")
    parser.add_argument("--flood-size", type=int, default=1000)
    parser.add_argument("--malformed", action="store_true", help="malformed bodies on every webhook")
    parser.add_argument("--flood-sender", nargs=3, metavar=("URL", "SIZE", "OVER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.flood_sender:  # the flood's own process (see flood())
        asyncio.run(send_flood(args.flood_sender[0], int(args.flood_sender[1]), float(args.flood_sender[2])))
        return 0
    if not list((ROOT / "models").glob("*.tar.gz")):
        print("no trained model: run scripts/train.sh first", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop make prod and drop its database
    print(f"{os.cpu_count()} cores", flush=True)
    for replicas in sorted(args.replicas):
        with tempfile.TemporaryDirectory() as tmp:
            prod = Prod(replicas, Path(tmp))
            try:
                print(f"{replicas} replica(s): ready in {prod.cold_start:.1f} s", flush=True)
                asyncio.run(replay(prod.url, 10, 60, f"warm-{uuid.uuid4().hex[:6]}"))  # caches, connections
                for users in args.users:
                    cpu, (busy, total), services = prod.cpu(), machine_busy(), services_cpu()
                    figures = asyncio.run(replay(prod.url, users, args.messages, f"r{replicas}u{users}"))
                    bot_ms = ", ".join(f"{part} {(after - cpu[part]) / figures['messages'] * 1000:.1f}"
                                       for part, after in prod.cpu().items())
                    busy_after, total_after = machine_busy()
                    cores = (busy_after - busy) / max(1, total_after - total) * (os.cpu_count() or 1)
                    service_ms = ", ".join(f"{name} {(after - services[name]) / figures['messages'] * 1000:.1f}"
                                           for name, after in services_cpu().items())
                    print(f"{replicas} replica(s), {users:>3} users: {figures['per_s']:6.1f} msg/s  "
                          f"p50 {figures['p50']:5.0f} ms  p95 {figures['p95']:5.0f} ms  "
                          f"({figures['messages']} messages, {figures['failures']} unanswered)  "
                          f"CPU ms/message: {bot_ms}, {service_ms}; {cores:.2f} cores busy", flush=True)
                if args.flood and replicas == max(args.replicas):
                    result = asyncio.run(flood(prod.url, args.flood_size))
                    for kind, figures in result.items():
                        print(f"flood of {args.flood_size} from one sender, 20 visitors {kind}: their p95 "
                              f"{figures['quiet_p95']:.0f} ms alone, {figures['during_p95']:.0f} ms during (p50 "
                              f"{figures['during_p50']:.0f} ms, {figures['messages']} messages over "
                              f"{figures['visitors_s']:.1f} s); "
                              f"{figures['lost']} of their messages lost or unanswered; the flood got "
                              f"{figures['flood']}", flush=True)
                if args.malformed and replicas == max(args.replicas):
                    statuses = asyncio.run(malformed(f"http://127.0.0.1:{prod.port}"))
                    errors = sum(n for status, n in statuses.items() if status.startswith("5"))
                    print(f"malformed bodies on every webhook: {statuses}; {errors} server errors", flush=True)
            finally:
                prod.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
