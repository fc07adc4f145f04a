"""Staff commands of the insight page (filled in by issue 19's work)."""
from __future__ import annotations

from typing import Any

from bot.settings import Settings


def register_commands(commands: Any, settings: Settings) -> None:
    """No commands yet."""
