"""Every name the knowledge base knows, as (entity, folded words, canonical value), for finding entities in
text without a trained model: a site added by staff is recognised from the next load on."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from rapidfuzz.distance import Levenshtein

from bot.knowledge.places import CATEGORY_SYNONYMS, KIND_WORDS, PlaceIndex
from bot.lexicon import (
    AMBIGUOUS_KIND_WORDS,
    DETERMINERS,
    EVERYDAY_ACTS,
    EVERYDAY_PHRASE_NAMES,
    KIND_CUES,
    KIND_CUES_AFTER,
    LEADING_ACTS,
    LICENCE_ACTS,
    NEEDED_WORDS,
    NOT_A_KIND,
    OBJECT_ADJECTIVES,
    PROCEDURE_ACTS,
    PROCEDURE_OBJECTS,
    PROCEDURE_PAPERS,
    PROVINCE_AREAS,
    PROVINCE_NAMES,
    QUANTIFIERS,
    QUESTION_TAILS,
    SITE_QUESTION_AFTER,
    TRAILING_ACTS,
    TRAVEL_VERBS,
    read_in_full,
)
from bot.text import canonical, expand_teencode, fold, has_vietnamese_diacritics, nfc

# Words that are a procedure's object only after an act (PROCEDURE_OBJECTS): never an entity of their own.
OBJECT = "procedure object"
# When two entity kinds claim the same words, the more specific wins ("Cửa Ông": the temple, not the ward).
PRIORITY = {"place": 0, "procedure": 1, "area": 2, "category": 3, OBJECT: 4}
# Words that end a name after a kind word ("đền Trần ở đâu": the name is "Trần").
QUESTION_WORDS = {"o", "dau", "nao", "gi", "co", "khong", "may", "gio", "ve", "bao", "nhieu", "the", "thu", "mo",
                  "dong", "cua", "la", "di", "den", "tai", "vay", "nhe", "a", "where", "what", "when", "how",
                  "is", "open", "ticket", "price", "thi", "nam", "duoc", "cach", "xa", "gan", "voi", "va"}
# Words before a name that make it a place in the administrative sense ("ở Hạ Long", "phường Yên Tử"). Not "gần",
# "quanh", "near": what people are near is the landmark ("gần Yên Tử còn gì": the mountain, not the ward).
AREA_MARKERS = {"phuong", "xa", "khu", "thi", "pho", "huyen", "tp", "tx", "o", "tai", "in",
                "vung", "tu", "from", "tiet"}  # "từ Hạ Long", "thời tiết Hạ Long": the city


@dataclass(frozen=True)
class Mention:
    entity: str
    value: str
    start: int
    end: int


@dataclass
class Gazetteer:
    # folded words -> {entity: canonical value, or None when several things share the name}
    names: dict[str, dict[str, str | None]] = field(default_factory=lambda: defaultdict(dict))
    # How names are spelt with diacritics: folding makes "đến" (to go) and "đền" (temple), "cá" (fish) and "Cả"
    # one word, so words the user typed with diacritics must match one of these spellings.
    spellings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    longest: int = 1
    places: PlaceIndex | None = None  # for names said after a kind word that match no name exactly
    version: int | None = None  # the knowledge version the names were read from

    def add(self, entity: str, name: str, value: str | None) -> None:
        """`value` None: the words are a mention of that kind of thing, but not of one known record."""
        for key in _forms(name):
            if not key or (entity in ("place", "procedure") and " " not in key and len(key) < 6
                           and not (entity == "procedure" and _ABBREVIATION.fullmatch(key))):
                continue  # one short word ("dong", "thai") is an ordinary word far more often than a name; a
                # procedure's abbreviation ("dktt", "gplx") has no vowel, so is no word
            if key in PROVINCE_NAMES and entity != "area":
                continue  # "Quảng Ninh" alone is the province, not the museum named after it
            if has_vietnamese_diacritics(name):
                self.spellings[key].add(nfc(name).lower())
            known = self.names[key]
            known[entity] = value if known.get(entity, value) == value else None
            self.longest = max(self.longest, len(key.split()))

    def add_vocabulary(self, phrase: str) -> None:
        """A way people say a procedure (knowledge/procedure_terms.yml): a procedure mention with the words said,
        unless the words already name a known procedure or another kind of thing, or say no paper, act or record of
        the state (says_procedure: "xe máy" is said of travel as often as of registering one)."""
        if not says_procedure(phrase) or any(self.names.get(key) for key in _forms(phrase)) or \
                any(f" {question} " in f" {_forms(phrase)[-1]} " for question in QUESTION_TAILS):
            return  # a whole question ("làm hộ chiếu mất bao lâu") names no procedure: its words would swallow
            # the question's
        self.add("procedure", phrase, None)

    def find(self, text: str) -> list[Mention]:
        """Longest non-overlapping known names in `text`, aligned to its words."""
        words = []  # (folded word, start, end); an abbreviation may expand to several words on one span
        for word, start, end in _words(text):
            for part in _expanded(word).split() or [fold(word)]:
                words.append((part, start, end))
        mentions, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = " ".join(w for w, _, _ in words[i:i + n])
                claims = self.names.get(key)
                if not claims:
                    continue
                if not self._spelling_agrees(key, text[words[i][1]:words[i + n - 1][2]]):
                    continue
                previous = words[i - 1][0] if i else ""
                following = words[i + n][0] if i + n < len(words) else ""
                if "category" in claims and n == 1 and (f"{previous} {key}" in NOT_A_KIND
                                                        or f"{key} {following}" in NOT_A_KIND):
                    continue  # "gia đình" is a family, not a communal house
                if "category" in claims and n == 1 and key in AMBIGUOUS_KIND_WORDS and previous not in KIND_CUES \
                        and following not in KIND_CUES_AFTER and text[words[i][1]:words[i][2]].isascii():
                    continue  # "đã thanh toán chua" (chưa), "mở cửa den mấy giờ" (đến), "quyet dinh" (định)
                if "place" in claims and not _capitalised(text, words[i][1]) and (
                        previous in QUANTIFIERS
                        or key in EVERYDAY_PHRASE_NAMES and following not in SITE_QUESTION_AFTER):
                    # "một bài thơ", "bài thơ tình": a poem
                    claims = {k: v for k, v in claims.items() if k != "place"}
                    if not claims:
                        continue
                entity = "area" if "area" in claims and previous in AREA_MARKERS else \
                    min(claims, key=PRIORITY.__getitem__)
                start, end = words[i][1], words[i + n - 1][2]
                mentions.append(Mention(entity, claims[entity] or text[start:end], start, end))
                i += n
                break
            else:
                i += 1
        mentions = [self._named_after_kind(text, words, m) for m in mentions]
        mentions = [m for m in mentions if not _kind_of_unknown_name(text, words, m, mentions)]
        mentions = _whole_procedures(text, words, mentions)
        if any(m.entity == "category" for m in mentions):
            # "Hạ Long có đền nào": with a kind of site asked for, a name that is also an area is that area (a
            # site holds no other sites).
            mentions = [self._as_area(text, m) if m.entity == "place" else m for m in mentions]
        return mentions

    def _as_area(self, text: str, mention: Mention) -> Mention:
        """The mention as the area of the same name, if there is one."""
        area = self.names.get(fold(text[mention.start:mention.end]), {})
        if "area" not in area:
            return mention
        return Mention("area", area["area"] or mention.value, mention.start, mention.end)

    def _spelling_agrees(self, key: str, typed: str) -> bool:
        """Where the user typed diacritics, they are those of a known spelling of the name ("canh chua cá" is not
        "chùa Cả"); words typed without them match any spelling."""
        spellings = self.spellings.get(key)
        if not spellings or not has_vietnamese_diacritics(typed):
            return True
        said = _WORD.findall(nfc(typed).lower())
        comparable = [_WORD.findall(spelling) for spelling in spellings]
        comparable = [words for words in comparable if len(words) == len(said)]
        if not comparable:  # an abbreviation ("QN") spans other words: nothing to compare
            return True
        return any(all(not has_vietnamese_diacritics(s) or s == w for s, w in zip(said, words)) for words in comparable)

    def _named_after_kind(self, text: str, words: list[tuple[str, int, int]], mention: Mention) -> Mention:
        """A kind word followed by a name no site has exactly ("đền Trần"): a place mention with the words
        said, when those words are close to site names; the bot then asks which site is meant."""
        if mention.entity != "category" or self.places is None:
            return mention
        start = _first_word(words, mention.start)
        end = start + 1
        while end < len(words) and end - start <= 4 and words[end][0] not in QUESTION_WORDS:
            end += 1
        if end == start + 1 or fold(text[mention.start:mention.end]) not in KIND_WORDS:
            return mention
        span_end = words[end - 1][2]
        said = text[mention.start:span_end]
        found = self.places.resolve(said)
        if found.place is None and not found.candidates:
            return mention
        kind_typed = text[mention.start:mention.end]
        after = {w for w, _, _ in words[start + 1:end]}
        said_of = found.candidates or ([found.place] if found.place is not None else [])
        names = [set(fold(p.name).split()) for p in said_of]
        if found.place is None or (kind_typed.isascii() and fold(kind_typed) in AMBIGUOUS_KIND_WORDS):
            # Only near names ("đền Trần": several temples), or a kind word that is also an everyday word typed
            # without diacritics ("den" is also "đến", to): the words after it must all be words of a candidate's
            # name ("đền Trần", "den Tran": yes; "museum visit", "den tan may gio": no).
            if not any(after <= name for name in names):
                return mention
        elif not any(_near_word(words[start + 1][0], name) for name in names):
            return mention  # "đền linh" (a sacred temple) is not "Đền An Sinh"; "đền Cửa Ôn" is "Đền Cửa Ông"
        return Mention("place", found.place.id if found.place else said, mention.start, span_end)


_WORD = re.compile(r"\w+")
_ABBREVIATION = re.compile(r"[b-df-hj-np-tv-xz]{3,}")


def _near_word(word: str, name: set[str]) -> bool:
    """A word of the name, or one typed with one slip that keeps its first letter ("ôn" for "ông")."""
    return word in name or any(w[:1] == word[:1] and Levenshtein.distance(w, word) <= 1 for w in name)


def _kind_of_unknown_name(text: str, words: list[tuple[str, int, int]], mention: Mention,
                          mentions: list[Mention]) -> bool:
    """A kind word that is part of the proper name of a site the knowledge base does not know ("chùa Một Cột",
    "the Temple of Literature", "Bai Dinh Pagoda"): no kind of site is asked for. Known by capitals: a
    capitalised word right after the kind word that begins no known name, or a capitalised kind word inside a
    sentence with a capitalised word before it or "of" and a capitalised word after it."""
    if mention.entity != "category" or fold(text[mention.start:mention.end]) == "den tho":
        return False  # "đền thờ Trần Hưng Đạo": temples where he is worshipped
    at = _first_word(words, mention.start)
    if at and (words[at - 1][0] in KIND_CUES or words[at - 1][0] in QUANTIFIERS):
        return False  # "các đền Trần ...", "những chùa Phật giáo": kinds asked for
    last = _last_word(words, mention.end)
    known_starts = {m.start for m in mentions if m is not mention}
    nxt = words[last + 1] if last + 1 < len(words) else None
    if nxt is not None and _capitalised(text, nxt[1]) and nxt[1] not in known_starts and \
            " ".join(w for w, _, _ in words[last + 1:last + 3]) not in PROVINCE_NAMES and nxt[0] not in PROVINCE_NAMES:
        return True
    if at == 0 or not _capitalised(text, mention.start):
        return False
    before_capitalised = at > 1 and _capitalised(text, words[at - 1][1]) and words[at - 1][1] not in known_starts \
        and words[at - 1][0] not in PROVINCE_NAMES  # the first word of a sentence takes a capital anyway
    of_name = nxt is not None and nxt[0] == "of" and last + 2 < len(words) and _capitalised(text, words[last + 2][1])
    return before_capitalised or of_name


def _capitalised(text: str, start: int) -> bool:
    """A name typed with a capital ("một Bài Thơ") is meant as a name."""
    return text[start:start + 1].isupper()


def says_procedure(phrase: str) -> bool:
    """Words that name a paper or record of the state, or an act done to something (PROCEDURE_PAPERS,
    PROCEDURE_ACTS; abbreviations read in full: "rút bhxh" is "rút bảo hiểm xã hội")."""
    words = _forms(phrase)[-1].split()
    if len(words) < 2:
        return " ".join(words) in PROCEDURE_PAPERS  # "passport", "vneid"; not "transfer", "children"
    said = {" ".join(words[k:k + n]) for n in (1, 2, 3, 4) for k in range(len(words) - n + 1)}
    return bool(said & PROCEDURE_PAPERS) or any(len(act.split()) < len(words) for act in said & PROCEDURE_ACTS)


@lru_cache(maxsize=32768)
def _forms(name: str) -> tuple[str, ...]:
    """The keys a name is known by: folded, canonical, and with procedure abbreviations read in full (last)."""
    folded = fold(name)
    return tuple(dict.fromkeys((folded, expand_teencode(folded), read_in_full(folded))))


def _expanded(text: str) -> str:
    """canonical(), with the abbreviations of procedure names read in full ("gpxd": "giay phep xay dung")."""
    return read_in_full(fold(text))


def _whole_procedures(text: str, words: list[tuple[str, int, int]], mentions: list[Mention]) -> list[Mention]:
    """Procedure mentions as the whole act asked about: an act said just before is part of it ("cấp lại | thẻ bhyt",
    "xin | giấy phép xây dựng": one mention, as retrieval needs the act to tell "cấp lại" from "cấp đổi"), and a
    paper named as what another procedure needs is not a procedure asked about ("đăng ký kết hôn cần giấy xác nhận
    độc thân không": the marriage only)."""
    merged: list[Mention] = []
    acted: set[int] = set()  # where mentions start that an everyday verb of getting came before ("get a | passport")
    needed_end = -1  # where the latest paper said as needed ends: one just after it is needed too ("bản sao cccd")
    for mention in mentions:
        if mention.entity in ("procedure", OBJECT):
            at = _first_word(words, mention.start)
            if _by_vehicle(words, at):
                continue
            own = at  # before English determiners: "transfer | a | red book"
            while own > 0 and at - own < 3 and (words[own - 1][0] in DETERMINERS and text[
                    words[own - 1][1]:words[own - 1][2]].isascii() or mention.entity == OBJECT and
                    words[own - 1][0] in OBJECT_ADJECTIVES):
                own -= 1
            before = [w for w, _, _ in words[max(0, own - 2):own]]
            act = next((n for n in (2, 1) if len(before) >= n and " ".join(before[-n:]) in LEADING_ACTS), 0)
            if mention.entity == OBJECT:
                if not act or (merged and merged[-1].end > words[own - act][1]):
                    continue  # "đi xe máy", "car rental": no procedure
                mention = Mention("procedure", text[mention.start:mention.end], mention.start, mention.end)
            previous = merged[-1] if merged else None
            if previous is not None and previous.entity == "procedure" and \
                    not text[previous.end:mention.start].strip():
                merged[-1] = Mention("procedure", text[previous.start:mention.end], previous.start, mention.end)
                continue
            right_after_needed = needed_end >= 0 and not text[needed_end:mention.start].strip()
            if any(m.entity == "procedure" for m in merged) and (set(before) & NEEDED_WORDS or right_after_needed):
                needed_end = mention.end
                continue
            start, end = mention.start, mention.end
            if act and (previous is None or previous.end <= words[own - act][1]):
                start = words[own - act][1]
            after = next((i for i, (_, s, _) in enumerate(words) if s >= end), None)
            if after is not None and words[after][0] in TRAILING_ACTS and not text[end:words[after][1]].strip():
                end = words[after][2]  # "land title | transfer", "signature | certified"
            named_from = _after_everyday_act(text, words, start, end)
            if named_from != start or any(" ".join(before[-n:]) in EVERYDAY_ACTS for n in (1, 2)):
                start = named_from  # "get a | passport", "xin | lý lịch tư pháp": asked for
                acted.add(start)
            if (start, end) != (mention.start, mention.end):
                named = mention.value != text[mention.start:mention.end]  # a known procedure's id: kept
                mention = Mention("procedure", mention.value if named else text[start:end], start, end)
        merged.append(mention)
    procedures = [m for m in merged if m.entity == "procedure"]
    if len(procedures) < 2:
        return merged
    # One procedure is asked about; others are papers it needs or circumstances ("passport photos for the criminal
    # record certificate", "thường trú ở Mạo Khê, xin lý lịch tư pháp"): the first said with an act, else the first.
    asked = next((m for m in procedures if m.start in acted or _opens_with_act(text, m)), procedures[0])
    return [m for m in merged if m.entity != "procedure" or m is asked]


def _by_vehicle(words: list[tuple[str, int, int]], at: int) -> bool:
    """"bằng xe máy" after a verb of going, with no act on a licence just before: how someone travels."""
    if words[at][0] != "bang" or (at and words[at - 1][0] in LICENCE_ACTS) or \
            at + 1 < len(words) and words[at + 1][0] == "lai":
        return False  # "thi bằng xe máy", "đi đổi bằng lái": a licence
    return any(w in TRAVEL_VERBS for w, _, _ in words[:at])


def _after_everyday_act(text: str, words: list[tuple[str, int, int]], start: int, end: int) -> int:
    """Where a procedure mention starts without an everyday verb of getting it and the English determiners after
    that verb ("get a | red book", "lm | sổ đỏ"): the name is what is left, if anything is."""
    at, last = _first_word(words, start), _last_word(words, end)
    if " ".join(w for w, _, _ in words[at:at + 2]) in LEADING_ACTS:
        return start  # "làm lại | thẻ bhyt": a reissue, not a getting
    for n in (2, 1):
        said = " ".join(w for w, _, _ in words[at:at + n])
        if at + n <= last and said in EVERYDAY_ACTS:
            rest = at + n
            while rest < last and words[rest][0] in DETERMINERS and text[words[rest][1]:words[rest][2]].isascii():
                rest += 1
            return words[rest][1]
    return start


def _opens_with_act(text: str, mention: Mention) -> bool:
    said = _expanded(text[mention.start:mention.end]).split()
    return any(" ".join(said[:n]) in LEADING_ACTS for n in (1, 2))


def _first_word(words: list[tuple[str, int, int]], start: int) -> int:
    """The index of the word a mention starts at."""
    return next(i for i, (_, s, _) in enumerate(words) if s == start)


def _last_word(words: list[tuple[str, int, int]], end: int) -> int:
    """The index of a mention's last word."""
    return max(i for i, (_, s, _) in enumerate(words) if s < end)


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def build_gazetteer(index: PlaceIndex, procedures: list[tuple[str, list[str], list[str]]],
                    vocabulary: Iterable[str] = ()) -> Gazetteer:
    """`procedures`: (id, names and aliases, keywords). Keywords ("giấy phép lái xe") say a procedure is
    meant but not which: they are tagged with the words said, and retrieval picks the procedure. `vocabulary`:
    the phrases of knowledge/procedure_terms.yml (official words and what people say for them), tagged the same
    way, where they name nothing else."""
    gazetteer = Gazetteer(places=index)
    for folded, written in index.spellings.items():
        gazetteer.spellings[folded].update(nfc(w).lower() for w in written if has_vietnamese_diacritics(w))
    for folded, site_ids in index.exact.items():
        if len(site_ids) == 1:
            gazetteer.add("place", folded, next(iter(site_ids)))
        else:  # "đền Trần" names several sites: tag it with the words said, and the bot asks which
            for site_id in sorted(site_ids):
                gazetteer.add("place", folded, site_id)
    for folded_area, area in index.area_names.items():
        gazetteer.add("area", folded_area, area)
    for town_said, town in PROVINCE_AREAS.items():
        if not any("area" in gazetteer.names.get(key, {}) for key in {fold(town_said), canonical(town_said)}):
            gazetteer.add("area", town_said, index.area_names.get(fold(town), town))
    for kind, forms in CATEGORY_SYNONYMS.items():
        for form in (kind, *forms):
            gazetteer.add("category", form, kind)
    for procedure_id, names, keywords in procedures:
        for name in names:
            gazetteer.add("procedure", name, procedure_id)
        for keyword in keywords:
            if says_procedure(keyword):  # "giấy khai sinh"; not "xe máy", "homestay" (said of trips as well)
                gazetteer.add("procedure", keyword, None)
    for phrase in vocabulary:
        gazetteer.add_vocabulary(phrase)
    for thing in PROCEDURE_OBJECTS:
        if not any(gazetteer.names.get(key) for key in _forms(thing)):
            gazetteer.add(OBJECT, thing, None)
    return gazetteer
