"""Ranking procedures for a free-text question with BM25 (Okapi), over folded text.

Terms are folded syllables and syllable pairs: pairs stand in for Vietnamese compound words ("tam tru",
"ho chieu"), which word segmentation cannot find in text typed without diacritics. Words that say what
the user wants to know ("lệ phí", "bao lâu", "giấy tờ") rather than which procedure are dropped; "online"
and "VNeID" stay, because they tell the online and VNeID procedures from their in-person twins. A name or
alias said in full multiplies a procedure's score (coverage), so "làm hộ chiếu" picks "Cấp hộ chiếu" over
"Trình báo mất hộ chiếu", which merely shares words with it.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.text import canonical

# Phrases that say what the user wants to know, not which procedure: removed before ranking. Removed as
# whole phrases, because their syllables also name things ("hộ" in "hồ sơ" and "hộ chiếu").
QUESTION_PHRASES = sorted("""
thu tuc|lam sao|lam the nao|nhu the nao|the nao|ra sao|can gi|can nhung gi|giay to|ho so|gom nhung gi|gom gi
bao lau|mat bao lau|mat may ngay|bao nhieu ngay|bao nhieu tien|bao nhieu|het bao nhieu|le phi|chi phi|mat phi
truc tuyen|dich vu cong|cong dich vu cong|ung dung|o dau|huong dan|cac buoc|cach nao|cach|tren mang
how to|how do i|how long|how much|what documents|do i need|does it take|does it cost|where can i
""".replace("\n", "|").split("|"), key=len, reverse=True)
QUESTION_WORDS = frozenset("""
can gi nao khong ko vay voi nhe nha a oi cho hoi xin toi minh em anh chi ban ad la cua di den tai phai
duoc co muon thi sao nhung cac mot app qua tren va
i the a an my to for of is it do does get need what where when can please
""".split())


def terms(text: str) -> list[str]:
    folded = f" {canonical(text)} "
    for phrase in QUESTION_PHRASES:
        if phrase and f" {phrase} " in folded:
            folded = folded.replace(f" {phrase} ", " ")
    words = [w for w in folded.split() if w not in QUESTION_WORDS]
    return words + [f"{a}_{b}" for a, b in zip(words, words[1:])]


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float


class BM25Index:
    def __init__(self, documents: dict[str, list[tuple[str, int]]], k1: float = 1.2, b: float = 0.5,
                 name_weight: int = 3):
        """`documents`: id -> [(text, weight)]; a field of weight w counts w times (name and aliases weigh
        more than keywords). Fields of `name_weight` or more are the document's names, used for coverage."""
        self.k1, self.b = k1, b
        self.names: dict[str, list[frozenset[str]]] = {
            doc_id: [frozenset(terms(text)) for text, weight in fields if weight >= name_weight and terms(text)]
            for doc_id, fields in documents.items()}
        self.postings: dict[str, dict[str, int]] = defaultdict(dict)
        self.lengths: dict[str, int] = {}
        for doc_id, fields in documents.items():
            counts: Counter[str] = Counter()
            for text, weight in fields:
                for term in terms(text):
                    counts[term] += weight
            self.lengths[doc_id] = sum(counts.values())
            for term, count in counts.items():
                self.postings[term][doc_id] = count
        self.size = len(documents)
        self.average = (sum(self.lengths.values()) / self.size) if self.size else 1.0
        self.idf = {t: math.log(1 + (self.size - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def rank(self, query: str, limit: int = 5) -> list[Ranked]:
        scores: dict[str, float] = defaultdict(float)
        for term in set(terms(query)):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = self.idf[term]
            for doc_id, tf in postings.items():
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc_id] / self.average)
                scores[doc_id] += idf * tf * (self.k1 + 1) / (tf + norm)
        query_terms = set(terms(query))
        for doc_id in scores:  # a name said in full beats one that merely shares words with the question
            coverage = max((len(name & query_terms) / len(name) for name in self.names[doc_id]), default=0.0)
            scores[doc_id] *= (1 + coverage) ** 2
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Ranked(doc_id, score) for doc_id, score in best]
