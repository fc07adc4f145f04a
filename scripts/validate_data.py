"""`rasa data validate`, strict: every warning fails the check, except "response not used in any story or
rule" for responses that a custom action (actions/*.py) or one of Rasa's built-in fallback actions sends,
which Rasa's validator cannot see."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.entry import ENTRY_POINT_INTENTS  # noqa: E402

# Sent by Rasa's own actions: action_default_fallback and action_default_ask_rephrase.
SENT_BY_RASA = {"utter_default", "utter_ask_rephrase"}
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
NO_EXAMPLES = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data")


def asked_by_forms() -> set[str]:
    """Rasa's forms ask for a slot with the response utter_ask_<slot>."""
    import yaml

    names = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for form in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("forms", {}).values():
            names |= {f"utter_ask_{slot}" for slot in form.get("required_slots", [])}
    return names


def sent_by_actions() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    return set(re.findall(r"[\"'](utter_\w+)[\"']", source))


def main() -> int:
    result = subprocess.run([str(ROOT / ".venv/bin/rasa"), "data", "validate", "--domain", "domain", "--data",
                             "data", "--config", "config.yml"], cwd=ROOT, capture_output=True, text=True)
    output = result.stdout + result.stderr
    names = sent_by_actions() | asked_by_forms()
    problems = []
    for line in output.splitlines():
        if "UserWarning" not in line and "ERROR" not in line:
            continue
        unused = UNUSED.search(line)
        if unused and unused.group(1) in names | SENT_BY_RASA:
            continue
        no_examples = NO_EXAMPLES.search(line)
        if no_examples and no_examples.group(1) in ENTRY_POINT_INTENTS:  # never typed
            continue
        if no_examples and no_examples.group(1).startswith("EXTERNAL_"):  # triggered through Rasa's API only
            continue
        if "Slot auto-fill has been removed" in line:  # printed by Rasa 3.6 for every domain
            continue
        problems.append(re.sub(r"\x1b\[[0-9;]*m", "", line).strip())
    if result.returncode != 0 or problems:
        print("rasa data validate found problems:\n" + "\n".join(problems or [output[-3000:]]))
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
