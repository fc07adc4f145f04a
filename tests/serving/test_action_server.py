"""The action server as the scripts start it (`python -m actions`): it builds the knowledge indexes as it starts,
so the first citizen to ask about a procedure does not wait seconds for the procedure index."""
from __future__ import annotations

import json
import time
import urllib.request


def _run_action(url: str, action: str, text: str, intent: str, entities: list[dict]) -> dict:
    """What Rasa sends the action server for one action after one message."""
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    body = {"next_action": action, "sender_id": "index-test", "domain": {},
            "tracker": {"sender_id": "index-test", "slots": {"language": "vi"}, "latest_message": message,
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_action_server_builds_the_knowledge_indexes_as_it_starts_and_then_answers(action_server):
    log, deadline = action_server["log"], time.monotonic() + 90
    while "knowledge indexes built ahead" not in log.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8", errors="replace")[-2000:]
        time.sleep(0.2)
    answer = _run_action(action_server["url"], "action_procedure_guide", "làm căn cước lần đầu",
                         "ask_procedure", [])
    assert answer["responses"], answer
