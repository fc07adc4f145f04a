"""Traffic as people send it, for the serving benches: texts that never repeat, in conversations of realistic
length (about ten messages: a greeting sometimes, questions on one or two topics, a booking now and then, thanks).

The texts are the two held-out NLU sets (tests/nlu/heldout*, never trained on, 1,387 texts in four writing styles)
and variants of them made the way people vary a question (a polite opening or closing word, diacritics dropped,
first letter in another case), plus booking steps with generated dates, counts, names and phone numbers. One
`Traffic` never gives the same text twice, so an NLU cache keyed by the text cannot help; two `Traffic`s with the
same seed give the same texts in the same order, so two bots can be measured on identical traffic.
"""
from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIRS = (ROOT / "tests" / "nlu" / "heldout", ROOT / "tests" / "nlu" / "heldout_independent")
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

# Intents by the part of a visit they belong to; a conversation draws its questions from one or two topics.
TOPICS = {
    "heritage": ["ask_place_info", "ask_place_location", "ask_opening_hours", "find_places", "ask_ticket_price"],
    "procedures": ["ask_procedure", "ask_procedure_documents", "ask_procedure_fee", "ask_processing_time"],
    "museum": ["ask_ticket_price", "ask_opening_hours", "check_booking", "help"],
    "chat": ["bot_challenge", "help", "out_of_scope", "request_human", "affirm", "deny"],
}
OPENINGS = ["", "cho mình hỏi ", "bạn ơi ", "ad ơi ", "cho em hỏi ", "mình hỏi chút ", "xin hỏi ", "hello, "]
CLOSINGS = ["", " ạ", " nhé", " với", " vậy", " nha", "?", " ạ?", " được không"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hữu", "Thanh", "Quang", "Hồng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hương", "Khánh", "Lan", "Long", "Mai", "Nam", "Nga",
         "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
DAYS = ["thứ 7 tuần sau", "chủ nhật tuần sau", "thứ 6 tuần sau", "thu 7 tuan sau", "t7 tuần sau", "thứ Bảy tuần sau"]
SLOTS = ["08:00-10:00", "10:00-12:00", "14:00-16:00", "8h", "10h sáng", "2h chiều", "khung 10:00-12:00", "8 giờ"]
KINDS = ["người lớn", "nguoi lon", "trẻ em", "vé người lớn"]


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def heldout_by_intent() -> dict[str, list[str]]:
    """Every held-out text, by intent, without its entity annotations."""
    found: dict[str, list[str]] = {}
    for directory in HELDOUT_DIRS:
        for path in sorted(directory.glob("*/*.yml")):
            for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
                if "intent" not in block:
                    continue
                for row in block.get("examples", "").splitlines():
                    text = ANNOTATION.sub(r"\1", row.strip()[2:].strip()) if row.strip().startswith("- ") else ""
                    if text:
                        found.setdefault(block["intent"], []).append(text)
    return found


class Traffic:
    """Conversations whose texts never repeat (within one Traffic)."""

    def __init__(self, seed: int = 20):
        self.rng = random.Random(seed)
        self.seen: set[str] = set()
        self.texts = {intent: self._variants(texts) for intent, texts in heldout_by_intent().items()}

    def _variants(self, texts: list[str]) -> Iterator[str]:
        """The texts in a shuffled order, then again as variants, round after round, never one seen before."""
        rng = random.Random(self.rng.random())
        pool = list(texts)
        for round_ in range(1000):
            rng.shuffle(pool)
            for text in pool:
                candidate = text if round_ == 0 else self._vary(text, rng)
                if candidate not in self.seen:
                    yield candidate

    @staticmethod
    def _vary(text: str, rng: random.Random) -> str:
        body = text.rstrip("?!. ")
        if rng.random() < 0.3:
            body = strip_diacritics(body)
        if rng.random() < 0.3:
            body = body[:1].swapcase() + body[1:]
        return (rng.choice(OPENINGS) + body + rng.choice(CLOSINGS)).strip()

    def _fresh(self, make: object) -> str:
        for _ in range(1000):
            text = make() if callable(make) else next(make)  # type: ignore[call-overload]
            if text not in self.seen:
                self.seen.add(text)
                return text
        raise RuntimeError("no new text left")

    def say(self, intent: str) -> str:
        """A text of this intent nobody sent before."""
        return self._fresh(self.texts[intent])

    def _booking(self) -> list[str]:
        rng = self.rng
        count = f"{rng.randint(1, 9)} {rng.choice(KINDS)}"
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        return [
            self._fresh(lambda: f"{rng.choice(['đặt', 'dat', 'mình muốn đặt', 'cho mình đặt'])} {count} "
                                f"{rng.choice(DAYS)}{rng.choice(CLOSINGS)}".strip()),
            self._fresh(lambda: f"{rng.choice(OPENINGS)}{rng.choice(['', 'khung ', 'lúc ', 'chọn '])}"
                                f"{rng.choice(SLOTS)}{rng.choice(CLOSINGS)}".strip()),
            self._fresh(lambda: rng.choice(["", "tên mình là ", "tôi là ", "ten: "])
                        + (name if rng.random() < 0.7 else strip_diacritics(name).lower())
                        + rng.choice(["", f" {rng.randint(1, 99)}"])),
            self._fresh(lambda: "09" + "".join(str(rng.randint(0, 9)) for _ in range(8))),
            self.say("deny"),  # at the summary: no booking is made, nothing fills the museum's slots
        ]

    def conversation(self, length: int = 10) -> list[str]:
        """About `length` messages of one visitor."""
        rng = self.rng
        texts = [self.say("greet")] if rng.random() < 0.6 else []
        topics = rng.sample(["heritage", "procedures", "museum", "heritage", "procedures"], 2)
        if rng.random() < 0.25:
            texts += self._booking()
        while len(texts) < length - 1:
            intents = TOPICS[rng.choice(topics)] if rng.random() < 0.9 else TOPICS["chat"]
            texts.append(self.say(rng.choice(intents)))
        texts.append(self.say(rng.choice(["thank", "goodbye", "thank"])))
        return texts[:length] if len(texts) > length else texts

    def long_conversation(self, turns: int) -> list[str]:
        """One visitor who goes on and on: conversations one after another, in one conversation."""
        texts: list[str] = []
        while len(texts) < turns:
            texts += self.conversation()
        return texts[:turns]
