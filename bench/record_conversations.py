"""Record long conversations with a running bot, as trackers, into tests/data/trackers/ (bounded_history's tests
replay their user messages with and without the patch and compare every turn).

    .venv/bin/python bench/record_conversations.py [--out tests/data/trackers]

Starts the full bot as bench/serve.py does (museum booking open with stand-in slots), plays two long
conversations through its REST channel and saves each tracker (Rasa's HTTP API, every event), slimmed for
reading: no timestamps, each user message's analysis cut to its intent and entities, each bot message to its text;
beside them, the messages as sent (the store masks the names and phone numbers typed to the booking form, and an
action may log a message again: the fallback's "did you mean").
- long_visitor: 90 messages of bench/traffic.py's visitors one after another (every text new; bookings left at
  the summary);
- long_with_detours: 80 messages with the paths a bounded history must get right: a booking form interrupted by
  questions and resumed, fields changed from the summary, gibberish (the fallback reverts the message), "/back"
  (two messages undone), "/restart" (a new session), between runs of ordinary questions.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import ROOT, start_full_bot  # noqa: E402
from traffic import Traffic  # noqa: E402


def detours(traffic: Traffic) -> list[str]:
    ask = traffic.say
    texts: list[str] = []
    for _ in range(2):
        texts += [ask("greet"), ask("ask_place_info"), ask("ask_opening_hours"), ask("ask_procedure"),
                  ask("ask_procedure_documents"), ask("ask_procedure_fee")]
        # A booking interrupted twice, resumed, a field changed at the summary, then left.
        texts += ["mình muốn đặt vé bảo tàng", ask("ask_ticket_price"), "thứ 7 tuần sau", ask("ask_opening_hours"),
                  "10:00-12:00", "2 người lớn 1 trẻ em", "Trần Thị Bình", "0387654321",
                  '/change_booking{"booking_field": "ticket_counts"}', "3 người lớn", "/deny"]
        texts += ["asdkj qwoeiu zxcmn", ask("ask_place_location"), "lkjh poiu mnbv", ask("find_places"),
                  ask("thank"), ask("ask_processing_time"), "/back", ask("help"), ask("bot_challenge")]
        texts += [ask("ask_place_info") for _ in range(6)]
        texts += ["/restart", ask("greet"), ask("ask_procedure"), ask("ask_procedure_documents"), ask("goodbye")]
    return texts[:80]


def slim(event: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in event.items()
            if key not in ("timestamp", "metadata", "input_channel", "message_id", "model_id", "assistant_id")}
    if "parse_data" in kept:
        kept["parse_data"] = {key: kept["parse_data"].get(key) for key in ("intent", "entities")}
        kept["parse_data"]["intent"] = {key: value for key, value in (kept["parse_data"]["intent"] or {}).items()
                                        if key in ("name", "confidence")}
    if event.get("event") == "bot":
        kept = {"event": "bot", "text": event.get("text")}
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "trackers")
    args = parser.parse_args(argv)
    conversations = {"long_visitor": Traffic(seed=90).long_conversation(90), "long_with_detours": detours(Traffic(80))}
    with tempfile.TemporaryDirectory() as tmp:
        bot = start_full_bot(Path(tmp), api=True)
        try:
            for name, texts in conversations.items():
                for text in texts:
                    request = urllib.request.Request(bot.url, data=json.dumps({"sender": name, "message": text})
                                                     .encode(), headers={"Content-Type": "application/json"})
                    urllib.request.urlopen(request, timeout=60).read()
                base = bot.url.split("/webhooks/")[0]
                with urllib.request.urlopen(f"{base}/conversations/{name}/tracker?include_events=ALL") as answer:
                    tracker = json.loads(answer.read())
                recorded = {"sender_id": name, "recorded_with": "bench/record_conversations.py",
                            "messages": texts,  # as sent (the tracker masks names and phone numbers)
                            "events": [slim(event) for event in tracker["events"]]}
                path = args.out / f"{name}.json"
                path.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                users = sum(event["event"] == "user" for event in recorded["events"])
                print(f"{path.relative_to(ROOT)}: {users} user messages, {len(recorded['events'])} events")
        finally:
            bot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
