"""Booking codes people can read out and type: no 0/O, no 1/I."""
from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 6  # 32^6 ≈ 1.07e9 codes
CODE_PATTERN = re.compile(rf"^[{ALPHABET}]{{6,8}}$")


def new_booking_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """A code as typed ("qn8k2p ", "QN8-K2P") in its canonical form, or None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned if CODE_PATTERN.match(cleaned) else None
