"""Staff commands about bookings' personal data: `qn-staff purge`."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from bot.settings import Settings
from bot.tickets.payments import VIETNAM
from bot.tickets.repository import booking_repository


def _days(text: str) -> int:
    days = int(text)
    if days < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more (got {days})")
    return days


def register_commands(commands: Any, settings: Settings) -> None:
    purge = commands.add_parser("purge", help="remove visitors' names and phones some days after their visit")
    purge.add_argument("--days", type=_days, default=settings.purge_after_days,
                       help=f"days after the visit (QN_PURGE_AFTER_DAYS, now {settings.purge_after_days})")
    purge.set_defaults(run=_purge)


def _purge(args: argparse.Namespace) -> int:
    """Safe to run every day (cron): a booking already purged is not counted again."""
    visited_before = datetime.now(VIETNAM).date() - timedelta(days=args.days)
    purged = booking_repository(args.database_url).purge_personal_data(visited_before)
    print(f"Removed the name and phone of {purged} booking(s) visited before {visited_before:%d/%m/%Y} "
          f"(more than {args.days} days ago); their date, slot, tickets, status and amount are kept.")
    return 0
