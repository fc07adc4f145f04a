"""Keep personal data out of logs: identifiers are logged as short, stable, non-reversible tags."""
from __future__ import annotations

import hashlib


def pseudonym(value: str | None) -> str:
    """A short tag for a user id, phone number or name, for logs only (same input, same tag)."""
    if not value:
        return "-"
    return "u-" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]
