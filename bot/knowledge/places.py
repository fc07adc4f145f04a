"""Finding heritage sites by what users type: accent-insensitive, typo-tolerant, with ambiguity reported.

Names come from the knowledge base (name, aliases, English name), so a site added by staff is found at
once, without retraining the NLU model.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.lexicon import PROVINCE_NAMES
from bot.text import canonical, fold

# Kind words: users add or drop them freely ("đền Cửa Ông", "Cửa Ông", "Cua Ong temple").
KIND_WORDS = {"den", "chua", "dinh", "mieu", "nha tho", "khu di tich", "di tich", "bao tang", "temple",
              "pagoda", "communal house", "museum", "shrine", "church", "site", "relic", "khu", "thien vien"}
# Words that say nothing about which site is meant.
NOISE_WORDS = KIND_WORDS | {"o", "dau", "the", "of", "in", "a", "va", "cua", "tai", "quang", "ninh", "tinh"}

CATEGORY_SYNONYMS = {
    "chùa": ("chua", "pagoda", "pagodas", "chua chien", "ngoi chua"),
    "đền": ("den", "temple", "temples", "den tho"),
    "đình": ("dinh", "dinh lang", "communal house", "communal houses"),
    "miếu": ("mieu", "shrine", "shrines"),
    "nhà thờ": ("nha tho", "church", "churches"),
    "di tích lịch sử": ("di tich lich su", "historic site", "historic sites", "historical sites",
                        "relic", "relics", "relic sites", "di tich lich su van hoa", "di tich ls", "dt lich su",
                        "dt ls"),
    "di tích khảo cổ": ("di tich khao co", "khao co", "archaeological site", "archaeological sites"),
    "danh thắng": ("danh thang", "danh lam thang canh", "canh dep", "scenic spot", "scenic spots", "landscape",
                   "natural sites", "thang canh"),
    "bảo tàng": ("bao tang", "museum", "museums"),
    "khu di tích": ("khu di tich", "complex", "relic complex"),
}
_CATEGORY_BY_FOLDED = {form: kind for kind, forms in CATEGORY_SYNONYMS.items() for form in forms}

RESOLVED_SCORE = 85
CANDIDATE_SCORE = 55
CLEAR_MARGIN = 8


@dataclass(frozen=True)
class PlaceRef:
    """Enough of a site to list it or offer it as a button."""

    id: str
    name: str
    name_en: str | None
    kind: str
    former_area: str
    commune: str | None
    lat: float | None
    lon: float | None


@dataclass
class PlaceMatch:
    """The site a text names (`place`), or the candidates when it is unclear (`candidates`)."""

    place: PlaceRef | None = None
    score: float = 0.0
    candidates: list[PlaceRef] = field(default_factory=list)


def name_similarity(query: str, name: str, **_: object) -> float:
    """0-100: a typo of the whole name (ratio) or a shorter form of it, its words all in the name
    (token-set ratio). Not partial alignment: that finds "tháp Eiffel" in "đền Tháp Cửu Tiên Công"."""
    return max(fuzz.ratio(query, name), fuzz.token_set_ratio(query, name))


def strip_kind(folded: str) -> str:
    words = folded.split()
    while words and (words[0] in KIND_WORDS or " ".join(words[:2]) in KIND_WORDS):
        words = words[2:] if " ".join(words[:2]) in KIND_WORDS else words[1:]
    while words and words[-1] in KIND_WORDS:
        words = words[:-1]
    return " ".join(words)


def category_of(text: str) -> str | None:
    """The canonical kind ("chùa", "đền", ...) a user's word stands for, or None."""
    folded = fold(text)
    return _CATEGORY_BY_FOLDED.get(folded) or _CATEGORY_BY_FOLDED.get(folded.rstrip("s"))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


class PlaceIndex:
    """Every name of every site, folded, with a word index for fast candidate selection."""

    def __init__(self, places: list[PlaceRef], names: list[tuple[str, str]],
                 spelt: dict[str, str] | None = None):
        """`names`: (site id, folded name); `spelt`: folded name -> the name as written (with diacritics)."""
        self.places = {p.id: p for p in places}
        self.names: list[str] = []
        self.owners: list[str] = []
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.by_word: dict[str, set[int]] = defaultdict(set)
        # How each exact form is written, so that diacritics the user typed can be checked against it.
        self.spellings: dict[str, set[str]] = defaultdict(set)
        for site_id, folded in names:
            stripped = strip_kind(folded)
            written = (spelt or {}).get(folded)
            if written:
                self.spellings[folded].add(written)
                if stripped and stripped != folded:  # the written name without its kind words: its last words
                    self.spellings[stripped].add(" ".join(written.split()[-len(stripped.split()):]))
            # "den cua ong" is also "cua ong", but "chua dong" is not "dong": one word alone is too common.
            for form in {folded, stripped if len(stripped.split()) > 1 else ""}:
                if not form or (form == stripped != folded and form in PROVINCE_NAMES):
                    continue  # "Bảo tàng Quảng Ninh" without its kind word is the province, not the museum
                self.exact[form].add(site_id)
                index = len(self.names)
                self.names.append(form)
                self.owners.append(site_id)
                for word in form.split():
                    if word not in NOISE_WORDS:
                        self.by_word[word].add(index)
        areas: dict[str, set[str]] = defaultdict(set)
        for place in places:
            for area in (place.former_area, place.commune):
                if area:
                    areas[fold(area)].add(area)
        self.area_names = {folded: sorted(originals)[0] for folded, originals in areas.items()}

    def resolve(self, text: str, whole_message: bool = False) -> PlaceMatch:
        """The site `text` names. An entity value is matched fuzzily; a whole message only by a name it
        contains word for word (fuzzy matching a whole sentence finds sites in ordinary words)."""
        forms = list(dict.fromkeys(f for f in (fold(text), canonical(text)) if f))
        if not forms:
            return PlaceMatch()
        for form in forms:
            match = self._exact(form) or self._contained(form)
            if match:
                return match
        if whole_message:
            return self._after_kind_word(forms[0])
        if not any(strip_kind(form) for form in forms):
            return PlaceMatch()  # a bare kind ("chùa") is a category, not a place
        return self._fuzzy(forms[0])

    def _exact(self, form: str) -> PlaceMatch | None:
        for key in (form, strip_kind(form)):
            owners = self.exact.get(key)
            if owners:
                return self._decide(sorted(owners), 100.0)
        return None

    def _contained(self, form: str) -> PlaceMatch | None:
        """Names that occur word for word in the text; the longest wins ("Yên Tử mở cửa mấy giờ")."""
        padded = f" {form} "
        indices = set().union(*(self.by_word.get(w, set()) for w in form.split()))
        found = [(len(self.names[i]), self.owners[i]) for i in indices
                 if len(self.names[i]) >= 4 and f" {self.names[i]} " in padded]
        if not found:
            return None
        longest = max(length for length, _ in found)
        return self._decide(sorted({owner for length, owner in found if length == longest}), 100.0)

    def _after_kind_word(self, folded: str) -> PlaceMatch:
        """People name a site as "<kind> <name>" ("giới thiệu đền Trần"): match the words after a kind word
        fuzzily, as an entity value would be."""
        words = folded.split()
        for i, word in enumerate(words):
            if word in KIND_WORDS and i + 1 < len(words):
                match = self._fuzzy(" ".join(words[i:i + 5]))
                if match.place or match.candidates:
                    return match
        return PlaceMatch()

    def _decide(self, owners: list[str], score: float) -> PlaceMatch:
        if len(owners) == 1:
            return PlaceMatch(self.places[owners[0]], score)
        return PlaceMatch(score=score, candidates=[self.places[o] for o in owners[:3]])

    def _fuzzy(self, folded: str) -> PlaceMatch:
        indices = set().union(*(self.by_word.get(w, set()) for w in folded.split() if w not in NOISE_WORDS))
        if indices:
            ordered = sorted(indices)
            scored = process.extract(folded, [self.names[i] for i in ordered], scorer=name_similarity,
                                     limit=None, score_cutoff=CANDIDATE_SCORE)
            hits = [(ordered[position], score) for _, score, position in scored]
        else:  # a typo in every word: compare with every name
            scored = process.extract(folded, self.names, scorer=fuzz.ratio, limit=20, score_cutoff=CANDIDATE_SCORE)
            hits = [(position, score) for _, score, position in scored]
        best: dict[str, float] = {}
        for index, score in hits:
            owner = self.owners[index]
            best[owner] = max(best.get(owner, 0.0), score)
        ranking = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        if not ranking:
            return PlaceMatch()
        top_id, top_score = ranking[0]
        runner_up = ranking[1][1] if len(ranking) > 1 else 0.0
        if top_score >= RESOLVED_SCORE and top_score - runner_up >= CLEAR_MARGIN:
            return PlaceMatch(self.places[top_id], top_score)
        return PlaceMatch(score=top_score, candidates=[self.places[site_id] for site_id, _ in ranking[:3]])

    def area(self, text: str) -> str | None:
        """The area name (former town/district or current commune) `text` stands for, or None."""
        folded = fold(text)
        if folded in self.area_names:
            return self.area_names[folded]
        found = process.extractOne(folded, list(self.area_names), scorer=fuzz.ratio, score_cutoff=85)
        return self.area_names[found[0]] if found else None

    def in_area(self, area: str | None, category: str | None) -> list[PlaceRef]:
        folded_area = fold(area) if area else None
        chosen = [p for p in self.places.values()
                  if (folded_area is None or folded_area in (fold(p.former_area), fold(p.commune or "")))
                  and (category is None or p.kind == category)]
        return sorted(chosen, key=lambda p: fold(p.name))

    def nearest(self, lat: float, lon: float, limit: int = 5, kind: str | None = None) -> list[tuple[PlaceRef, float]]:
        located = [(p, distance_km(lat, lon, p.lat, p.lon)) for p in self.places.values()
                   if p.lat is not None and p.lon is not None and (kind is None or p.kind == kind)]
        return sorted(located, key=lambda item: item[1])[:limit]
