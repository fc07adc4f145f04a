"""Check the NLU development set: YAML, contract intents and entities, NFC, ASCII where promised, no duplicates.

Run: .venv/bin/python bench/data/nlu_dev/validate.py [-v]   (-v: examples per intent and style)
"""

from __future__ import annotations

import collections
import re
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
STYLES = ("vi", "no_diacritics", "teencode", "en")
INTENTS = set(
    "greet goodbye thank affirm deny bot_challenge help out_of_scope ask_place_info ask_place_location"
    " ask_opening_hours ask_ticket_price find_places book_ticket check_booking cancel_booking ask_procedure"
    " ask_procedure_documents ask_procedure_fee ask_processing_time request_human".split()
)
ENTITIES = {"place", "area", "category", "procedure", "booking_code"}
SPAN = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def strip_annotations(text: str) -> str:
    return SPAN.sub(lambda match: match.group(1), text)


def fold(text: str) -> str:
    """The key two examples share when they differ only in diacritics, case or punctuation."""
    text = unicodedata.normalize("NFD", strip_annotations(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return re.sub(r"[^\w]+", " ", text).strip()


def check_example(path: Path, example: str, errors: list[str]) -> list[tuple[str, str]]:
    spans = SPAN.findall(example)
    if not example.count("[") == example.count("]") == example.count("](") == len(spans):
        errors.append(f"{path}: bracket mismatch: {example}")
    for text, entity in spans:
        if entity not in ENTITIES:
            errors.append(f"{path}: bad entity {entity} in {example}")
        if text != text.strip():
            errors.append(f"{path}: span whitespace {example}")
        if entity == "booking_code" and not re.fullmatch(r"[A-Za-z0-9]{6,8}", text):
            errors.append(f"{path}: bad code {text}")
    return spans


def main() -> int:
    errors: list[str] = []
    seen: dict[str, str] = {}
    per_intent: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    per_entity: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    with_entities: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for path in sorted(ROOT.glob("*/*.yml")):
        style = path.parent.name
        raw = path.read_text(encoding="utf-8")
        if unicodedata.normalize("NFC", raw) != raw:
            errors.append(f"{path}: not NFC")
        if style == "no_diacritics" and not raw.isascii():
            errors.append(f"{path}: non-ASCII {sorted({c for c in raw if not c.isascii()})}")
        try:
            data = yaml.safe_load(raw)
        except yaml.YAMLError as error:
            errors.append(f"{path}: YAML {error}")
            continue
        if str(data.get("version")) != "3.1":
            errors.append(f"{path}: version")
        for block in data["nlu"]:
            intent = block["intent"]
            if intent not in INTENTS:
                errors.append(f"{path}: bad intent {intent}")
            for line in filter(None, (raw_line.strip() for raw_line in block["examples"].splitlines())):
                if not line.startswith("- "):
                    errors.append(f"{path}: bad line {line}")
                    continue
                example = line[2:]
                spans = check_example(path, example, errors)
                per_entity[style].update(entity for _, entity in spans)
                key = fold(example)
                if key in seen:
                    errors.append(f"duplicate: {example!r} ({path}) ~ {seen[key]}")
                seen[key] = f"{path}: {example}"
                per_intent[style][intent] += 1
                total[style] += 1
                with_entities[style] += bool(spans)
    for error in errors:
        print("ERROR", error)
    for style, count in total.items():
        share = 100 * with_entities[style] / count
        entities = dict(per_entity[style])
        print(f"{style}: {count} examples, {with_entities[style]} with entities ({share:.0f}%)", entities)
    all_examples, all_with = sum(total.values()), sum(with_entities.values())
    print("TOTAL", all_examples, "with entities", all_with, f"{100 * all_with / max(1, all_examples):.1f}%")
    if "-v" in sys.argv:
        for intent in sorted(INTENTS):
            print(intent, [per_intent[style][intent] for style in STYLES])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
