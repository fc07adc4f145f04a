"""Check the NLU development set: read by Rasa as the held-out sets are, contract intents and entities, NFC, ASCII
where promised, no example twice (folded).

Run: .venv/bin/python bench/data/nlu_dev/validate.py [-v]   (-v: examples per intent and style)
"""

from __future__ import annotations

import collections
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parents[2]))
from bot.nlu.evaluation import STYLES, load_heldout  # noqa: E402
from bot.text import fold  # noqa: E402

INTENTS = set(
    "greet goodbye thank affirm deny bot_challenge help out_of_scope ask_place_info ask_place_location"
    " ask_opening_hours ask_ticket_price find_places book_ticket check_booking cancel_booking ask_procedure"
    " ask_procedure_documents ask_procedure_fee ask_processing_time request_human".split()
)
ENTITIES = {"place", "area", "category", "procedure", "booking_code"}


def main() -> int:
    errors: list[str] = []
    for path in sorted(ROOT.glob("*/*.yml")):
        raw = path.read_text(encoding="utf-8")
        if unicodedata.normalize("NFC", raw) != raw:
            errors.append(f"{path}: not NFC")
        if path.parent.name == "no_diacritics" and not raw.isascii():
            errors.append(f"{path}: non-ASCII {sorted({c for c in raw if not c.isascii()})}")
    seen: dict[str, str] = {}
    per_intent: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    per_entity: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with_entities: collections.Counter[str] = collections.Counter()
    for example in load_heldout(ROOT):  # Rasa's own reader: a malformed file or annotation fails here
        where = f"{example.style}/{example.topic}: {example.text}"
        if example.intent not in INTENTS:
            errors.append(f"{where}: intent {example.intent} is not the contract's")
        if "[" in example.text or "](" in example.text:
            errors.append(f"{where}: an annotation Rasa did not read")
        for entity, value in example.entities:
            if entity not in ENTITIES:
                errors.append(f"{where}: entity {entity} is not the contract's")
            if entity == "booking_code" and not re.fullmatch(r"[A-Za-z0-9]{6,8}", value):
                errors.append(f"{where}: booking code {value}")
        key = " ".join(fold(example.text).split())
        if key in seen:
            errors.append(f"{where}: the same as {seen[key]}")
        seen[key] = where
        per_intent[example.style][example.intent] += 1
        per_entity[example.style].update(entity for entity, _ in example.entities)
        with_entities[example.style] += bool(example.entities)
    for error in errors:
        print("ERROR", error)
    for style in STYLES:
        count = sum(per_intent[style].values())
        print(f"{style}: {count} examples, {with_entities[style]} with entities", dict(per_entity[style]))
    if "-v" in sys.argv:
        for intent in sorted(INTENTS):
            print(intent, [per_intent[style][intent] for style in STYLES])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
