"""What one turn costs as a conversation grows: turn 10, 100, 200 and 300 of one long conversation.

    .venv/bin/python bench/turn_cost.py [--turns 300] [--stores memory,sql] [--variants patched,unbounded]

Loads the trained model with Rasa's Agent in this process (patched as bot.launch patches it), starts the action
server, and lets one visitor send `--turns` messages in one conversation (bench/traffic.py: every text new, so
the NLU cache is off). Each turn's wall time and this process's CPU time are recorded; the figures are medians
of ten turns around turn 10 (6-15), 100 (96-105), 200 (196-205) and 300 (291-300), which are the same ten
questions each time, so that they differ by the conversation's length only. Per tracker store
(`shipped`: endpoints.yml's, with its event broker; `memory`: Rasa's default; `sql`: Rasa's SQLTrackerStore on a
SQLite file) and per variant of the patches: `patched` (all of bot/serving.py), `unbounded` (all but
`bounded_history`: Rasa re-reads the whole conversation every turn), `rasa` (none). Issue 20's target: turn 200
at most 1.5x the cost of turn 10.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import ROOT, VENV_BIN, bookable_knowledge, free_port  # noqa: E402
from traffic import Traffic  # noqa: E402

BUCKETS = {10: range(6, 16), 100: range(96, 106), 200: range(196, 206), 300: range(291, 301)}
# The same ten questions (no form) at each bucket, so that the buckets differ by the conversation's length only.
PROBE = ["greet", "ask_place_info", "ask_opening_hours", "ask_place_location", "find_places", "ask_procedure",
         "ask_procedure_documents", "ask_procedure_fee", "ask_ticket_price", "thank"]
VARIANTS = {"patched": [], "unbounded": ["bounded_history"], "rasa": ["all"]}


def endpoints_for(store: str, workdir: Path, actions_url: str) -> Path:
    """The shipped endpoints.yml with the action server at `actions_url`: as shipped (`shipped`; conversations in
    this run's folder), or with Rasa's in-memory store (`memory`) or Rasa's SQL store on SQLite (`sql`), both
    without an event broker."""
    from bot.settings import endpoints_with_actions_at

    endpoints = yaml.safe_load(endpoints_with_actions_at(actions_url))
    if store != "shipped":
        endpoints.pop("tracker_store", None)
        endpoints.pop("event_broker", None)
    if store == "sql":
        database = workdir / f"trackers-{time.time_ns()}.db"
        endpoints["tracker_store"] = {"type": "SQL", "dialect": "sqlite", "db": str(database)}
    path = workdir / f"endpoints-{store}.yml"
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    return path


async def one_conversation(model: Path, endpoints_file: Path, texts: list[str], sender: str
                           ) -> list[tuple[float, float]]:
    """(wall ms, CPU ms of this process) of every turn of one conversation."""
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    agent = await load_agent(model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints_file)))
    for text in ["xin chào", "yên tử ở đâu", "cảm ơn"]:  # warm: first calls build caches
        await agent.handle_text(text, sender_id=f"warm-up-{sender}")
    costs = []
    for text in texts:
        wall, cpu = time.perf_counter(), time.process_time()
        await agent.handle_text(text, sender_id=sender)
        costs.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return costs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--stores", default="shipped,memory,sql")
    parser.add_argument("--variants", default="patched,unbounded")
    args = parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    from bot import serving

    models = sorted((ROOT / "models").glob("qn-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        print("no trained model: run scripts/train.sh first", file=sys.stderr)
        return 2
    traffic = Traffic(seed=300)
    probe = [traffic.say(intent) for intent in PROBE]
    texts = traffic.long_conversation(args.turns)
    for turns in BUCKETS.values():
        for turn, text in zip(turns, probe):
            if turn <= len(texts):
                texts[turn - 1] = text
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.environ.update({"QN_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
                           "QN_KNOWLEDGE_DIR": str(bookable_knowledge(workdir / "knowledge")),
                           "QN_TICKET_SECRET": "bench-ticket-secret-0123456789", "QN_NLU_CACHE_ENTRIES": "0",
                           "QN_CONVERSATIONS_URL": f"sqlite:///{workdir / 'conversations.db'}"})
        subprocess.run([str(VENV_BIN / "qn-staff"), "load"], check=True, capture_output=True)
        port = free_port()
        actions = subprocess.Popen([str(VENV_BIN / "python"), "-m", "actions", "--port",
                                    str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(4)  # the action server's start
            for store in args.stores.split(","):
                for variant in args.variants.split(","):
                    serving.install(off=VARIANTS[variant])
                    endpoints = endpoints_for(store, workdir, f"http://127.0.0.1:{port}/webhook")
                    results[(store, variant)] = asyncio.run(one_conversation(models[-1], endpoints, texts,
                                                                             f"long-{store}-{variant}"))
                    serving.uninstall()
                    print(report(store, variant, results[(store, variant)]), flush=True)
        finally:
            actions.terminate()
            actions.wait(timeout=20)
    print("\nmedian of ten turns around each turn, ms (wall / CPU of the Rasa process):")
    for (store, variant), costs in results.items():
        print(report(store, variant, costs))
    return 0


def report(store: str, variant: str, costs: list[tuple[float, float]]) -> str:
    figures, cpu = {}, {}
    for turn, turns in BUCKETS.items():
        chosen = [costs[i - 1] for i in turns if i <= len(costs)]
        if chosen:
            figures[turn] = statistics.median(c[0] for c in chosen)
            cpu[turn] = statistics.median(c[1] for c in chosen)
    cells = "  ".join(f"turn {t}: {figures[t]:6.1f} / {cpu[t]:6.1f}" for t in figures)
    ratio = f"  turn 200 / turn 10: {figures[200] / figures[10]:.2f}x (CPU {cpu[200] / cpu[10]:.2f}x)" \
        if 200 in figures else ""
    return f"{store:6} {variant:9} {cells}{ratio}"


if __name__ == "__main__":
    sys.exit(main())
