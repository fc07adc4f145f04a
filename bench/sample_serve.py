"""Where the running Rasa server spends its time under load, sampled from outside with py-spy.

    .venv/bin/python bench/sample_serve.py [--seconds 30] [--users 20] [--top 40] [--raw FILE] [--repeated]

Starts the full bot as bench/serve.py does, warms it, and sends bench/serve.py's headline traffic (conversations
whose texts never repeat; `--repeated`: its 40 repeated texts) with `--users` users at once for `--seconds` while
py-spy samples the Rasa process 200 times a second. Unlike
bench/profile_turn.py (cProfile inside one process), this sees the real server (Sanic, the channel, the
admission limit, the HTTP round trips) and slows it down little, so its shares match bench/serve.py's
conditions. Prints Rasa's CPU per message and the functions with the largest share of samples, counted
inclusively (a function and everything it calls) and by their own code. Settings such as
QN_NLU_CACHE_ENTRIES=0 or QN_CONCURRENT_TURNS=0 are passed on from the environment.

py-spy comes with the dev extra (`pip install -e '.[dev]'`); it needs permission to read another process's
memory (ptrace), which some containers withhold.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import ROOT, TRAFFIC_SEED, VENV_BIN, line, plans_from, replay, start_full_bot  # noqa: E402
from traffic import Traffic  # noqa: E402

SITE_PACKAGES = re.compile(r"\(/.*?/site-packages/")


def frame_name(frame: str) -> str:
    """'function (path:line)' -> 'function (package/module.py)'."""
    return re.sub(r":\d+\)$", ")", SITE_PACKAGES.sub("(", frame.replace(str(ROOT) + "/", "")))


def shares(raw: Path) -> tuple[int, collections.Counter, collections.Counter]:
    """Samples in all, and per function: samples with it anywhere on the stack, and with it on top."""
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for row in raw.read_text().splitlines():
        if not row.strip():
            continue
        stack, count = row.rsplit(" ", 1)
        frames = [frame_name(frame) for frame in stack.split(";")]
        total += int(count)
        for name in set(frames):
            inclusive[name] += int(count)
        own[frames[-1]] += int(count)
    return total, inclusive, own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--raw", type=Path, help="also keep py-spy's raw stacks here")
    parser.add_argument("--repeated", action="store_true", help="the 40 repeated texts instead of new ones")
    parser.add_argument("--gil", action="store_true",
                        help="sample only the thread holding Python's lock (GIL): what bounds one process's "
                             "messages/s once its main thread is saturated")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy", path=str(VENV_BIN)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    if not list((ROOT / "models").glob("qn-*.tar.gz")):
        print("no trained model: run scripts/train.sh first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        raw = args.raw or Path(tmp) / "stacks.txt"
        bot = start_full_bot(Path(tmp))
        traffic = Traffic(TRAFFIC_SEED)
        try:
            asyncio.run(replay(bot, 5, 20, "warm"))
            rasa = bot.processes[1]
            sampler = subprocess.Popen([spy, "record", "--pid", str(rasa.pid), "--format", "raw", "--rate", "200",
                                        "--nonblocking", "--output", str(raw), *(["--gil"] if args.gil else [])],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1)
            if sampler.poll() is not None:
                print(f"py-spy could not attach: {sampler.stderr.read().decode()[-500:]}", file=sys.stderr)
                return 2
            cpu_before, started, messages, round_ = bot.cpu()[1], time.monotonic(), 0, 0
            while time.monotonic() - started < args.seconds:
                plans = None if args.repeated else plans_from(traffic, args.users, 10)
                figures = asyncio.run(replay(bot, args.users, 10, f"sample-{round_}", plans))
                messages, round_ = messages + figures["messages"], round_ + 1
                print(line("full", args.users, figures), flush=True)
            cpu_ms = (bot.cpu()[1] - cpu_before) / messages * 1000
            sampler.send_signal(signal.SIGINT)
            sampler.wait(timeout=60)
        finally:
            bot.stop()
        total, inclusive, own = shares(raw)
    print(f"\nRasa: {cpu_ms:.1f} ms of CPU a message over {messages} messages; {total} samples")
    for title, counter in (("inclusive (the function and what it calls)", inclusive), ("own code", own)):
        print(f"\nshare of samples, {title}:")
        for name, count in counter.most_common(args.top):
            print(f"{100 * count / total:5.1f}%  {name[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
