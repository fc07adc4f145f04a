"""The e-ticket's QR content: the booking code and an HMAC of it with a server secret, so a gate can check
a ticket offline and nobody can make one up. Format: QNT1.<code>.<signature>."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "QNT1"


def _signature(code: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{PREFIX}.{code}".encode(), hashlib.sha256).digest()[:15]
    return base64.b32encode(digest).decode().rstrip("=")


def sign_ticket(code: str, secret: str) -> str:
    return f"{PREFIX}.{code}.{_signature(code, secret)}"


@dataclass(frozen=True)
class TicketCheck:
    code: str | None
    problem: str | None = None  # 'format' or 'signature' when the payload is not genuine


def check_ticket(payload: str, secret: str) -> TicketCheck:
    parts = (payload or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1]:
        return TicketCheck(None, "format")
    if not hmac.compare_digest(parts[2], _signature(parts[1], secret)):
        return TicketCheck(None, "signature")
    return TicketCheck(parts[1])
