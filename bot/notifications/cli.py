"""Staff commands of the messages the bot sends first:

    qn-staff notify [--loop]   send what is due: e-tickets not yet pushed, expired holds, reminders (once, or every
                               QN_NOTIFY_EVERY_SECONDS with --loop); safe with any number running at once
    qn-staff notices           how many notices were sent, refused by a channel, or failed, by kind and channel
"""
from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import replace
from typing import Any

from bot.settings import Settings, current_settings


def register_commands(commands: Any, settings: Settings) -> None:
    notify = commands.add_parser("notify", help="send due reminders, expired-hold notices and missed e-tickets")
    notify.add_argument("--loop", action="store_true",
                        help=f"run every QN_NOTIFY_EVERY_SECONDS (now {settings.notify_every_seconds}) until stopped")
    notify.set_defaults(run=_notify)
    notices = commands.add_parser("notices", help="notices sent, refused and failed, by kind and channel")
    notices.set_defaults(run=_notices)


def _notify(args: argparse.Namespace) -> int:
    from bot.notifications.jobs import run_forever, run_once

    settings = replace(current_settings(), database_url=args.database_url)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.loop:
        asyncio.run(run_forever(settings, settings.notify_every_seconds))
        return 0
    print(asyncio.run(run_once(settings)).line())
    return 0


def _notices(args: argparse.Namespace) -> int:
    from bot.notifications.jobs import notice_store

    settings = replace(current_settings(), database_url=args.database_url)
    counts = notice_store(settings).counts()
    if not counts:
        print("No notice sent yet.")
    for (kind, channel, status), count in sorted(counts.items()):
        print(f"{kind:9} {channel:9} {status:8} {count}")
    return 0
