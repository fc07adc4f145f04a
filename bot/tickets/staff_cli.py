"""Staff commands about bookings' personal data (filled in by issue 18's work)."""
from __future__ import annotations

from typing import Any

from bot.settings import Settings


def register_commands(commands: Any, settings: Settings) -> None:
    """No commands yet."""
