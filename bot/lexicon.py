"""Vietnamese and English words the bot's rules rely on, in one place (folded: lowercase, no diacritics).

Rules that read names in text (bot/knowledge/gazetteer.py, bot/knowledge/places.py) take their words from here, so
a word added for one rule is seen by all of them.
"""
from __future__ import annotations

from bot.text import canonical

# The province itself: a question about "Quảng Ninh" or "QN" is about the whole province, never one site (the
# museum is "Bảo tàng Quảng Ninh", but "Quảng Ninh" alone is not the museum).
PROVINCE_NAMES = frozenset({"quang ninh", "tinh quang ninh", "qn", "quangninh"})

# Words before a name that make it an ordinary phrase, not a proper name: "một bài thơ" is a poem, "Bài Thơ" the
# mountain; proper names take no quantifier.
QUANTIFIERS = frozenset({"mot", "hai", "ba", "vai", "may", "nhung", "cac", "moi", "tung", "bai", "a", "an", "some",
                         "any"})

# Two-syllable words that contain a kind word without meaning that kind: "gia đình" (family), "triều đình"
# (court), "đền bù" (compensation), "chữa bệnh" (healing, folds like "chùa"), "miếu mạo".
NOT_A_KIND = frozenset({"gia dinh", "trieu dinh", "dinh chi", "dinh cong", "dinh tre", "den bu", "den on",
                        "den dap", "chua benh", "chua chay", "chua tri", "sua chua", "chua tung", "chua co",
                        "chua biet", "chua duoc", "chua ro", "chua can", "chua muon", "chua xong", "chua dat",
                        "chua nhan", "chua thay", "chua lam", "chua di", "chua hieu", "can chua", "roi chua",
                        "mieu mao", "mieu ta", "den noi", "di den", "den day",
                        "den do", "toi den", "den luc", "den khi", "den gio", "den nay", "den duoc", "sao den",
                        "chua nhi", "xong chua", "duoc chua", "dat chua"})

# Kind words that, typed without diacritics, are also everyday words: "den" is "đền" (temple) or "đến" (to,
# until), "chua" "chùa" (pagoda) or "chưa" (not yet), "dinh" "đình" or "định" (intend). Typed so, they only
# name a site as part of a whole known name, never as "<kind> + some words" guessed at.
AMBIGUOUS_KIND_WORDS = frozenset({"den", "chua", "dinh", "mieu"})

# "Near here" said without a place: the bot needs the visitor's own location to answer.
NEAR_ME = ("gan day", "gan toi", "gan minh", "gan em", "quanh day", "xung quanh day", "gan cho toi", "o gan",
           "near me", "nearby", "near here", "close to me", "close by", "close to my location", "around me",
           "around here", "near my location", "closest", "nearest", "gan nhat")


def says_near_me(text: str) -> bool:
    """"gần đây", "near me", "quanh đây": the visitor's own surroundings, not a named area."""
    words = f" {canonical(text)} "
    return any(f" {phrase} " in words for phrase in NEAR_ME)
