"""Where a message's time goes, inside the Rasa server: each NLU component, each policy, the action server
round trip (which includes the knowledge queries), and Rasa's own bookkeeping.

    .venv/bin/python bench/profile_turn.py [--repeat 3] [--repeated]

Loads the trained model with Rasa's Agent in this process, starts the action server, sends conversations whose
texts never repeat (bench/traffic.py, as bench/serve.py's headline; `--repeated`: bench/serve.py's 40 repeated
texts, `--repeat` times) under cProfile, and prints the cumulative time per message of the functions that matter.
The action server's own share (knowledge queries included) is measured by timing its HTTP calls.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import CONVERSATIONS, ROOT, VENV_BIN, bookable_knowledge, free_port  # noqa: E402
from traffic import Traffic  # noqa: E402

# (label, file suffix, function name) of what to report, in pipeline order.
WATCHED = [
    ("tokenizer (pyvi)", "bot/nlu/tokenizer.py", "process"),
    ("gazetteer entities", "bot/nlu/gazetteer.py", "process"),
    ("entity masking", "bot/nlu/masking.py", "process"),
    ("count vectors", "count_vectors_featurizer.py", "process"),
    ("DIET classifier", "diet_classifier.py", "process"),
    ("regex entities", "regex_entity_extractor.py", "process"),
    ("language detector", "bot/nlu/language.py", "process"),
    ("vocabulary guard", "bot/nlu/vocabulary.py", "process"),
    ("entry points", "bot/nlu/entry_points.py", "process"),
    ("fallback classifier", "fallback_classifier.py", "process"),
    ("NLU total (parse_message)", "rasa/core/processor.py", "parse_message"),
    ("RulePolicy predict", "rule_policy.py", "predict_action_probabilities"),
    ("predict next action (all policies)", "rasa/core/processor.py", "predict_next_with_tracker_if_should"),
    ("tracker store save", "rasa/core/tracker_store.py", "save"),
    ("whole message (handle_message)", "rasa/core/processor.py", "handle_message"),
]


def cumulative_by_watch(stats: pstats.Stats) -> dict[str, float]:
    totals = {label: 0.0 for label, _, _ in WATCHED}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, suffix, name in WATCHED:
            if function == name and filename.endswith(suffix) or (function == name and suffix in filename):
                totals[label] = max(totals[label], cumulative)
    return totals


async def replay(agent, repeat: int, traffic: Traffic | None = None) -> int:
    count = 0
    for round_ in range(repeat):
        conversations = CONVERSATIONS if traffic is None else [traffic.conversation() for _ in CONVERSATIONS]
        for number, conversation in enumerate(conversations):
            for text in conversation:
                await agent.handle_text(text, sender_id=f"profile-{round_}-{number}")
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeated", action="store_true", help="the 40 repeated texts instead of new ones")
    parser.add_argument("--without-fixes", action="store_true", help="Rasa as shipped, without bot/serving.py")
    parser.add_argument("--dump", type=Path, help="also write the raw profile here (for pstats)")
    parser.add_argument("--profile-actions", type=Path, metavar="FILE",
                        help="profile the action server too (knowledge queries inline) and write it to FILE")
    args = parser.parse_args(argv)
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # as `rasa run` with LOG_LEVEL=WARNING: debug events are dropped
    logging.getLogger().setLevel(logging.WARNING)
    if not args.without_fixes:
        from bot import serving

        # Without the batching of NLU: it runs the pipeline in a worker thread, which cProfile does not see (the
        # NLU rows read 0.00 with it). One message at a time, as here, costs the same either way.
        serving.install(off={"nlu_batch"})
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        knowledge = bookable_knowledge(workdir / "knowledge")
        os.environ.update({"QN_DATABASE_URL": f"sqlite:///{workdir / 'profile.db'}",
                           "QN_KNOWLEDGE_DIR": str(knowledge), "QN_TICKET_SECRET": "bench-ticket-secret-0123456789"})
        subprocess.run([str(VENV_BIN / "qn-staff"), "load"], check=True, capture_output=True)
        port = free_port()
        server = ([str(ROOT / "bench" / "profiled_action_server.py"), str(port), str(args.profile_actions)]
                  if args.profile_actions else ["-m", "actions", "--port", str(port)])
        actions = subprocess.Popen([str(VENV_BIN / "python"), *server], cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            from rasa.core.actions.action import RemoteAction
            from rasa.core.agent import load_agent

            original_run, waited = RemoteAction.run, [0.0]

            async def timed_run(self, *a, **kw):  # wall time: cProfile cannot see time spent awaiting a socket
                started_at = time.perf_counter()
                try:
                    return await original_run(self, *a, **kw)
                finally:
                    waited[0] += time.perf_counter() - started_at

            RemoteAction.run = timed_run
            from rasa.core.utils import AvailableEndpoints

            from bot.settings import endpoints_with_actions_at

            model = max((ROOT / "models").glob("qn-*.tar.gz"), key=lambda p: p.stat().st_mtime)
            endpoints_file = workdir / "endpoints.yml"  # the shipped endpoints.yml (selective domain included)
            endpoints_file.write_text(endpoints_with_actions_at(f"http://127.0.0.1:{port}/webhook"))
            endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
            profiler = cProfile.Profile()

            async def session() -> tuple[int, float]:
                agent = await load_agent(model_path=str(model), endpoints=endpoints)
                await asyncio.sleep(3)  # the action server's start
                await replay(agent, 1)  # warm: first calls build caches
                waited[0] = gc_time[0] = full_collections[0] = 0
                started_at = time.perf_counter()
                profiler.enable()
                count = await replay(agent, args.repeat, None if args.repeated else Traffic())
                profiler.disable()
                return count, time.perf_counter() - started_at

            gc_time, gc_started, full_collections = [0.0], [0.0], [0]

            def gc_timer(phase: str, info: dict) -> None:  # the collector's pauses, which cProfile does not show
                if phase == "start":
                    gc_started[0] = time.perf_counter()
                else:
                    gc_time[0] += time.perf_counter() - gc_started[0]
                    full_collections[0] += info.get("generation") == 2

            gc.callbacks.append(gc_timer)
            messages, elapsed = asyncio.run(session())
            gc.callbacks.remove(gc_timer)
        finally:
            actions.terminate()
            actions.wait(timeout=20)
    if args.dump:
        profiler.dump_stats(str(args.dump))
    totals = cumulative_by_watch(pstats.Stats(profiler))
    print(f"{messages} messages, {elapsed / messages * 1000:.1f} ms each under the profiler (profiling adds overhead)")
    for label, _, _ in WATCHED:
        print(f"  {label:38} {totals[label] / messages * 1000:7.2f} ms/message")
    print(f"  {'action server round trip (wall)':38} {waited[0] / messages * 1000:7.2f} ms/message")
    print(f"  {'garbage collection':38} {gc_time[0] / messages * 1000:7.2f} ms/message, "
          f"{full_collections[0]} full collections")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats("rasa/(core|shared)", 40)
    if args.profile_actions and args.profile_actions.exists():
        print("action server (knowledge queries inline), cumulative:")
        pstats.Stats(str(args.profile_actions)).sort_stats("cumulative").print_stats(
            "rasa_sdk/(endpoint|executor)|actions/|bot/knowledge|sqlalchemy/(orm/session|engine/base)", 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
