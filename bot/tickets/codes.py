"""Booking codes people can read out and type: no 0/O, no 1/I."""
from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 6  # 32^6 ≈ 1.07e9 codes
CODE_PATTERN = re.compile(rf"^(?=.*[{ALPHABET[:24]}])(?=.*[2-9])[{ALPHABET}]{{6,8}}$")


DIGITS = "23456789"


def new_booking_code() -> str:
    """Random, with at least one digit and one letter, so a code never looks like a word ("THUONG")
    and the NLU can find it in a sentence."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(c in DIGITS for c in code) and any(c not in DIGITS for c in code):
            return code


def normalise_code(text: str) -> str | None:
    """A code as typed ("qn8k2p ", "QN8-K2P") in its canonical form, or None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned if CODE_PATTERN.match(cleaned) else None
