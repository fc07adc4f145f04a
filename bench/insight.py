"""The staff page on 100,000 stored messages: seeds Rasa's `events` table with conversations as Rasa stores them
(through the masking store's event format), summarises them as the bot does (`rebuild_turns`), then renders the
page for the whole 30 days, as /webhooks/staff/ does (the report, then the HTML with its charts).

    .venv/bin/python bench/insight.py [--messages 100000] [--runs 5]

Prints the seeding and summarising times, the time to count the finished days (the turn writer counts each day
once as it finishes), the page's render time (the first view, then the median and worst of --runs views; the
first one in a process also folds the unanswered texts), and, as the baseline measured in the same run,
one scan of Rasa's `events` table over the same period (what reading it directly would cost for each figure).
Target (issue 19): the page under 1 s for 100,000 messages.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.conversations.store import conversations_engine  # noqa: E402
from bot.insight.page import render_page  # noqa: E402
from bot.insight.report import VIETNAM, Period, keep_finished_days, read_report  # noqa: E402
from bot.insight.turns import rebuild_turns  # noqa: E402
from bot.settings import PROJECT_ROOT  # noqa: E402

MESSAGES_PER_CONVERSATION = 5
DAYS = 30
ANSWERED = [("greet", "xin chào", "utter_greet", None), ("ask_place_info", "giới thiệu {site}", "action_place_info",
            "utter_place_card"), ("ask_procedure", "thủ tục {procedure} làm thế nào", "action_procedure_guide", None),
            ("book_ticket", "đặt vé bảo tàng", "action_start_booking", "utter_booking_unavailable"),
            ("help", "bạn giúp được gì", "utter_help", None), ("goodbye", "cảm ơn nhé", "utter_goodbye", None)]
NOT_UNDERSTOOD = ["thời tiết {area} hôm nay thế nào", "có chỗ gửi xe máy ở {site} không", "xe buýt đi {area} mấy giờ",
                  "quán ăn ngon gần {site}", "wifi ở {site} mật khẩu gì", "giá phòng khách sạn {area}",
                  "tàu ra {area} lúc mấy giờ", "có hướng dẫn viên ở {site} không"]


def typo(text: str, rng: random.Random) -> str:
    """People type the same question differently: case, a dropped or doubled letter, a trailing mark."""
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.3 and len(text) > 8:
        at = rng.randrange(len(text))
        text = text[:at] + text[at + 1:]
    return text + rng.choice(["", "", "?", " ạ", " vậy"])


def conversation_events(rng: random.Random, sender: str, start: float, sites: list[dict],
                        procedures: list[dict]) -> list[dict]:
    """One conversation's events as Rasa stores them (`Event.as_dict()`)."""
    events = [ActionExecuted("action_session_start", timestamp=start), ActionExecuted("action_listen", timestamp=start)]
    at = start
    for _ in range(MESSAGES_PER_CONVERSATION):
        at += rng.uniform(5, 120)
        site, procedure = rng.choice(sites), rng.choice(procedures)
        area = site.get("former_area") or "Hạ Long"
        roll = rng.random()
        confidence = rng.betavariate(8, 1.5)
        slot = None
        if roll < 0.10:  # not understood
            intent, action, response = "nlu_fallback", "action_two_stage_fallback", "utter_ask_affirmation"
            text = typo(rng.choice(NOT_UNDERSTOOD).format(area=area, site=site["name"]), rng)
            confidence = rng.uniform(0.1, 0.55)
        elif roll < 0.18:  # a fact the files lack
            intent, action, response = "ask_opening_hours", "action_opening_hours", "utter_place_hours_unknown"
            text, slot = typo(f"{site['name']} mở cửa mấy giờ", rng), ("place_id", site["id"])
        elif roll < 0.22:
            intent, action, response = "ask_procedure_fee", "action_procedure_fee", "utter_procedure_fact_unknown"
            text, slot = typo(f"lệ phí {procedure['name']} bao nhiêu", rng), ("procedure_id", procedure["id"])
        else:
            intent, phrase, action, response = rng.choice(ANSWERED)
            text = phrase.format(site=site["name"], procedure=procedure["name"])
            if "{site}" in phrase:
                slot = ("place_id", site["id"])
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": f"other_{n}", "confidence": (1 - confidence) / 9} for n in range(9)]
        events.append(UserUttered(text, {"name": intent, "confidence": confidence}, timestamp=at,
                                  input_channel="rest", message_id=f"{rng.getrandbits(128):032x}",
                                  parse_data={"text": text, "intent": {"name": intent, "confidence": confidence},
                                              "entities": [], "intent_ranking": ranking}))
        took = rng.lognormvariate(-2.5, 0.6)
        events.append(ActionExecuted(action, policy="RulePolicy", confidence=1.0, timestamp=at + took / 3))
        events.append(BotUttered("Câu trả lời của trợ lý ... " * 8, data={"buttons": None},
                                 metadata={"utter_action": response or action}, timestamp=at + took / 2))
        if slot:
            events.append(SlotSet(*slot, timestamp=at + took / 2))
        events.append(ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=at + took))
    return [event.as_dict() for event in events]


def seed(events_engine: sa.engine.Engine, messages: int, rng: random.Random) -> int:
    sites = yaml.safe_load((PROJECT_ROOT / "knowledge" / "sites.yml").read_text(encoding="utf-8"))["sites"]
    procedures = yaml.safe_load((PROJECT_ROOT / "knowledge" / "procedures.yml").read_text(encoding="utf-8"))[
        "procedures"]
    SQLTrackerStore.Base.metadata.create_all(events_engine)  # Rasa's own table
    table = SQLTrackerStore.SQLEvent.__table__
    first = (datetime.now(VIETNAM) - timedelta(days=DAYS - 1)).replace(hour=0, minute=0).timestamp()
    rows = 0
    with events_engine.begin() as connection:
        for number in range(messages // MESSAGES_PER_CONVERSATION):
            sender = rng.choice(["telegram-", "zalo-", "web-"]) + str(number)
            start = first + rng.uniform(0, DAYS * 86400 - 3600)
            batch = [{"sender_id": sender, "type_name": event["event"], "timestamp": event["timestamp"],
                      "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
                      "action_name": event.get("name"), "data": json.dumps(event)}
                     for event in conversation_events(rng, sender, start, sites, procedures)]
            connection.execute(table.insert(), batch)
            rows += len(batch)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = conversations_engine(f"sqlite:///{Path(folder) / 'conversations.db'}")
        began = time.perf_counter()
        rows = seed(engine, args.messages, random.Random(19))
        seeded = time.perf_counter() - began
        began = time.perf_counter()
        turns = rebuild_turns(engine, engine)
        summarised = time.perf_counter() - began
        began = time.perf_counter()
        keep_finished_days(engine, date.today() - timedelta(days=DAYS + 1))  # as the turn writer does day by day
        counted = time.perf_counter() - began
        size = (Path(folder) / "conversations.db").stat().st_size / 1e6
        print(f"seeded {args.messages} messages ({rows} events, {size:.0f} MB of SQLite) in {seeded:.1f} s; "
              f"summarised {turns} turns in {summarised:.1f} s; finished days counted in {counted:.2f} s")
        period = Period.last_days(DAYS)
        timings, page = [], ""
        for _ in range(args.runs + 1):
            began = time.perf_counter()
            report = read_report(engine, period)
            page = render_page(report, "plotly.min.js", "unanswered.csv")
            timings.append(time.perf_counter() - began)
        first, timings = timings[0], timings[1:]
        start, end = period.bounds()
        began = time.perf_counter()
        with engine.connect() as connection:
            connection.execute(sa.text("select count(*), count(distinct sender_id) from events where "
                                       "type_name = 'user' and timestamp >= :s and timestamp < :e"),
                               {"s": start, "e": end}).all()
        scan = time.perf_counter() - began
        print(f"page for {report.messages} messages over {DAYS} days ({len(page) / 1e3:.0f} kB of HTML, "
              f"{len(report.unanswered)} unanswered groups): first view {first:.3f} s; "
              f"then median {statistics.median(timings):.3f} s, worst {max(timings):.3f} s of {args.runs} views")
        print(f"baseline, one scan of Rasa's events table for the same period: {scan:.3f} s "
              f"(the page needs several such figures: {statistics.median(timings) / scan:.2f}x one scan)")
        top = report.unanswered[0]
        print(f"top unanswered: {top.count} x {top.example!r} -> {top.link}")


if __name__ == "__main__":
    main()
