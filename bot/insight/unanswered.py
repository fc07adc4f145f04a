"""The questions the bot could not answer, grouped so that staff see each gap once, with how often it came up.

A question about a fact of a named site or procedure is grouped by that fact and record (every "when does Yên
Tử open?" is one gap, however it was worded); the others (not understood, a site or procedure the files lack)
by how alike their words are (rapidfuzz's token set ratio on folded text: word order, accents and case do not
matter)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.conversations.store import mask_numbers
from bot.insight.facts import KINDS, knowledge_link
from bot.text import fold

SIMILAR_AT_LEAST = 70  # token set ratio, 0-100: "may gio mo cua yen tu" ~ "yen tu mo cua luc may gio"
GROUP_MAKERS = 300  # the most frequent distinct texts, which may start a group of their own


@dataclass(frozen=True)
class UnansweredQuestion:
    kind: str
    subject: str | None
    text: str
    count: int = 1  # how many times it was asked in these very words


@dataclass(frozen=True)
class UnansweredGroup:
    kind: str
    label: str
    subject: str | None
    count: int
    example: str
    link: str | None


def group_unanswered(questions: Iterable[UnansweredQuestion]) -> list[UnansweredGroup]:
    """Groups, most asked first. Examples are masked again (digit runs), whatever the store did."""
    by_record: Counter[tuple[str, str | None]] = Counter()
    record_texts: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    free: dict[str, Counter[str]] = defaultdict(Counter)
    for question in questions:
        text = mask_numbers(question.text.strip())
        if KINDS[question.kind].per_record and question.subject:
            key = (question.kind, question.subject)
            by_record[key] += question.count
            record_texts[key][text] += question.count
        else:
            free[question.kind][text] += question.count
    groups = [UnansweredGroup(kind, KINDS[kind].label, subject, count,
                              record_texts[(kind, subject)].most_common(1)[0][0], knowledge_link(kind, subject))
              for (kind, subject), count in by_record.items()]
    for kind, texts in free.items():
        for count, example in _similar(texts):
            groups.append(UnansweredGroup(kind, KINDS[kind].label, None, count, example, knowledge_link(kind, None)))
    return sorted(groups, key=lambda g: (-g.count, g.example))


@lru_cache(maxsize=100_000)
def _folded(text: str) -> str:
    """The text as compared: folded (bot/text.py), spaces collapsed. Kept per process: the page asks again."""
    return " ".join(fold(text).split())


def _similar(texts: Counter[str]) -> list[tuple[int, str]]:
    """(count, most frequent wording) per group of alike texts. The most frequent distinct texts make the groups,
    one after the other; the rest join the group they are most like, compared all at once (rapidfuzz's cdist),
    or stay alone."""
    folded: Counter[str] = Counter()
    wording: dict[str, Counter[str]] = defaultdict(Counter)
    for text, count in texts.items():
        key = _folded(text)
        folded[key] += count
        wording[key][text] += count
    ranked = [key for key, _ in folded.most_common()]
    representatives: list[str] = []
    members: list[list[str]] = []
    for key in ranked[:GROUP_MAKERS]:
        found = process.extractOne(key, representatives, scorer=fuzz.token_set_ratio,
                                   score_cutoff=SIMILAR_AT_LEAST) if representatives else None
        if found is None:
            representatives.append(key)
            members.append([key])
        else:
            members[found[2]].append(key)
    rest = ranked[GROUP_MAKERS:]
    if rest:
        scores = process.cdist(rest, representatives, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR_AT_LEAST)
        for key, row in zip(rest, scores):
            best = int(row.argmax())
            if row[best] >= SIMILAR_AT_LEAST:
                members[best].append(key)
            else:
                members.append([key])
    result = []
    for keys in members:
        combined: Counter[str] = Counter()
        for key in keys:
            combined.update(wording[key])
        result.append((sum(folded[key] for key in keys), combined.most_common(1)[0][0]))
    return result
