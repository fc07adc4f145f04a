"""Serving speed of the whole bot against a vanilla `rasa init` bot, measured in the same run.

    .venv/bin/python bench/serve.py [--rounds 3] [--messages 200] [--skip-vanilla] [--busy-cores N]
                                    [--no-limit] [--no-cache] [--without PATCH] [--nlu-process]

Starts the full bot (action server, knowledge base on SQLite, Rasa with our REST channel and endpoints.yml's
stores) on free ports, and a vanilla `rasa init` bot (its default config and model, trained once into
var/bench/vanilla), then sends each the same traffic through its REST channel, with 1 and with 20 users at once:
- **new texts** (the headline): visitors' conversations of about ten messages whose texts never repeat
  (bench/traffic.py: the held-out NLU sets, variants of them, booking steps with generated details), one new
  conversation after another per user, the same texts in the same order for every bot; the NLU cache never
  answers, as with real people;
- **repeated texts**, beside it and labelled so: ten hand-written conversations (40 texts) replayed over and
  over, which the NLU cache answers after their first time.
Prints messages/s and p50/p95/p99 latency for each, the ratios to vanilla per round (each round measures every
bot back to back), Rasa's and the action server's CPU per message, the cold start (command to first answer) and
the resident memory of all the bot's processes. Variants of the full bot on request: "no-limit" lets every turn
into Rasa at once (QN_CONCURRENT_TURNS=0), "no-cache" analyses every text afresh (QN_NLU_CACHE_ENTRIES=0),
"no-PATCH" runs without one of bot/serving.py's patches, "nlu-apart" (--nlu-process) runs NLU in a Rasa process of
its own, asked over HTTP by a Rasa process that holds the dialogue policies alone. Issue 20's targets, new texts:
at 20 users >= 3x vanilla's messages/s and p95 <= 300 ms; one user p50 <= 25 ms; cold start <= 20 s; <= 1 GB
resident.

The host's speed drifts (the same work took 5.8 to 12.4 ms of Rasa's CPU within one session): --busy-cores 1
keeps one core's worth of another process spinning during the rounds, a repeatable stand-in for a slow phase.

The museum has no published booking facts, so the bench's knowledge copy gets the same staff-style stand-ins
the tests use (slots, capacity), only in its own temporary folder.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx
import yaml

from bot.settings import SHIPPED_ACTIONS_URL, endpoints_with_actions_at

sys.path.insert(0, str(Path(__file__).resolve().parent))
from traffic import Traffic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
VANILLA_DIR = ROOT / "var" / "bench" / "vanilla"

TRAFFIC_SEED = 2020
# The repeated traffic: each user plays one of these from the start, then the next one (a new sender each time).
CONVERSATIONS: list[list[str]] = [
    ["xin chào", "đền Cửa Ông ở đâu?", "mấy giờ mở cửa?", "vé bao nhiêu?", "cảm ơn"],
    ["yen tu mo cua may gio", "gioi thieu ve yen tu", "o dong trieu co di tich nao", "/find_places"],
    ["ở Đông Triều có di tích nào?", "xem thêm", "giới thiệu về chùa Quỳnh Lâm"],
    ["thủ tục đăng ký tạm trú trên VNeID", "cần giấy tờ gì?", "lệ phí bao nhiêu?", "mất bao lâu?"],
    ["dk tam tru ko can giay to gi", "bn tien", "bao lau thi xong"],
    ["vé bảo tàng bao nhiêu tiền?", "bảo tàng mở cửa mấy giờ?"],
    ["đặt 2 vé người lớn thứ Bảy tuần sau", "10:00-12:00", "Nguyễn Văn An", "0912345678", "/deny"],
    ["dat ve bao tang", "thu 7 tuan sau", "08:00-10:00", "3 nguoi lon", "/deny"],
    ["where is Cua Ong temple?", "opening hours?", "thanks"],
    ["làm lại căn cước bị mất thế nào", "giấy tờ cần những gì", "tạm biệt"],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree(pids: list[int]) -> list[int]:
    """These processes and all their descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.append(pid)
            todo += children.get(pid, [])
    return found


def memory_mb(pids: list[int], field: str) -> float:
    """Sum of a memory field over the process tree: "Rss" counts pages shared by forked workers once per
    process; "Pss" divides shared pages among the processes sharing them (what they take together)."""
    total = 0
    for pid in process_tree(pids):
        try:
            for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if row.startswith(f"{field}:"):
                    total += int(row.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_answer(url: str, deadline: float) -> None:
    body = json.dumps({"sender": "warmup", "message": "xin chào"}).encode()
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                # An empty list is an answer too: the unseeded vanilla model may choose to say nothing.
                if isinstance(json.loads(response.read()), list):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} gave no answer in time")


class Bot:
    def __init__(self, name: str, commands: list[tuple[list[str], Path]], env: dict[str, str], rasa_port: int,
                 log_dir: Path):
        self.name, self.url = name, f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        started = time.monotonic()
        self.processes = [subprocess.Popen(cmd, cwd=cwd, env=env, stdout=(log_dir / f"{name}-{i}.log").open("w"),
                                           stderr=subprocess.STDOUT, start_new_session=True)
                          for i, (cmd, cwd) in enumerate(commands)]
        wait_for_answer(self.url, started + 600)
        self.cold_start = time.monotonic() - started

    def cpu(self) -> list[float]:
        return [sum(cpu_seconds(pid) for pid in process_tree([p.pid])) for p in self.processes]

    def memory(self) -> str:
        pids = [p.pid for p in self.processes]
        return f"resident {memory_mb(pids, 'Rss'):.0f} MB (proportional {memory_mb(pids, 'Pss'):.0f} MB)"

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def bookable_knowledge(into: Path) -> Path:
    shutil.copytree(ROOT / "knowledge", into)
    path = into / "museum.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    museum = document["museum"]
    museum["opening_hours"] = {day: "08:00-17:00" for day in museum["opening_hours"]}
    museum["time_slots"] = ["08:00-10:00", "10:00-12:00", "14:00-16:00"]
    museum["capacity_per_slot"] = 100000
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return into


def start_full_bot(workdir: Path, workers: int = 1, name: str = "full",
                   settings: dict[str, str] | None = None, api: bool = False, memory_store: bool = False,
                   root: Path = ROOT, core_model: Path | None = None) -> Bot:
    """The whole bot as `make serve` runs it, with `settings` (environment variables) changed; `api`: with
    Rasa's HTTP API on (to read trackers back); `memory_store`: conversations in Rasa's in-memory tracker store,
    without an event broker, instead of endpoints.yml's stores; `root`: the code of another checkout (a `git
    worktree` of an earlier commit, say), with this checkout's venv and model."""
    workdir = Path(tempfile.mkdtemp(dir=workdir))
    knowledge = bookable_knowledge(workdir / "knowledge")
    env = {**os.environ, **(settings or {}), "PYTHONPATH": str(root),
           "QN_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "QN_KNOWLEDGE_DIR": str(knowledge),
           "QN_TICKET_SECRET": "bench-ticket-secret-0123456789", "LOG_LEVEL": "WARNING", "QN_LOG_LEVEL": "WARNING"}
    subprocess.run([str(VENV_BIN / "qn-staff"), "load"], env=env, check=True, capture_output=True)
    actions_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    actions_url = f"http://127.0.0.1:{actions_port}/webhook"
    configured = yaml.safe_load(endpoints_with_actions_at(actions_url) if root == ROOT else (
        root / "endpoints.yml").read_text(encoding="utf-8").replace(SHIPPED_ACTIONS_URL, actions_url))
    if memory_store:
        configured = {key: value for key, value in configured.items() if key not in ("tracker_store", "event_broker")}
    if workers > 1:  # as make prod's replicas: the shipped stores, each conversation locked in Redis
        configured["lock_store"] = {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 0,
                                    "key_prefix": f"bench{os.getpid()}lock"}
        env["SANIC_WORKERS"] = str(workers)
    processes: list[tuple[list[str], Path]] = []
    model = ROOT / "models"
    if core_model is not None:  # NLU in a Rasa process of its own, which the other asks (endpoints.yml's `nlu`)
        nlu_port = free_port()
        configured["nlu"] = {"url": f"http://127.0.0.1:{nlu_port}"}
        processes.append(([str(VENV_BIN / "python"), "-m", "bot.launch", "run", "--model", str(model), "--port",
                           str(nlu_port), "--interface", "127.0.0.1", "--enable-api"], root))
        model = core_model
    endpoints.write_text(yaml.safe_dump(configured))
    # The action server as the scripts start it; an older checkout's (--tree) as rasa_sdk's own.
    action_server = ["actions"] if (root / "actions" / "__main__.py").is_file() \
        else ["rasa_sdk", "--actions", "actions"]
    return Bot(name, [
        *processes,
        ([str(VENV_BIN / "python"), "-m", *action_server, "--port", str(actions_port)], root),
        ([str(VENV_BIN / "python"), "-m", "bot.launch", "run", "--model", str(model), "--endpoints",
          str(endpoints), "--credentials", "credentials.yml", "--port", str(rasa_port), "--interface", "127.0.0.1",
          *(["--enable-api"] if api else [])], root),
    ], env, rasa_port, workdir)


def core_only_model() -> Path:
    """The policies alone (`rasa train core`: RulePolicy, about 15 s), trained afresh into var/bench/core."""
    folder = ROOT / "var" / "bench" / "core"
    model = folder / "core.tar.gz"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "rasa"), "train", "core", "--config", "config.yml", "--domain", "domain",
                    "--stories", "data", "--out", str(folder), "--fixed-model-name", "core", "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    return model


def start_vanilla_bot(workdir: Path) -> Bot:
    if not list((VANILLA_DIR / "models").glob("*.tar.gz")):
        print("training the vanilla `rasa init` bot once (var/bench/vanilla) ...", flush=True)
        shutil.rmtree(VANILLA_DIR, ignore_errors=True)
        VANILLA_DIR.mkdir(parents=True)
        subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(VANILLA_DIR)],
                       cwd=VANILLA_DIR, check=True, capture_output=True)
    port = free_port()
    return Bot("vanilla", [([str(VENV_BIN / "rasa"), "run", "--model", "models", "--port", str(port),
                             "--interface", "127.0.0.1"], VANILLA_DIR)],
               {**os.environ, "LOG_LEVEL": "WARNING"}, port, workdir)


def plans_from(traffic: Traffic, users: int, messages_per_user: int) -> list[list[list[str]]]:
    """For each user, the conversations they will have (new texts), enough for `messages_per_user` messages."""
    plans = []
    for _ in range(users):
        plan: list[list[str]] = []
        while sum(map(len, plan)) < messages_per_user:
            plan.append(traffic.conversation())
        plans.append(plan)
    return plans


async def timed_message(client: httpx.AsyncClient, url: str, sender: str, text: str) -> tuple[float, bool]:
    """One message's round trip through the REST channel: the seconds it took, and whether a reply came back."""
    started = time.perf_counter()
    try:
        answer = await client.post(url, json={"sender": sender, "message": text})
        answered = answer.status_code == 200 and bool(answer.json())
    except httpx.HTTPError:
        answered = False
    return time.perf_counter() - started, answered


async def replay(bot: Bot, users: int, messages_per_user: int, label: str,
                 plans: list[list[list[str]]] | None = None) -> dict[str, float]:
    """`users` simulated users at once, each sending `messages_per_user` messages, conversation by
    conversation (a new sender each), waiting for each answer before the next message. Each user's
    conversations: `plans[user]` (new texts), else bench's repeated CONVERSATIONS."""
    latencies: list[float] = []
    failures = 0

    async def user(number: int, client: httpx.AsyncClient) -> None:
        nonlocal failures
        sent, round_ = 0, 0
        while sent < messages_per_user:
            conversation = plans[number][round_] if plans is not None \
                else CONVERSATIONS[(number + round_) % len(CONVERSATIONS)]
            sender = f"{label}-{number}-{round_}"
            for text in conversation:
                if sent >= messages_per_user:
                    break
                seconds, answered = await timed_message(client, bot.url, sender, text)
                latencies.append(seconds)
                failures += not answered
                sent += 1
            round_ += 1

    limits = httpx.Limits(max_connections=users + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(user(n, client) for n in range(users)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"messages": len(latencies), "failures": failures, "per_s": len(latencies) / elapsed,
            "p50": statistics.median(ordered) * 1000, "p95": pct(0.95), "p99": pct(0.99)}


def line(name: str, users: int, figures: dict[str, float]) -> str:
    return (f"{name:10} {users:>3} users: {figures['per_s']:6.1f} msg/s  p50 {figures['p50']:6.0f} ms  "
            f"p95 {figures['p95']:6.0f} ms  p99 {figures['p99']:6.0f} ms  ({figures['messages']} messages, "
            f"{figures['failures']} without a reply)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200, help="messages per load level (default 200)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="measurement rounds; each round measures every bot back to back (default 3)")
    parser.add_argument("--skip-vanilla", action="store_true")
    parser.add_argument("--busy-cores", type=int, default=0, metavar="N",
                        help="keep N other processes spinning during the rounds: a slower, contended host")
    parser.add_argument("--without", action="append", default=[], metavar="PATCH",
                        help="also run the full bot without this Rasa patch (bot/serving.py; repeatable): what it is "
                             "worth")
    parser.add_argument("--no-limit", action="store_true",
                        help="also run the full bot letting every turn into Rasa at once (QN_CONCURRENT_TURNS=0)")
    parser.add_argument("--no-cache", action="store_true",
                        help="also run the full bot analysing every text afresh (QN_NLU_CACHE_ENTRIES=0)")
    parser.add_argument("--memory-store", action="store_true",
                        help="also run the full bot with Rasa's in-memory tracker store, no event broker: what "
                             "endpoints.yml's stores cost")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME:KEY=VALUE[,KEY=VALUE]",
                        help="also run the full bot, as NAME, with these environment settings (repeatable): e.g. "
                             "limit8:QN_CONCURRENT_TURNS=8")
    parser.add_argument("--tree", action="append", default=[], metavar="NAME:DIR",
                        help="also run the full bot, as NAME, from the code in DIR (e.g. a `git worktree` of the "
                             "commit before a change), with this checkout's venv and model")
    parser.add_argument("--nlu-process", action="store_true",
                        help="also run the full bot with NLU in a Rasa process of its own (the trained model, its API "
                             "on), asked by a Rasa process holding only the dialogue policies (endpoints.yml's `nlu`)")
    parser.add_argument("--kinds", default="new,repeated",
                        help="which traffic to measure, comma-separated: new, repeated (default both)")
    parser.add_argument("--workers", type=int, default=1,
                        help="Rasa's Sanic workers for the full bot; more than 1 needs Redis on 127.0.0.1:6379 "
                             "(the lock store)")
    args = parser.parse_args(argv)
    kinds = [kind for kind in ("new", "repeated") if kind in args.kinds.split(",")]
    if not list((ROOT / "models").glob("qn-*.tar.gz")):
        print("no trained model: run scripts/train.sh first", file=sys.stderr)
        return 2
    starts = {"full": lambda tmp: start_full_bot(tmp, args.workers)}
    if args.no_limit:  # what the admission limit does for the tail
        starts["no-limit"] = lambda tmp: start_full_bot(tmp, args.workers, "no-limit", {"QN_CONCURRENT_TURNS": "0"})
    if args.no_cache:
        starts["no-cache"] = lambda tmp: start_full_bot(tmp, args.workers, "no-cache", {"QN_NLU_CACHE_ENTRIES": "0"})
    if args.memory_store:
        starts["memory"] = lambda tmp: start_full_bot(tmp, args.workers, "memory", memory_store=True)
    for patch in args.without:
        starts[f"no-{patch}"] = lambda tmp, patch=patch: start_full_bot(tmp, args.workers, f"no-{patch}",
                                                                         {"QN_RASA_PATCHES_OFF": patch})
    for variant in args.setting:
        name, _, assignments = variant.partition(":")
        settings = dict(pair.split("=", 1) for pair in assignments.split(",") if "=" in pair)
        if not name or not settings:
            parser.error(f"--setting {variant!r}: NAME:KEY=VALUE[,KEY=VALUE] expected")
        starts[name] = lambda tmp, name=name, settings=settings: start_full_bot(tmp, args.workers, name, settings)
    for variant in args.tree:
        name, _, folder = variant.partition(":")
        starts[name] = lambda tmp, name=name, folder=folder: start_full_bot(tmp, args.workers, name,
                                                                             root=Path(folder).resolve())
    if args.nlu_process:
        core_model = core_only_model()
        starts["nlu-apart"] = lambda tmp: start_full_bot(tmp, args.workers, "nlu-apart", core_model=core_model)
    if not args.skip_vanilla:
        starts["vanilla"] = start_vanilla_bot
    # This shared machine's speed drifts by tens of percent within minutes: the bots run side by side and
    # every round measures each of them back to back, so each round's ratio compares like with like.
    runs: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    cpu: dict[tuple[str, str, int], list[list[float]]] = {}
    bots: dict[str, Bot] = {}
    traffic: dict[str, Traffic] = {}
    spinners: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for name, start in starts.items():  # one at a time, so that each cold start is undisturbed
                bots[name] = start(Path(tmp))
                traffic[name] = Traffic(TRAFFIC_SEED)  # the same new texts, in the same order, for every bot
                asyncio.run(replay(bots[name], 5, 20, f"warm-{name}"))  # first calls build caches
                asyncio.run(replay(bots[name], 5, 10, f"warm-new-{name}", plans_from(traffic[name], 5, 10)))
                print(f"{name:10} cold start {bots[name].cold_start:.1f} s", flush=True)
            if args.busy_cores:
                print(f"{args.busy_cores} other process(es) spinning during the rounds", flush=True)
            spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                        for _ in range(args.busy_cores)]
            for round_ in range(1, args.rounds + 1):
                for kind in kinds:
                    for users in (1, 20):
                        per_user = max(1, args.messages // users)
                        for name, bot in bots.items():
                            plans = plans_from(traffic[name], users, per_user) if kind == "new" else None
                            before = bot.cpu()
                            figures = asyncio.run(replay(bot, users, per_user, f"{name}-{kind}-{users}-r{round_}",
                                                         plans))
                            used = [(after - start) / figures["messages"] * 1000
                                    for start, after in zip(before, bot.cpu())]
                            runs.setdefault((kind, name, users), []).append(figures)
                            cpu.setdefault((kind, name, users), []).append(used)
                            print(f"round {round_} {kind:8} " + line(name, users, figures)
                                  + "  CPU ms/message per process: " + ", ".join(f"{ms:.1f}" for ms in used),
                                  flush=True)
            for name, bot in bots.items():
                print(f"{name:10} memory after the rounds: {bot.memory()}", flush=True)
        finally:
            for spinner in spinners:
                spinner.kill()
            for bot in bots.values():
                bot.stop()
    for kind, title in (("new", "NEW TEXTS (every text new, conversations of about ten messages): the headline"),
                        ("repeated", "repeated texts (40 hand-written texts replayed; the NLU cache answers them)")):
        if kind not in kinds:
            continue
        print(f"\n{title}, medians over {args.rounds} rounds:")
        for (run_kind, name, users), figures in runs.items():
            if run_kind == kind:
                median = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
                processes = zip(*cpu[(kind, name, users)])
                print(line(name, users, median) + "  CPU ms/message: "
                      + ", ".join(f"{statistics.median(ms):.1f}" for ms in processes))
        if "vanilla" in bots:
            for name in [n for n in bots if n != "vanilla"]:
                for users in (1, 20):
                    ratios = [mine["per_s"] / theirs["per_s"] for mine, theirs
                              in zip(runs[(kind, name, users)], runs[(kind, "vanilla", users)])]
                    print(f"ratio {name}/vanilla at {users:>2} users: median {statistics.median(ratios):.2f}x "
                          f"messages/s (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
