"""Ranking procedures for a free-text question with BM25 (Okapi), over folded text.

Terms are folded syllables and syllable pairs: pairs stand in for Vietnamese compound words ("tam tru",
"ho chieu"), which word segmentation cannot find in text typed without diacritics. Words that say what
the user wants to know ("lệ phí", "bao lâu", "giấy tờ") rather than which procedure are dropped; "online"
and "VNeID" stay, because they tell the online and VNeID procedures from their in-person twins. A question word
is told from a name's word that folds like it by its diacritics ("thẻ" is not "the"), or, typed without them, by
the names' pairs of words ("the can cuoc"). Abbreviations (BHXH, TNHH, cty) are read as their words on both sides
(bot/lexicon.py holds the word lists). A name or alias said in full multiplies a procedure's score (coverage), so
"làm hộ chiếu" picks "Cấp hộ chiếu" over "Trình báo mất hộ chiếu", which merely shares words with it; so does the
share of the question's pairs of words a name holds, so "bản sao giấy khai sinh" picks the name saying those
words in that order over "Đăng ký khai sinh".
"""
from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from bot.knowledge.gazetteer import says_procedure
from bot.language import VIETNAMESE_SYLLABLES
from bot.lexicon import (
    AGAIN_ACTS,
    ENGLISH_FORMS_LIKE_SYLLABLES,
    ENGLISH_GLOSSARY,
    ENGLISH_STEMS_OF_OTHER_WORDS,
    FOREIGN_CAPITALS,
    FOREIGN_WORDS,
    LEVEL_PREFERENCE,
    LEVEL_WORDS,
    LISTED_ACTIONS,
    QUESTION_PHRASES,
    QUESTION_WORDS,
    QUESTION_WORDS_TYPED,
    SPECIAL_VERSIONS,
    VOCABULARY_FILLER_WORDS,
    read_in_full,
)
from bot.text import TEENCODE, canonical, fold, has_vietnamese_diacritics, nfc

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def _folded_word(typed: str) -> tuple[str, ...] | None:
    """The words an abbreviation stands for, folded; None for a word that stands for itself."""
    folded = fold(typed)
    expanded = tuple(read_in_full(folded).split())
    return None if expanded == (folded,) else expanded


@lru_cache(maxsize=65536)
def _fold_word(typed: str) -> str:
    return fold(typed)


def _typed_words(text: str) -> list[tuple[str, str | None]]:
    """Each word folded, with the word as typed (lower-case NFC) when it stands for itself; None for the words an
    abbreviation stands for ("ntn" -> "như thế nào", "BHXH" -> "bảo hiểm xã hội")."""
    words: list[tuple[str, str | None]] = []
    for typed in _WORD.findall(nfc(text).lower().replace("_", " ")):
        expanded = _folded_word(typed)
        if expanded is None:
            if folded := _fold_word(typed):
                words.append((folded, typed))
        else:
            words.extend((word, None) for word in expanded)
    return words


# Question phrases by their first word, longest first.
_PHRASES_BY_FIRST_WORD: dict[str, list[tuple[str, ...]]] = defaultdict(list)
for _phrase in QUESTION_PHRASES:
    _PHRASES_BY_FIRST_WORD[_phrase[0]].append(_phrase)


def terms(text: str, compounds: frozenset[str] | set[str] | None = None) -> list[str]:
    """Folded words and pairs of neighbouring words, without the phrases and words that ask rather than name.
    A question word typed with its diacritics is told from the name's word it folds like ("thẻ" is not "the",
    "bản" not "bạn"). Typed without them, it is kept where it forms a pair of words some name holds
    (`compounds`): "the can cuoc" keeps "the" (thẻ căn cước), "ban sao" keeps "sao" (bản sao). Without
    `compounds` (the official names themselves, typed with diacritics), words without diacritics are kept."""
    words: list[tuple[str, str | None]] = []
    typed_words = _typed_words(text)
    i = 0
    while i < len(typed_words):  # question phrases out, the longest first at each word
        for phrase in _PHRASES_BY_FIRST_WORD.get(typed_words[i][0], ()):
            if tuple(word for word, _ in typed_words[i:i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            words.append(typed_words[i])
            i += 1
    folded = [word for word, _ in words]
    kept = []
    for i, (word, typed) in enumerate(words):
        if typed is not None and has_vietnamese_diacritics(typed):
            if typed in QUESTION_WORDS_TYPED:
                continue
        elif word in QUESTION_WORDS and compounds is not None and not (
                (i > 0 and f"{folded[i - 1]}_{word}" in compounds)
                or (i + 1 < len(words) and f"{word}_{folded[i + 1]}" in compounds)):
            continue
        kept.append(word)
    return kept + [f"{a}_{b}" for a, b in zip(kept, kept[1:])]


def name_terms(name: str) -> frozenset[str]:
    """The terms of an official name that a question can say: not the name's "cho" (as in "cấp cho"), which a
    question's own "cho" would not be told from."""
    return frozenset(term for term in terms(name) if term not in QUESTION_WORDS)


# How much a name said in full counts (bench/procedures.py: 1 and 2 measured on the portal's records).
COVERAGE_POWER = 1
# A name holding none of the question's pairs of words keeps sqrt(0.2 / 1.2) of its score (bench/procedures.py:
# floors 0.1 to 0.4 and powers 0.5 to 0.75 measured within a point of each other on the development questions).
PAIR_SHARE_FLOOR = 0.2


# A curated guide's aliases weigh less than names and more than keywords. An alias said in full counts as a name said
# in full; part of one counts for nothing, so a short alias ("birth certificate") sharing a word or two with the
# question never outranks a record whose official name says more of it (bench/procedures.py: aliases as names 0.702,
# as keywords 0.717, as names only when said in full 0.717 with each guide still found by its aliases).
ALIAS_WEIGHT = 2.5


@dataclass(frozen=True)
class Ranked:
    id: str
    score: float


class BM25Index:
    def __init__(self, documents: dict[str, list[tuple[str, float]]], k1: float = 1.2, b: float = 0.5,
                 name_weight: float = 3):
        """`documents`: id -> [(text, weight)]; a field of weight w counts w times (names weigh more than aliases,
        aliases more than keywords). Fields of `name_weight` or more are the document's names, used for coverage;
        fields of ALIAS_WEIGHT its aliases, names only when said in full."""
        self.k1, self.b = k1, b
        self.names: dict[str, list[frozenset[str]]] = {
            doc_id: [name for text, weight in fields if weight >= name_weight and (name := name_terms(text))]
            for doc_id, fields in documents.items()}
        self.aliases: dict[str, list[frozenset[str]]] = {
            doc_id: [name for text, weight in fields if weight == ALIAS_WEIGHT and (name := name_terms(text))]
            for doc_id, fields in documents.items()}
        self.name_words: dict[str, frozenset[str]] = {
            doc_id: frozenset().union(*names) for doc_id, names in self.names.items()}
        # The names' words as written, with their diacritics: a question's "tử" is not a name's "từ".
        self.written: dict[str, frozenset[str]] = {
            doc_id: frozenset(word for text, weight in fields if weight >= name_weight
                              for word in _accented(text).split())
            for doc_id, fields in documents.items()}
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        self.lengths: dict[str, float] = {}
        for doc_id, fields in documents.items():
            counts: dict[str, float] = defaultdict(float)
            for text, weight in fields:
                for term in terms(text):
                    counts[term] = max(counts[term], weight)
            self.lengths[doc_id] = sum(counts.values())
            for term, count in counts.items():
                self.postings[term][doc_id] = count
        self.size = len(documents)
        self.average = (sum(self.lengths.values()) / self.size) if self.size else 1.0
        self.idf = {t: math.log(1 + (self.size - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        # Each posting's share of the score, computed once: a question only adds them up.
        self.weights: dict[str, dict[str, float]] = {
            term: {doc_id: self.idf[term] * tf * (k1 + 1)
                   / (tf + k1 * (1 - b + b * self.lengths[doc_id] / self.average))
                   for doc_id, tf in postings.items()}
            for term, postings in self.postings.items()}
        # Pairs of words the documents hold: a question word typed without diacritics is kept in one of them.
        self.compounds = frozenset(term for term in self.postings if "_" in term)

    def terms(self, text: str) -> list[str]:
        """`terms` of a question, keeping its words that form a pair of words of the documents."""
        return terms(text, self.compounds)

    def rank(self, query: str | list[str], limit: int = 5,
             weak: list[tuple[str, float]] | tuple[tuple[str, float], ...] = ()) -> list[Ranked]:
        """The best `limit` documents. A name said in full beats one that merely shares words with the question:
        scores are multiplied by (1 + coverage) ** COVERAGE_POWER, and by how much of the question's pairs of words
        (idf-weighted) its names hold, so that "bản sao giấy khai sinh" is the name that says those words in that
        order, not any name with "khai sinh". Documents are boosted best first and the rest skipped once even a full
        boost could not reach the `limit`-th best. A list is a question and the phrases it means: no pair of words
        spans two of them. `weak`: more phrases it means, each with the share of a term's score it weighs."""
        query_terms = {term for text in ([query] if isinstance(query, str) else query) for term in self.terms(text)}
        weights: dict[str, float] = {}
        for text, weight in weak:
            for term in self.terms(text):
                if term not in query_terms:
                    weights[term] = max(weights.get(term, 0.0), weight)
        weak_terms = set(weights)
        # A weak phrase's pairs count in the share of the question's pairs as much as its terms count in the score.
        pairs = [(term, self.idf[term] * (1.0 if term in query_terms else weights[term]))
                 for term in query_terms | weak_terms if "_" in term and term in self.idf]
        pairs_weight = sum(idf for _, idf in pairs) or 1.0
        scored = self.scores(query_terms)
        for weight in set(weights.values()):
            for doc_id, score in self.scores({t for t, w in weights.items() if w == weight}).items():
                scored[doc_id] = scored.get(doc_id, 0.0) + weight * score
        covered = query_terms | {term for term, weight in weights.items() if weight >= 1.0}  # said in full
        kept: list[tuple[float, str]] = []  # a min-heap of the best `limit` so far
        for doc_id, score in sorted(scored.items(), key=lambda item: -item[1]):
            if len(kept) >= limit and score * 2 ** COVERAGE_POWER < kept[0][0]:
                break
            in_names = self.name_words[doc_id]
            said_aliases = [alias for alias in self.aliases[doc_id] if alias <= covered]
            if said_aliases:
                in_names = in_names.union(*said_aliases)
            pair_share = sum(idf for term, idf in pairs if term in in_names) / pairs_weight
            pair_factor = ((pair_share + PAIR_SHARE_FLOOR) / (1 + PAIR_SHARE_FLOOR)) ** 0.5  # at most 1
            if len(kept) >= limit and score * 2 ** COVERAGE_POWER * pair_factor < kept[0][0]:
                continue
            coverage = max((len(name & covered) / len(name) for name in self.names[doc_id]), default=0.0)
            if said_aliases:
                coverage = 1.0
            heapq.heappush(kept, (score * (1 + coverage) ** COVERAGE_POWER * pair_factor, doc_id))
            if len(kept) > limit:
                heapq.heappop(kept)
        return [Ranked(doc_id, score) for score, doc_id in sorted(kept, key=lambda item: (-item[0], item[1]))]

    def answers(self, doc_id: str, asked: set[str], meanings: list[str], min_idf: float = 1.0,
                pairs_tell: bool = False, typed: dict[str, set[str]] | None = None) -> bool:
        """Whether a document is about what the question asks: its names share a telling word of the question
        (not a word many names hold), or hold one of the official phrases the question's words mean in full. Widening a
        question must not make "làm sổ đỏ" answer with whatever shares "giấy" and "nhận" when no land procedure
        is loaded. `pairs_tell`: a pair of words the question and a name share tells, whatever its words' idf.
        `typed`: the question's words typed with diacritics, by their folded form; such a word tells only if a name
        writes it so ("hóa đơn điện tử" shares no word with "… từ đủ 14 tuổi")."""
        names = self.names.get(doc_id, [])
        if pairs_tell and any("_" in term for name in names for term in name & asked):
            return True
        written = self.written.get(doc_id, frozenset())
        if any(self.idf.get(term, 0.0) >= min_idf for name in names for term in name & asked
               if "_" not in term and (typed is None or term not in typed or typed[term] & written)):
            return True
        return any(name_terms(phrase) <= name for phrase in meanings for name in names)

    def said_in_full(self, doc_id: str, query_terms: set[str], first_name_only: bool = False) -> bool:
        """Whether the question (its `terms`) says one of the document's names (or its first, official one) in full."""
        names = self.names.get(doc_id, [])
        if not first_name_only:
            names = names + self.aliases.get(doc_id, [])
        return any(name <= query_terms for name in (names[:1] if first_name_only else names))

    def scores(self, query_terms: set[str]) -> dict[str, float]:
        """Okapi BM25 of every document sharing a term with the question (bench/procedures.py measures this
        against SQLite's FTS5 and the bm25s library on the same terms)."""
        scores: dict[str, float] = defaultdict(float)
        for term in query_terms:
            for doc_id, weight in self.weights.get(term, {}).items():
                scores[doc_id] += weight
        return scores


def typed_with_diacritics(text: str) -> dict[str, set[str]]:
    """The words of a question typed with diacritics (lower-case NFC), by their folded form."""
    typed: dict[str, set[str]] = defaultdict(set)
    for word, as_typed in _typed_words(text):
        if as_typed is not None and has_vietnamese_diacritics(as_typed):
            typed[word].add(as_typed)
    return dict(typed)


def _accented(text: str) -> str:
    """Lower-case words with their diacritics (NFC), punctuation removed."""
    return " ".join(re.sub(r"[^\w]+", " ", nfc(text).lower()).split())


def _english_stem(word: str) -> str:
    """An English word without its plural or -ing/-ed ending ("registering" -> "register"); a folded Vietnamese
    syllable never ends so, and is kept. Not the "-eed" of "breed", "need", "speed": "breed" read as "bre" made
    "bring" one of its forms."""
    for ending, shortest in (("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(ending) and len(word) >= shortest and not word.endswith(("ss", "eed")):
            return word[:-len(ending)]
    return word


def _vocabulary_form(folded: str) -> str:
    """Text as the vocabulary compares it: English words stemmed and without the words that do not change what
    is asked for, so "dissolve my company" says "dissolve a company"."""
    words = folded.split()
    return " ".join(_english_stem(word) for i, word in enumerate(words)
                    if word not in VOCABULARY_FILLER_WORDS
                    or (word == "my" and i > 0 and words[i - 1] in ("nguoi", "nuoc", "hoa")))  # người Mỹ


def _either_typing(word: str) -> str:
    """A pattern of a word typed with its diacritics or without any ("vợ" or "vo"), never with others ("và")."""
    bare = fold(word)
    return re.escape(word) if bare == word else f"(?:{re.escape(word)}|{re.escape(bare)})"


@lru_cache(maxsize=65536)
def _phrase_pattern(phrase: str, gapped: bool = False, mixed: bool = False) -> re.Pattern[str]:
    """`phrase`'s words in order, between spaces; `gapped`: with at most two other words between two of them;
    `mixed`: each word typed with its diacritics or without any ("nhap khau cho vợ"). Kept across builds: compiling
    the vocabulary's 8,900 patterns is most of the procedure index's build (4.8 s), so the rebuild after a staff
    load, whose vocabulary mostly stays the same, takes 0.7 s instead."""
    words = [_either_typing(word) if mixed else re.escape(word) for word in phrase.split()]
    return re.compile(" " + (_GAP if gapped else " ").join(words) + " ")


# At most two words slipped between two of a phrase's words, never "mất" (lost): "làm mất hộ chiếu" loses a passport,
# it does not say "làm hộ chiếu".
_GAP = r" (?:(?!(?:mất|mat) )\S+ ){0,2}"


def _only_inside(found: str, folded: str, inserted: list[str]) -> bool:
    """Whether `found` is in the question only inside official words the vocabulary has put there: "cty đổi tên"
    read as "… đăng ký đổi tên của doanh nghiệp" does not also say "đổi tên" (a person's change of name)."""
    if not any(found in words for words in inserted):
        return False
    for words in sorted(inserted, key=len, reverse=True):
        folded = folded.replace(words, " ")
    return found not in f" {folded} "


def _typed_forms(accented: tuple[str, ...], gapped: bool = False) -> tuple[re.Pattern[str], ...] | None:
    """The ways a phrase is typed with diacritics, each word also taken bare; None if one of them has none ("hkd"),
    which a question then says whatever its diacritics."""
    if not all(has_vietnamese_diacritics(form) for form in accented):
        return None
    return tuple(_phrase_pattern(form, gapped=gapped, mixed=True) for form in accented)


def _inflections(word: str) -> set[str]:
    """An English word with its plural and -ed/-ing endings ("register" -> "registers", "registered", ...)."""
    forms = {word, f"{word}s", f"{word}es", f"{word}ed", f"{word}ing"}
    if word.endswith("e"):
        forms |= {f"{word}d", f"{word[:-1]}ing"}
    if word.endswith("y") and len(word) > 3:
        forms |= {f"{word[:-1]}ies", f"{word[:-1]}ied"}
    # As the vocabulary reads them, but never a stem as short as a Vietnamese syllable ("homes" -> "hom", hôm).
    return forms | {stem for form in forms if len(stem := _english_stem(form)) >= 4}


# Words typed in Vietnamese that an English form, read as the vocabulary reads it, could be.
_SYLLABLES = VIETNAMESE_SYLLABLES | frozenset(TEENCODE) | ENGLISH_FORMS_LIKE_SYLLABLES


def _read_glossary(text: str) -> dict[tuple[str, ...], str]:
    glossary: dict[tuple[str, ...], str] = {}
    for line in text.strip().splitlines():
        forms, _, means = line.rpartition(":")
        for form in forms.split(","):
            words = _vocabulary_form(fold(form)).split()
            if not words:
                continue
            firsts = _inflections(words[0]) if len(words) > 1 else {words[0]}
            for first in firsts:
                for last in _inflections(words[-1]):
                    key = (first, *words[1:-1], last) if len(words) > 1 else (last,)
                    if len(key) == 1 and key[0] in _SYLLABLES:
                        continue  # "changing" read as "chang" (chàng), "mining" as "min"
                    if len(key) == 1 and key[0] in ENGLISH_STEMS_OF_OTHER_WORDS and key[0] != fold(form):
                        continue  # "planes" read as "plan"
                    glossary.setdefault(key, means.strip())
    return glossary


_GLOSSARY = _read_glossary(ENGLISH_GLOSSARY)
# What the words of an English question mean one by one weighs as much as the question's own words; an official
# phrase the vocabulary reads from a phrase naming no paper or act (CONTEXT phrases: "đi du học", "nghỉ việc") weighs
# less, and does not count towards a name said in full (bench/procedures.py, second development set: 0.689 at 1,
# 0.703 at 0.5 and 0.7; the first development set, whose misses those phrases were written for, 0.953 -> 0.942).
GLOSSARY_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.7
_GLOSSARY_LONGEST = max(len(key) for key in _GLOSSARY)


def english_meanings(folded: str) -> list[str]:
    """The official words the English words of a question mean (folded and in the vocabulary's form, its phrases
    already read as their official words), each alone and all in the question's order (a verb and its object keep
    the order Vietnamese names say them in: "register a marriage" -> "đăng ký kết hôn")."""
    words = folded.split()
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_GLOSSARY_LONGEST, len(words) - i), 0, -1):
            means = _GLOSSARY.get(tuple(words[i:i + n]))
            if means is not None:
                found.append(means)
                i += n
                break
        else:
            i += 1
    if not found:
        return []
    return [*dict.fromkeys(found), " ".join(found)] if len(found) > 1 else found


def _glossary_phrases(folded: str) -> list[str]:
    """The glossary's phrases of two words or more a question (in the vocabulary's form) says, longest first at each
    word, padded with spaces: a shorter phrase of the vocabulary inside one ("allowance" in "duty-free allowance",
    "boat" in "boat landing") is not what the question says."""
    words = folded.split()
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_GLOSSARY_LONGEST, len(words) - i), 1, -1):
            if tuple(words[i:i + n]) in _GLOSSARY:
                found.append(f" {' '.join(words[i:i + n])} ")
                i += n
                break
        else:
            i += 1
    return found


# Whose a paper is ("giấy khai sinh của con tôi bị ghi sai", "cccd của e"), typed with diacritics or without: no part of
# what the vocabulary reads, so a paper and what happened to it are read as one phrase.
_POSSESSIVE = re.compile(r"(?<= )(?:của|cua) (?:(?:con|bố|bo|mẹ|me|nhà|nha|vợ|vo|chồng|chong|ông|ong|bà|ba|gia đình"
                         r"|gia dinh) )?(?:tôi|toi|mình|minh|em|e|chúng tôi|chung toi|tui|mik)(?= )")


def _without_possessives(text: str) -> str:
    """Text (padded with spaces) without whose its things are: "của tôi", "cua con toi", "của e"."""
    return " ".join(_POSSESSIVE.sub(" ", text).split()).join("  ")


# What a foreign word in a question means: the "có yếu tố nước ngoài" versions (a foreign spouse or guest).
FOREIGN_ELEMENT = "nước ngoài"
# Foreign words as the vocabulary reads a question: "philippines", "united states" stemmed like the question's words.
_FOREIGN_FORMS = frozenset(_vocabulary_form(words) for words in FOREIGN_WORDS)
# Countries written as capitals ("a UK driving licence", "U.S. citizen"), never lower-case "uk" (chat for "ừ").
_FOREIGN_CAPITALS = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, FOREIGN_CAPITALS)) + r")(?!\w)")


class Reading(NamedTuple):
    """What the vocabulary reads in a question (`Vocabulary.read`)."""

    meanings: list[str]  # the official words of the phrases it says
    glossed: list[str]  # what its English words mean one by one, where no phrase read them
    context: set[str]  # meanings of phrases naming no paper or act ("đi du học"): what it is about, weighing less
    rest: str  # its words (folded) that no phrase naming a procedure read


class Vocabulary:
    """What people say, mapped to the official names' words (knowledge/procedure_terms.yml): a question that says
    "sổ đỏ" is searched as if it also said "giấy chứng nhận quyền sử dụng đất"."""

    def __init__(self, entries: list[tuple[str, list[str]]]):
        # Folded alike, a phrase may be typed several ways ("mất thẻ bảo hiểm y tế", "mất thẻ bhyt"): each is kept,
        # so that a question typing any of them with its diacritics says the phrase.
        pairs: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        # Phrases naming no paper or act ("đi du học" -> a passport, "nghỉ việc", "lấy vợ"): what the question is
        # about, more often than the procedure it asks for (bot/lexicon.py's says_procedure, as the gazetteer).
        self._context: dict[str, bool] = {}
        for means, says in entries:
            for said in says:
                key = _vocabulary_form(canonical(said))
                known = pairs.get(key)
                typed = known[2] if known and known[0] == means else ()
                pairs[key] = (means, canonical(means), (*typed, _accented(said)))
                self._context[key] = self._context.get(key, True) and not says_procedure(said)
        # The official phrases themselves (folded): words slipped between a phrase's words that make one of them, in
        # place, say that phrase, not the one they were slipped into ("quyết toán thuế thu nhập cá nhân" is no
        # "quyết toán thuế … cá nhân").
        self._official = frozenset(_vocabulary_form(canonical(means)) for means, _ in entries)
        # By first word, longest first: "mở hộ kinh doanh" is read before "hộ kinh doanh".
        self._by_first_word: dict[str, list[tuple[str, str, str, tuple[re.Pattern[str], ...] | None]]] = \
            defaultdict(list)
        for said, (means, folded_means, accented) in sorted(pairs.items(), key=lambda pair: -len(pair[0])):
            if said:
                self._by_first_word[said.split()[0]].append(
                    (f" {said} ", means, f" {folded_means} ", _typed_forms(accented)))
        # A phrase of three words or more is also read with one or two words slipped between two of its words ("mở
        # thêm hộ kinh doanh" says "mở hộ kinh doanh", "mất đky xe cà vẹt" "mất cà vẹt"). Not two-word phrases, whose
        # words would meet by chance (bench/procedures.py: two-word phrases measured worse on English and chat
        # questions; up to two words: development 2 0.713 -> 0.723, the first set unchanged; three: 0.728, the first
        # set 0.950 -> 0.945).
        self._gapped: dict[str, tuple[re.Pattern[str], tuple[re.Pattern[str], ...] | None]] = {
            said: (_phrase_pattern(said, gapped=True), _typed_forms(accented, gapped=True))
            for said, (_, _, accented) in pairs.items() if len(said.split()) >= 3}

    def _note(self, said: str, means: str, rest: str, context: set[str], naming: set[str],
              found: str | None = None) -> str:
        """Files a phrase read as naming a procedure or as context; a naming phrase's words leave the rest."""
        if self._context.get(said.strip()):
            context.add(means)
            return rest
        naming.add(means)
        return rest.replace(found or said, " ")

    def expand(self, query: str) -> str:
        return " ".join([query, *self.meanings(query)])

    def meanings(self, query: str) -> list[str]:
        """The official words of what the question says, to append to it (`read`'s first half)."""
        return self.read(query).meanings

    def read(self, query: str) -> Reading:
        """The official words of what the question says, to append to it; and those its English words mean one by
        one where no phrase has read them (`english_meanings`), which weigh less. Two passes, each reading the first's
        result, so that "mở hộ kd" becomes "mở hộ kinh doanh", then "đăng ký thành lập hộ kinh doanh". Where both
        the question and a phrase have diacritics, they must agree: "sơ đồ" is not "sổ đỏ"."""
        folded = _without_possessives(f" {_vocabulary_form(canonical(query))} ")
        as_typed = folded
        accented = _without_possessives(f" {_accented(query)} ") if has_vietnamese_diacritics(query) else None
        extra: list[str] = []
        naming: set[str] = set()
        context: set[str] = set()
        inserted: list[str] = []  # the official words read so far, which a phrase found only inside is not said
        rest = folded  # the question's words that no phrase naming a procedure has read
        glossed_phrases = _glossary_phrases(folded)
        for _ in range(2):
            for word in dict.fromkeys(folded.split()):
                for said, means, folded_means, said_accented in self._by_first_word.get(word, ()):
                    if glossed_phrases and any(said in phrase and said != phrase for phrase in glossed_phrases):
                        continue  # part of a longer English phrase the glossary reads ("duty-free allowance")
                    if said in folded:
                        if (accented and said_accented and said in as_typed and said not in accented
                                and not any(form.search(accented) for form in said_accented)):
                            continue  # other diacritics; bare words say it ("nhap khau cho vợ")
                        if _only_inside(said, folded, inserted):
                            continue
                        folded = folded.replace(said, folded_means)
                        inserted.append(folded_means)
                        extra.append(means)
                        rest = self._note(said, means, rest, context, naming)
                    elif ((gapped := self._gapped.get(said.strip())) and (found := gapped[0].search(folded))
                          and found.group(0).strip() not in self._official):
                        if (accented and gapped[1] and found.group(0) in as_typed
                                and not gapped[0].search(accented)
                                and not any(form.search(accented) for form in gapped[1])):
                            continue
                        if _only_inside(found.group(0), folded, inserted):
                            continue
                        folded = folded.replace(found.group(0), folded_means)
                        inserted.append(folded_means)
                        extra.append(means)
                        rest = self._note(said, means, rest, context, naming, found.group(0))
        if any(f" {word} " in folded for word in _FOREIGN_FORMS) or _FOREIGN_CAPITALS.search(query):
            extra.append(FOREIGN_ELEMENT)
        return Reading(list(dict.fromkeys(extra)), english_meanings(folded), context - naming, " ".join(rest.split()))


SPECIAL_VERSION_FACTOR = 0.6
# "(thực hiện tại cấp tỉnh)", "(cấp xã)": the same procedure done at another level of government.
_LEVEL_NOTE = re.compile(r"(?:\sthuc hien)?(?:\stai)?\scap (?:trung uong|tinh|xa|huyen|bo)$")


def without_level(folded: str) -> str:
    """A folded name without the level it is done at ("… thuc hien tai cap trung uong")."""
    return _LEVEL_NOTE.sub("", folded).strip()


def version_family(name: str) -> str:
    """The name without the level it is done at and without "Thủ tục": versions of one procedure share it."""
    return without_level(canonical(name)).removeprefix("thu tuc ").strip()


# The words that make a civil-status procedure a special version of a common one ("Đăng ký khai sinh có yếu tố nước
# ngoài", "… tại khu vực biên giới", "… lưu động", "Đăng ký lại …"), as the names say them (folded).
_TWIN_WORDS = (("nuoc ngoai", re.compile(r" co yeu to nuoc ngoai\b")),
               ("bien gioi", re.compile(r" (?:tai|o) khu vuc bien gioi\b")),
               ("luu dong", re.compile(r" luu dong\b")),
               ("dang ky lai", re.compile(r"\bdang ky lai\b")))


def twin_base(family: str) -> tuple[str, frozenset[str]]:
    """A version family without the special words that make it a twin of another ("dang ky khai sinh co yeu to nuoc
    ngoai" -> "dang ky khai sinh"), and those words: twins are one procedure for the citizen, and the words the
    question says choose among them (the curated "Đăng ký khai sinh" guide scores far above its foreign twin,
    which a question about a foreign parent means)."""
    base, found = f" {family} ", set()
    for words, pattern in _TWIN_WORDS:
        if pattern.search(base):
            found.add(words)
            base = pattern.sub(" dang ky" if words == "dang ky lai" else "", base)
    return " ".join(base.split()), frozenset(found)


def twin_fit(specials: frozenset[str], folded_query: str) -> int:
    """How well a twin's special words fit a question (folded): each it says counts for, each it does not against."""
    folded_query = f" {folded_query} "
    return sum(1 if f" {words} " in folded_query else -1 for words in specials)


_AUDIENCE = re.compile(r"\s(?:đối với|trong trường hợp)\s", re.IGNORECASE)


def name_head(name: str) -> str:
    """A name up to the list of whom or which case it serves ("… lần đầu đối với hộ gia đình, cá nhân, …, người
    gốc Việt Nam định cư ở nước ngoài"): words there describe who may use it, not a special version."""
    return _AUDIENCE.split(name, maxsplit=1)[0]


# What a name lists after its first item ("Đăng ký hoạt động chi nhánh …; thông báo lập chi nhánh … ở nước ngoài", "Đăng
# ký sử dụng hoá đơn điện tử/ … có mã của cơ quan thuế", "… Giấy chứng nhận hoặc đăng ký thay đổi … của tổ chức nước
# ngoài"): other procedures or cases it also covers.
_LIST_ITEM = re.compile(r"\s*[;/]\s*|\shoặc\s", re.IGNORECASE)


def name_items(name: str) -> list[str]:
    """The items a name lists (of its head, `name_head`): "Khai quyết toán thuế/ Hoàn thuế đối với …" does both."""
    return [item for item in _LIST_ITEM.split(name_head(name)) if item.strip()] or [name_head(name)]


def name_titles(name: str) -> list[str]:
    """The titles a name lists after ";" or "/" (of its head): "Khai quyết toán thuế/ Hoàn thuế đối với …"."""
    return [title for title in re.split(r"\s*[;/]\s*", name_head(name)) if title]


def name_main(name: str) -> str:
    """A name's first item (`name_items`): the words that say which procedure it is. A special word only in a later
    item is one of several cases the name covers, not a version of it."""
    return name_items(name)[0]


@lru_cache(maxsize=8192)
def _listed_actions(folded_name: str) -> frozenset[str]:
    """The things a name opens by listing when it lists two or more ("cấp, cấp lại, đổi giấy phép …", "cấp lại,
    đổi, điều chỉnh thông tin …"): each is one of what the procedure does, not a special version of it. Empty for
    a name doing one thing ("cấp lại thẻ …")."""
    words, i = folded_name.split(), 0
    found: list[str] = []
    while i < len(words):
        for action in LISTED_ACTIONS:
            if tuple(words[i:i + len(action)]) == action:
                found.append(" ".join(action))
                i += len(action)
                break
        else:
            break
    return frozenset(found) if len(found) >= 2 else frozenset()


# "Tỉnh, thành phố trực thuộc Trung ương" is every province: a name saying it is no central version (16 names).
_EVERY_PROVINCE = " truc thuoc trung uong "
# A name done at the centre and at the province or commune alike is no central version ("… thực hiện tại cấp trung
# ương, cấp tỉnh, cấp xã").
_LOCAL_LEVEL = re.compile(r" trung uong (?:\S+ )*?cap (?:tinh|xa|huyen) ")
# What a name done the first time ("Đăng ký, cấp biển số xe lần đầu") is not: asked to replace, exchange, renew or
# return a paper one has.
_FIRST_TIME = " lan dau "


# "Cơ quan", "tổ chức" as the authority a procedure is done with, not the one it is for ("… tại cơ quan có thẩm quyền
# của nước ngoài", "giấy tờ do cơ quan, tổ chức có thẩm quyền …", "không làm thay đổi cơ quan thuế quản lý"): no
# version for organisations.
_AUTHORITY = re.compile(r" (?:do|tai|voi|toi|qua|giua|phep)(?: cac)?(?: (?:co quan|to chuc))+ "
                        r"| (?:co quan|to chuc)(?: (?:co quan|to chuc))* (?=co tham quyen |thue |hai quan )")


# What a name going abroad says, and a foreign party coming here (folded).
_OUTWARD = " ra nuoc ngoai "
_FOREIGN_PARTY = re.compile(r" (?:nguoi|nha dau tu|to chuc|doanh nghiep|thuong nhan|cong dan) nuoc ngoai ")


def special_version_factor(folded_name: str, folded_query: str, folded_main: str | None = None) -> float:
    """Lower the score of a special version the question does not ask for; raise the one it asks for (texts folded
    by `canonical`). `folded_main`: the name's first item (`name_main`), where alone a special word the question
    does not say makes it a version; by default the whole name."""
    folded_name = f" {folded_name} ".replace(_EVERY_PROVINCE, " tinh ")
    folded_query = f" {folded_query} ".replace(_EVERY_PROVINCE, " tinh ")
    main = folded_name if folded_main is None else f" {folded_main} ".replace(_EVERY_PROVINCE, " tinh ")
    factor = 1.0
    # A name's "ở nước ngoài" (done abroad) is a version of its own: a foreigner ("người nước ngoài") asking here
    # does not ask for it; a question about something done abroad still has a foreign element.
    abroad = " o nuoc ngoai "
    if abroad in folded_name:
        if abroad in folded_query:
            factor = 1 / SPECIAL_VERSION_FACTOR
        elif abroad in main:
            factor = SPECIAL_VERSION_FACTOR
        folded_name, folded_query, main = (text.replace(abroad, " ") for text in (folded_name, folded_query, main))
    # So is one going abroad ("đầu tư ra nước ngoài"), for a foreign party who comes here ("nhà đầu tư nước ngoài",
    # "foreign investor"), unless the question also goes abroad; "mang tiền sang Trung Quốc" still goes out.
    if _OUTWARD in folded_name and _FOREIGN_PARTY.search(folded_query) and _OUTWARD not in folded_query:
        if _OUTWARD in main:
            factor *= SPECIAL_VERSION_FACTOR
        folded_name, main = folded_name.replace(_OUTWARD, " "), main.replace(_OUTWARD, " ")
    folded_name, main = _AUTHORITY.sub(" ", folded_name), _AUTHORITY.sub(" ", main)
    listed = _listed_actions(folded_name)
    if _LOCAL_LEVEL.search(folded_name):  # "thực hiện tại cấp trung ương, cấp tỉnh, cấp xã": every level's
        folded_name = folded_name.replace(" trung uong ", " ")
    if _FIRST_TIME in folded_name and _FIRST_TIME not in folded_query and any(
            f" {act} " in folded_query for act in AGAIN_ACTS):
        factor *= SPECIAL_VERSION_FACTOR  # "… lần đầu" when the question asks to replace, renew or return one
    for words in SPECIAL_VERSIONS:
        in_name, in_query = f" {words} " in folded_name, f" {words} " in folded_query
        if in_name and not in_query and (words in listed or f" {words} " not in main):
            continue  # one of several things the procedure does ("Cấp lại, đổi, điều chỉnh …"), not a version
        if in_name != in_query:
            factor *= SPECIAL_VERSION_FACTOR if in_name else 1.0
        elif in_name:
            factor /= SPECIAL_VERSION_FACTOR
    return factor


def level_rank(folded_levels: tuple[str, ...], folded_name: str, folded_query: str) -> int:
    """Order versions of one procedure: the level the question names, else commune, province, ministry (texts
    folded by `canonical`)."""
    folded_query = f" {folded_query} "
    named = [level for word, level in LEVEL_WORDS.items() if f" cap {word} " in folded_query
             or (word == "trung uong" and " trung uong " in folded_query)]
    own = [level for level in LEVEL_PREFERENCE if level in folded_levels or level in folded_name]
    if named and any(level in own for level in named):
        return -1
    return min((LEVEL_PREFERENCE.index(level) for level in own), default=len(LEVEL_PREFERENCE))
