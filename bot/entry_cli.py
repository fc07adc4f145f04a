"""Staff commands for the ways into the bot: `qn-staff qr` (deep links and printable QR codes for sites)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.entry import telegram_deep_link, write_qr
from bot.knowledge.loader import read_knowledge
from bot.settings import Settings


def register_commands(commands: Any, settings: Settings) -> None:
    qr = commands.add_parser("qr", help="deep links and printable QR codes for sites")
    qr.add_argument("site_ids", nargs="*", help="site ids (see knowledge/sites.yml)")
    qr.add_argument("--all", action="store_true", help="every site")
    qr.add_argument("--out", type=Path, default=Path("var/qr"), help="folder for the images (var/qr)")
    qr.add_argument("--bot-username", default=settings.telegram_bot_username,
                    help="the Telegram bot's username (TELEGRAM_BOT_USERNAME)")
    qr.set_defaults(run=_write_qr_codes)


def _write_qr_codes(args: argparse.Namespace) -> int:
    """QR codes come from the files, so staff can print them before (or without) a load."""
    site_ids = [site["id"] for site in read_knowledge(args.dir).sites]
    wanted = site_ids if args.all else args.site_ids
    unknown = sorted(set(wanted) - set(site_ids))
    if not wanted or unknown:
        print(f"Unknown site id(s): {', '.join(unknown)}" if unknown else "Name site ids, or use --all.",
              file=sys.stderr)
        return 1
    if not args.bot_username:
        print("Set TELEGRAM_BOT_USERNAME (or --bot-username): the deep link needs the bot's username.",
              file=sys.stderr)
        return 1
    for site_id in wanted:
        link = telegram_deep_link(args.bot_username, site_id)
        png, svg = write_qr(link, args.out, site_id)
        print(f"{site_id}\t{link}\t{png}\t{svg}")
    return 0
