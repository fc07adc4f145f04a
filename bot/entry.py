"""Entry points into the bot from the physical world: the payload a site's QR code carries."""
from __future__ import annotations

import re
from pathlib import Path

SITE_PAYLOAD_PREFIX = "site-"
# Intents given by bot.nlu.entry_points.EntryPointClassifier by rule, never learnt from examples.
ENTRY_POINT_INTENTS = ("open_site", "share_location")
# Intents only a button sends; nobody types them (none at present).
BUTTON_ONLY_INTENTS: tuple[str, ...] = ()
# Telegram deep-link payloads: 1-64 characters of A-Z, a-z, 0-9, _ and -.
TELEGRAM_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def site_payload(site_id: str) -> str:
    """The stable payload that opens the bot on a site (site ids never change once printed)."""
    payload = f"{SITE_PAYLOAD_PREFIX}{site_id}"
    if not TELEGRAM_PAYLOAD.match(payload):
        raise ValueError(f"site id {site_id!r} cannot be a Telegram deep-link payload")
    return payload


def telegram_deep_link(bot_username: str, site_id: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={site_payload(site_id)}"


def write_qr(content: str, directory: Path, stem: str) -> tuple[Path, Path]:
    """Write a printable QR code of `content` as PNG and SVG; returns both paths."""
    import segno  # imported here: only the staff command needs it

    directory.mkdir(parents=True, exist_ok=True)
    code = segno.make(content, error="q")  # 25% error correction: survives a worn or dirty print
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    code.save(str(png), scale=10, border=4)
    code.save(str(svg), scale=10, border=4, title=content)
    return png, svg
