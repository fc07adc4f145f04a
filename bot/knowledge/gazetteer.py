"""Every name the knowledge base knows, as (entity, folded words, canonical value), for finding entities in
text without a trained model: a site added by staff is recognised from the next load on."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from bot.knowledge.places import CATEGORY_SYNONYMS, KIND_WORDS, PlaceIndex
from bot.text import canonical, fold, has_vietnamese_diacritics, nfc

# When two entity kinds claim the same words, the more specific wins ("Cửa Ông": the temple, not the ward).
PRIORITY = {"place": 0, "procedure": 1, "area": 2, "category": 3}
# Words that end a name after a kind word ("đền Trần ở đâu": the name is "Trần").
QUESTION_WORDS = {"o", "dau", "nao", "gi", "co", "khong", "may", "gio", "ve", "bao", "nhieu", "the", "thu", "mo",
                  "dong", "cua", "la", "di", "den", "tai", "vay", "nhe", "a", "where", "what", "when", "how",
                  "is", "open", "ticket", "price", "thi", "nam", "duoc", "cach", "xa", "gan", "voi", "va"}
# Words before a name that make it a place in the administrative sense ("ở Hạ Long", "phường Yên Tử").
AREA_MARKERS = {"phuong", "xa", "khu", "thi", "pho", "huyen", "tp", "tx", "o", "tai", "quanh", "gan", "in",
                "near", "around", "vung"}


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
    # How one-word names are spelt with diacritics: folding makes "đến" (to go) and "đền" (temple) one word,
    # so a word the user typed with diacritics must match one of these spellings.
    spellings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    longest: int = 1
    places: PlaceIndex | None = None  # for names said after a kind word that match no name exactly
    version: int | None = None  # the knowledge version the names were read from

    def add(self, entity: str, name: str, value: str | None) -> None:
        """`value` None: the words are a mention of that kind of thing, but not of one known record."""
        for key in {fold(name), canonical(name)}:
            if not key or (entity in ("place", "procedure") and " " not in key and len(key) < 6):
                continue  # one short word ("dong", "thai") is an ordinary word far more often than a name
            if " " not in key and has_vietnamese_diacritics(name):
                self.spellings[key].add(nfc(name).lower())
            known = self.names[key]
            known[entity] = value if known.get(entity, value) == value else None
            self.longest = max(self.longest, len(key.split()))

    def find(self, text: str) -> list[Mention]:
        """Longest non-overlapping known names in `text`, aligned to its words."""
        words = []  # (folded word, start, end); an abbreviation may expand to several words on one span
        for word, start, end in _words(text):
            for part in canonical(word).split() or [fold(word)]:
                words.append((part, start, end))
        mentions, i = [], 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = " ".join(w for w, _, _ in words[i:i + n])
                claims = self.names.get(key)
                if not claims:
                    continue
                typed = text[words[i][1]:words[i][2]]
                if n == 1 and key in self.spellings and has_vietnamese_diacritics(typed) \
                        and nfc(typed).lower() not in self.spellings[key]:
                    continue
                previous = words[i - 1][0] if i else ""
                entity = "area" if "area" in claims and previous in AREA_MARKERS else \
                    min(claims, key=PRIORITY.__getitem__)
                start, end = words[i][1], words[i + n - 1][2]
                mentions.append(Mention(entity, claims[entity] or text[start:end], start, end))
                i += n
                break
            else:
                i += 1
        return [self._named_after_kind(text, words, m) for m in mentions]

    def _named_after_kind(self, text: str, words: list[tuple[str, int, int]], mention: Mention) -> Mention:
        """A kind word followed by a name no site has exactly ("đền Trần"): a place mention with the words
        said, when those words are close to site names; the bot then asks which site is meant."""
        if mention.entity != "category" or self.places is None:
            return mention
        start = next(i for i, (_, s, _) in enumerate(words) if s == mention.start)
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
        return Mention("place", found.place.id if found.place else said, mention.start, span_end)


def _words(text: str) -> list[tuple[str, int, int]]:
    import re

    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+", text)]


def build_gazetteer(index: PlaceIndex, procedures: list[tuple[str, list[str], list[str]]]) -> Gazetteer:
    """`procedures`: (id, names and aliases, keywords). Keywords ("giấy phép lái xe") say a procedure is
    meant but not which: they are tagged with the words said, and retrieval picks the procedure."""
    gazetteer = Gazetteer(places=index)
    for folded, site_ids in index.exact.items():
        if len(site_ids) == 1:
            gazetteer.add("place", folded, next(iter(site_ids)))
        else:  # "đền Trần" names several sites: tag it with the words said, and the bot asks which
            for site_id in sorted(site_ids):
                gazetteer.add("place", folded, site_id)
    for folded_area, area in index.area_names.items():
        gazetteer.add("area", folded_area, area)
    for kind, forms in CATEGORY_SYNONYMS.items():
        for form in (kind, *forms):
            gazetteer.add("category", form, kind)
    for procedure_id, names, keywords in procedures:
        for name in names:
            gazetteer.add("procedure", name, procedure_id)
        for keyword in keywords:
            gazetteer.add("procedure", keyword, None)
    return gazetteer
