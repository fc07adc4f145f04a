"""Score a trained model on the held-out NLU sets, by writing style and by topic.

Two sets, never trained on: tests/nlu/heldout (the first split) and tests/nlu/heldout_independent (written by
someone who saw only the contract, the features and the knowledge files, never data/nlu/). Reports intent accuracy
and entity F1 per style: vi (with diacritics), no_diacritics, teencode, en, per style/topic, and overall.
Entities are compared as (entity, value) pairs with both values normalised the way the bot understands them: a
place or procedure as its knowledge-base id, an area or kind by its canonical name (so "dinh Yen Giang" written in
the split and the id "dinh-yen-giang" the bot reports are the same).

    python -m bot.nlu.evaluation [--model models/] [--heldout DIR ...] [--errors] [--json FILE]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable

from bot.settings import PROJECT_ROOT

STYLES = ("vi", "no_diacritics", "teencode", "en")
HELDOUT_SETS = {"heldout": "tests/nlu/heldout", "independent": "tests/nlu/heldout_independent"}
IGNORED_ENTITIES = {"language"}  # set by a rule-based detector, not part of what the split annotates


@dataclass
class Example:
    style: str
    text: str
    intent: str
    entities: set[tuple[str, str]]
    topic: str = ""


@dataclass
class StyleScore:
    total: int = 0
    correct: int = 0
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def entity_f1(self) -> float | None:
        if not self.expected and not self.predicted:
            return None
        precision = self.true_positives / self.predicted if self.predicted else 0.0
        recall = self.true_positives / self.expected if self.expected else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def load_heldout(directory: Path, topics: Iterable[str] | None = None) -> list[Example]:
    """Held-out examples by style; `topics` limits them to files of those names (core, heritage, ...)."""
    from rasa.shared.nlu.training_data.loading import load_data

    wanted = set(topics) if topics else None
    examples = []
    for style in STYLES:
        for path in sorted((directory / style).glob("*.yml")):
            if wanted is not None and path.stem not in wanted:
                continue
            for message in load_data(str(path)).intent_examples:
                entities = {(e["entity"], str(e["value"])) for e in message.get("entities", [])}
                examples.append(Example(style, message.get("text"), message.get("intent"), entities, path.stem))
    return examples


def training_texts(directory: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [m.get("text") for path in sorted(directory.glob("*.yml")) for m in load_data(str(path)).intent_examples]


def leaked(heldout: Iterable[Example], training: Iterable[str], similarity: float = 0.8) -> list[str]:
    """Held-out examples that training has seen: the same after folding, or (3+ words) sharing at least
    `similarity` of their words (Jaccard). A split with leaks over-reports accuracy."""
    return _near_any([e.text for e in heldout], list(training), similarity)


def _near_any(texts: list[str], others: list[str], similarity: float) -> list[str]:
    """The texts that one of `others` says too: the same after folding, or (3+ words) sharing at least
    `similarity` of their words (Jaccard)."""
    from bot.text import canonical

    seen = {canonical(t) for t in others}
    seen_words = [set(t.split()) for t in seen if len(t.split()) >= 3]
    found = []
    for text in texts:
        form = canonical(text)
        words = set(form.split())
        if form in seen or (len(words) >= 3 and any(len(words & w) / len(words | w) >= similarity
                                                     for w in seen_words)):
            found.append(text)
    return found


def close_to_heldout(texts: list[str], heldout: Iterable[Example], similarity: float = 0.8) -> list[str]:
    """Candidate training texts that `leaked` would report against the held-out examples: left out of training."""
    return _near_any(texts, [e.text for e in heldout], similarity)


Parser = Callable[[str], Awaitable[dict[str, Any]]]
Normaliser = Callable[[str, str], str]


class KnowledgeNormaliser:
    """Entity values normalised through the knowledge base (QN_DATABASE_URL), as the bot's actions do; and, for a
    procedure, what else the words marked may stand for (`meanings`)."""

    def __init__(self) -> None:
        from bot.db import get_engine
        from bot.knowledge import KnowledgeBase
        from bot.settings import current_settings

        self._kb = KnowledgeBase(get_engine(current_settings().database_url))
        self._gazetteer = self._kb.gazetteer()

    @lru_cache(maxsize=4096)
    def _procedure_found(self, value: str) -> Any:
        return self._kb.find_procedure(value)  # asked once per value, by both methods

    def __call__(self, entity: str, value: str) -> str:
        from bot.knowledge.places import category_of
        from bot.text import canonical, fold

        if entity == "place":
            match = self._kb.resolve_place(value)
            return match.place.id if match.place else canonical(value)
        if entity == "area":
            return self._kb.place_index().area(value) or canonical(value)
        if entity == "category":
            return category_of(value) or canonical(value)
        if entity == "procedure":
            # A procedure's own name or alias is that procedure, as the gazetteer reads it in a message ("hộ
            # chiếu": the passport guide); retrieval, which may ask back among names sharing those words, only
            # for other words.
            named = next((claims["procedure"] for key in (fold(value), canonical(value))
                          if (claims := self._gazetteer.names.get(key)) and claims.get("procedure")), None)
            if named:
                return named
            found = self._procedure_found(value)
            return found.procedure.id if found.procedure else canonical(value)
        return canonical(value)

    def meanings(self, entity: str, value: str) -> set[str]:
        """What else the words marked may stand for: the procedures retrieval would ask back among. "làm [hộ
        chiếu]" is annotated without the everyday verb, as the contract says, and "hộ chiếu" alone may be the
        passport or reporting one lost; the bot reading the whole message as the passport has found that entity
        (which procedure is right is bench/procedures.py's measure)."""
        if entity != "procedure":
            return set()
        candidates = {candidate.id for candidate in self._procedure_found(value).candidates}
        return candidates if len(candidates) > 1 else set()  # one weak candidate is a guess, not a reading


def knowledge_normaliser() -> Normaliser:
    """Normalise entity values through the knowledge base, as the bot's actions do."""
    return KnowledgeNormaliser()


def _as_understood(entity: str, value: str, predicted: set[tuple[str, str]],
                   normalise: Normaliser) -> tuple[str, str]:
    """An annotated entity's value as the bot would understand it; where the words marked stand for several things
    (the normaliser's `meanings`), the one the bot found among them."""
    normalised = normalise(entity, value)
    if (entity, normalised) in predicted:
        return entity, normalised
    meanings = getattr(normalise, "meanings", None)
    others = meanings(entity, value) if meanings else set()
    return next(((entity, found) for kind, found in sorted(predicted) if kind == entity and found in others),
                (entity, normalised))


async def score(examples: Iterable[Example], parse: Parser,
                normalise: Normaliser = lambda entity, value: value) -> dict[str, StyleScore]:
    """Scores by style, and by "style/topic" (e.g. "vi/heritage")."""
    scores: dict[str, StyleScore] = defaultdict(StyleScore)
    for example in examples:
        result = await parse(example.text)
        predicted_intent = (result.get("intent") or {}).get("name")
        predicted = {(e["entity"], normalise(e["entity"], str(e["value"]))) for e in result.get("entities", [])
                     if e["entity"] not in IGNORED_ENTITIES}
        example.entities = {_as_understood(entity, value, predicted, normalise) for entity, value in example.entities}
        for key in (example.style, f"{example.style}/{example.topic}", "all"):
            s = scores[key]
            s.total += 1
            s.correct += predicted_intent == example.intent
            s.true_positives += len(predicted & example.entities)
            s.predicted += len(predicted)
            s.expected += len(example.entities)
        s = scores[example.style]
        if predicted_intent != example.intent or predicted != example.entities:
            s.errors.append(f"[{example.style}] {example.text!r}: expected {example.intent} {sorted(example.entities)}"
                            f", got {predicted_intent} {sorted(predicted)}")
    return dict(scores)


def latest_model(model: Path) -> Path:
    if model.is_file():
        return model
    candidates = sorted(model.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not candidates:
        raise FileNotFoundError(f"no trained model in {model}: run scripts/train.sh")
    return candidates[-1]


def quiet_rasa() -> None:
    """Rasa logs every parse at debug level to stdout; the report should stand alone."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


async def evaluate_model(model: Path, heldouts: list[Path],
                         topics: Iterable[str] | None = None) -> dict[Path, dict[str, StyleScore]]:
    """Scores per held-out folder, from one loaded model."""
    from rasa.core.agent import Agent

    quiet_rasa()
    agent = Agent.load(str(latest_model(model)))
    normalise = knowledge_normaliser()
    return {heldout: await score(load_heldout(heldout, topics), agent.parse_message, normalise) for heldout in heldouts}


def report(scores: dict[str, StyleScore]) -> str:
    lines = [f"{'style':<26}{'examples':>9}{'intent acc':>12}{'entity F1':>11}"]
    keys = ["all"] * ("all" in scores) + [style for style in STYLES if style in scores]
    keys += sorted(k for k in scores if "/" in k)
    for key in keys:
        s = scores[key]
        f1 = "-" if s.entity_f1 is None else f"{s.entity_f1:.3f}"
        lines.append(f"{key:<26}{s.total:>9}{s.accuracy:>12.3f}{f1:>11}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models")
    parser.add_argument("--heldout", type=Path, nargs="*",
                        default=[PROJECT_ROOT / path for path in HELDOUT_SETS.values()])
    parser.add_argument("--errors", action="store_true", help="list every misclassified example")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--topics", nargs="*", help="only these held-out files (e.g. core heritage)")
    args = parser.parse_args(argv)
    results = asyncio.run(evaluate_model(args.model, args.heldout, args.topics))
    for heldout, scores in results.items():
        print(f"\n== {heldout.relative_to(PROJECT_ROOT) if heldout.is_relative_to(PROJECT_ROOT) else heldout}")
        print(report(scores))
        if args.errors:
            for style in STYLES:
                if style in scores and scores[style].errors:
                    print("\n".join(scores[style].errors))
    if args.json:
        args.json.write_text(json.dumps({heldout.name: {k: {"examples": v.total, "intent_accuracy": v.accuracy,
                                                            "entity_f1": v.entity_f1} for k, v in scores.items()}
                                         for heldout, scores in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
