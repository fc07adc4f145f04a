"""Place-name resolution among 370 sites: the real ones plus synthetic ones, as the bot calls it.

    .venv/bin/python bench/places.py

Prints median and p95 time per query (through KnowledgeBase on SQLite, as the action server does, and for
the in-memory index alone) and top-1 accuracy over the real sites' names and aliases, typed with and
without diacritics. Target (issue 3): median under 5 ms.
"""
from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from scaled_knowledge import scaled_knowledge

from bot.text import fold, strip_diacritics

TOTAL_SITES = 370
SYLLABLES = ("Hải An Bình Khê Tân Lập Phong Hòa Lạc Đồng Sơn Thủy Vân Long Hưng Phúc Thịnh Yên Hà Cẩm Kim "
             "Minh Quang Trung Đông Tây Nam Bắc Thanh Xuân Hồng Lĩnh Mai Tiên Vĩnh Đức Thái Hiệp").split()
KINDS = ("chùa", "đền", "đình", "miếu")


def synthetic_sites(count: int, template: dict, rng: random.Random) -> list[dict]:
    sites, seen = [], set()
    while len(sites) < count:
        words = " ".join(rng.sample(SYLLABLES, 2))
        kind = rng.choice(KINDS)
        name = f"{kind.capitalize()} {words}"
        if fold(words) in seen:  # the short name is an alias: one site only, however it is accented
            continue
        seen.add(fold(words))
        sites.append({**template, "id": f"synthetic-{len(sites)}", "name": name, "kind": kind,
                      "aliases": [words, strip_diacritics(name).lower()], "name_en": None})
    return [{k: v for k, v in s.items() if v is not None} for s in sites]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        kb, real = scaled_knowledge(Path(tmp), "sites.yml", "sites",
                                    lambda real: synthetic_sites(TOTAL_SITES - len(real), real[0], rng))

        queries = []
        for site in real:
            for text in [site["name"], *site.get("aliases", [])]:
                queries += [(site["id"], text), (site["id"], strip_diacritics(text).lower()),
                            (site["id"], f"cho mình hỏi {text} ở đâu vậy")]
        kb.resolve_place("warm up")
        index = kb.place_index()
        for label, resolve in (("KnowledgeBase (SQLite)", kb.resolve_place), ("index only", index.resolve)):
            timings, correct = [], 0
            for expected, text in queries:
                started = time.perf_counter()
                match = resolve(text)
                timings.append((time.perf_counter() - started) * 1000)
                correct += bool(match.place and match.place.id == expected)
            print(f"{label:<24} sites={len(index.places)} queries={len(queries)} "
                  f"median={statistics.median(timings):.3f} ms p95={percentile(timings, 0.95):.3f} ms "
                  f"top-1={correct / len(queries):.3f}")


if __name__ == "__main__":
    main()
