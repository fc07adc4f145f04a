"""Compare NLU pipeline variants on both held-out sets: train each (NLU only) and print accuracy by style.

    .venv/bin/python bench/nlu_configs.py [variant ...]

The figures behind config.yml's choices; see the README's NLU section.
"""
from __future__ import annotations

import asyncio
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.nlu.evaluation import HELDOUT_SETS, STYLES, evaluate_model, latest_model, load_heldout  # noqa: E402

BASE = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))


def with_pipeline(transform) -> dict:
    config = copy.deepcopy(BASE)
    config["pipeline"] = transform(copy.deepcopy(config["pipeline"]))
    return config


def set_diet(**params):
    def transform(pipeline):
        for component in pipeline:
            if component["name"] == "DIETClassifier":
                component.update(params)
        return pipeline
    return transform


def add_raw_chars(pipeline):
    index = next(i for i, c in enumerate(pipeline) if c["name"] == "DIETClassifier")
    pipeline.insert(index, {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1,
                            "max_ngram": 3, "use_lemma": False})
    return pipeline


def word_bigrams(pipeline):
    for component in pipeline:
        if component["name"] == "CountVectorsFeaturizer" and component.get("analyzer", "word") == "word":
            component["max_ngram"] = 2
    return pipeline


def plain_whitespace(pipeline):
    pipeline[0] = {"name": "WhitespaceTokenizer"}
    return pipeline


def without_typed_words(pipeline):
    return [c for c in pipeline if not (c["name"] == "CountVectorsFeaturizer" and c.get("use_lemma") is False)]


def without_training_masks(pipeline):
    for component in pipeline:
        if component["name"].endswith("GazetteerEntityExtractor"):
            component["mask_in_training"] = False
    return pipeline


def logistic_regression(pipeline):
    index = next(i for i, c in enumerate(pipeline) if c["name"] == "DIETClassifier")
    pipeline[index] = {"name": "LogisticRegressionClassifier", "max_iter": 1000, "random_state": 7}
    return pipeline


VARIANTS = {
    "current": lambda: copy.deepcopy(BASE),
    "epochs120": lambda: with_pipeline(set_diet(epochs=120)),
    # Twice Rasa's batch sizes (64 -> 256 rising): half the steps an epoch, for training time (session 13).
    "large_batches": lambda: with_pipeline(set_diet(batch_size=[128, 512])),
    "raw_chars": lambda: with_pipeline(add_raw_chars),
    "word_bigrams": lambda: with_pipeline(word_bigrams),
    "whitespace_baseline": lambda: with_pipeline(plain_whitespace),
    "logistic_regression": lambda: with_pipeline(logistic_regression),
    "no_transformer": lambda: with_pipeline(set_diet(number_of_transformer_layers=0)),
    "small_transformer": lambda: with_pipeline(set_diet(number_of_transformer_layers=1, transformer_size=128)),
    "no_typed_words": lambda: with_pipeline(without_typed_words),
    "no_training_masks": lambda: with_pipeline(without_training_masks),
}


async def parse_ms(model_dir: Path) -> float:
    """Milliseconds of NLU per message (held-out texts, each analysed once before timing)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(latest_model(model_dir)))
    texts = [example.text for example in load_heldout(ROOT / "tests/nlu/heldout")][:300]
    for text in texts:
        await agent.parse_message(text)
    started = time.perf_counter()
    for text in texts:
        await agent.parse_message(text)
    return (time.perf_counter() - started) / len(texts) * 1000


def run(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.yml"
        config_path.write_text(yaml.safe_dump(VARIANTS[name]()), encoding="utf-8")
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/rasa"), "train", "nlu", "--config", str(config_path), "--nlu",
                        str(ROOT / "data/nlu"), "--out", tmp, "--domain", str(ROOT / "domain")],
                       check=True, capture_output=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        topics = [p.stem for p in (ROOT / "data/nlu").glob("*.yml")]  # only what the variant was trained on
        results = asyncio.run(evaluate_model(Path(tmp), [ROOT / path for path in HELDOUT_SETS.values()], topics))
        speed = asyncio.run(parse_ms(Path(tmp)))
        print(f"{name:<22} train {seconds:6.1f}s  parse {speed:5.2f} ms", flush=True)
        for (label, _), scores in zip(HELDOUT_SETS.items(), results.values()):
            cells = "  ".join(f"{style}={scores[style].accuracy:.3f}" for style in ("all", *STYLES) if style in scores)
            f1 = scores["all"].entity_f1
            print(f"    {label:<12} {cells}  entity F1 {f1:.3f}" if f1 is not None else f"    {label:<12} {cells}",
                  flush=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as knowledge_db:
        # The gazetteer finds names in the knowledge base: evaluate against a freshly loaded one.
        os.environ["QN_DATABASE_URL"] = f"sqlite:///{Path(knowledge_db) / 'knowledge.db'}"
        subprocess.run([str(ROOT / ".venv/bin/qn-staff"), "load"], check=True, capture_output=True)
        for variant in sys.argv[1:] or list(VARIANTS):
            run(variant)
