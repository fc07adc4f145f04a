"""Staff commands for the ways into the bot: `qn-staff qr` (deep links, QR codes and printable plaques for sites)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.entry import PAPER_SIZES, Plaque, PlaqueError, telegram_deep_link, write_plaques, write_qr
from bot.knowledge.loader import read_knowledge
from bot.settings import Settings

ALL_SITES_PDF = "all-sites.pdf"


def register_commands(commands: Any, settings: Settings) -> None:
    qr = commands.add_parser("qr", help="deep links, QR codes and printable plaques (PDF) for sites")
    qr.add_argument("site_ids", nargs="*", help="site ids (see knowledge/sites.yml)")
    qr.add_argument("--all", action="store_true", help=f"every site, the plaques in one PDF ({ALL_SITES_PDF})")
    qr.add_argument("--out", type=Path, default=Path("var/qr"), help="folder for the files (var/qr)")
    qr.add_argument("--paper", choices=sorted(PAPER_SIZES), default="A4", help="plaque paper size (A4)")
    qr.add_argument("--bot-username", default=settings.telegram_bot_username,
                    help="the Telegram bot's username (TELEGRAM_BOT_USERNAME)")
    qr.set_defaults(run=_write_qr_codes)


def _write_qr_codes(args: argparse.Namespace) -> int:
    """QR codes come from the files, so staff can print them before (or without) a load."""
    sites = {site["id"]: site for site in read_knowledge(args.dir).sites}
    wanted = list(sites) if args.all else args.site_ids
    unknown = sorted(set(wanted) - set(sites))
    if not wanted or unknown:
        print(f"Unknown site id(s): {', '.join(unknown)}" if unknown else "Name site ids, or use --all.",
              file=sys.stderr)
        return 1
    if not args.bot_username:
        print("Set TELEGRAM_BOT_USERNAME (or --bot-username): the deep link needs the bot's username.",
              file=sys.stderr)
        return 1
    plaques = [Plaque(site_id, sites[site_id]["name"], sites[site_id].get("name_en"),
                      telegram_deep_link(args.bot_username, site_id)) for site_id in wanted]
    try:
        if args.all:  # one file to print, one page a site
            pdfs = [write_plaques(plaques, args.out / ALL_SITES_PDF, args.paper)] * len(plaques)
        else:
            pdfs = [write_plaques([plaque], args.out / f"{plaque.site_id}.pdf", args.paper) for plaque in plaques]
    except PlaqueError as error:
        print(f"No plaque written: {error}", file=sys.stderr)
        return 1
    for plaque, pdf in zip(plaques, pdfs):
        png, svg = write_qr(plaque.link, args.out, plaque.site_id)
        print(f"{plaque.site_id}\t{plaque.link}\t{png}\t{svg}\t{pdf}")
    return 0
