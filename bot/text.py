"""Vietnamese text normalisation: the one place where text is folded for comparison.

Every comparison of user text with knowledge (names, aliases) and every NLU feature goes through
`fold()`, so that "Đền Cửa Ông", "den cua ong" and "ĐỀN CỬA ÔNG" compare equal.
"""
from __future__ import annotations

import re
import unicodedata

# Abbreviations and teencode seen in Vietnamese chat, mapped to their folded (diacritic-free) expansion.
# Keys and values are folded text. Only forms that are unambiguous in chat belong here: "k" and "ko" mean
# "không", but "hong" (Hồng Gai), "bt" (biết / bình thường) or "t" (tôi / tao) are left alone.
TEENCODE: dict[str, str] = {
    # negation and question words
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "hok": "khong", "hem": "khong",
    "j": "gi", "gj": "gi", "z": "vay", "v": "vay", "zay": "vay", "ntn": "nhu the nao",
    "bn": "bao nhieu", "bnh": "bao nhieu", "bnhieu": "bao nhieu", "nhiu": "nhieu", "nhieuu": "nhieu",
    # common verbs and words
    "dc": "duoc", "dk": "dang ky", "dky": "dang ky", "r": "roi", "ms": "moi", "vs": "voi",
    "mn": "moi nguoi", "ng": "nguoi", "mik": "minh", "mk": "minh", "mjk": "minh", "ik": "di",
    "wa": "qua", "thui": "thoi", "hum": "hom", "hnay": "hom nay", "hqua": "hom qua", "bik": "biet",
    # thanks and agreement
    "cmon": "cam on", "camon": "cam on", "tks": "thanks", "thks": "thanks", "thx": "thanks",
    "oke": "ok", "okie": "ok", "okela": "ok", "oki": "ok", "okey": "ok",
    "uk": "uh", "uhm": "uh", "um": "uh", "ukm": "uh",
    # acronyms of the domain
    "sdt": "so dien thoai", "qn": "quang ninh", "btqn": "bao tang quang ninh",
    "cccd": "can cuoc cong dan", "gplx": "giay phep lai xe", "bhyt": "bao hiem y te",
    "lltp": "ly lich tu phap", "tthc": "thu tuc hanh chinh", "dvc": "dich vu cong",
    "ubnd": "uy ban nhan dan", "ad": "admin",
}

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Unicode NFC: input from phones and old keyboards may arrive decomposed (NFD) or in mixed forms."""
    return unicodedata.normalize("NFC", text)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: "Đền Cửa Ông" -> "Den Cua Ong"."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Lowercase, diacritic-free, punctuation-free, single-spaced form used for every comparison."""
    folded = strip_diacritics(nfc(text)).lower()
    return " ".join(_WORD_RE.findall(folded.replace("_", " ")))


def expand_teencode(folded: str) -> str:
    """Expand chat abbreviations in already folded text, word by word ("dk tam tru ko" -> "dang ky tam tru khong")."""
    return " ".join(TEENCODE.get(word, word) for word in folded.split())


def canonical(text: str) -> str:
    """fold() followed by teencode expansion: the form NLU features and fuzzy matching are computed on."""
    return expand_teencode(fold(text))


# The five tone marks (acute, grave, hook above, tilde, dot below) as NFD writes them.
_TONE_MARKS = frozenset("\u0301\u0300\u0309\u0303\u0323")
# Words a message needs before its lack of any tone mark tells how it was typed.
TONELESS_MIN_WORDS = 4


def without_toneless_marks(text: str) -> str:
    """A message typed with the letters' shapes (â, ơ, ư, đ) but not one tone mark ("gplx xe may bi mât, lm lai", "muôn
    câp sô theo diên tich mơi"): a keyboard that drops tones, whose "mât" is neither "mất" as names write it nor "mat"
    as bare typing folds it. Read as typed without diacritics, as its writer meant it; any other text as it is. Real
    Vietnamese of four words or more always carries some tone mark."""
    decomposed = unicodedata.normalize("NFD", text)
    if (any(ch in _TONE_MARKS for ch in decomposed) or strip_diacritics(text) == text
            or len(_WORD_RE.findall(text)) < TONELESS_MIN_WORDS):
        return text
    return strip_diacritics(text)


def has_vietnamese_diacritics(text: str) -> bool:
    """True if the text carries at least one Vietnamese-specific letter or tone mark."""
    return strip_diacritics(text) != text


def clean_user_text(text: str, max_chars: int = 1000) -> str:
    """NFC, control characters removed, whitespace collapsed, and cut to max_chars (a 10,000-character
    paste must not cost the NLU pipeline seconds)."""
    text = nfc(text)
    text = "".join(ch if (ch.isprintable() or ch in "\n\t") else " " for ch in text)
    text = _SPACE_RE.sub(" ", text).strip()
    return text[:max_chars]


def split_for_chat(text: str, limit: int = 3500) -> list[str]:
    """Cut a long answer into messages under `limit` characters, at paragraph, then line, then word breaks
    (Telegram refuses messages over 4,096 characters; shorter pieces also read better on a phone)."""
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:
            cut = paragraph.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current:
        pieces.append(current)
    return pieces
