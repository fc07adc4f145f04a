"""Staff command for the museum gate.

    qn-tickets verify PAYLOAD     check a scanned e-ticket: genuine? whose, which day, already used?
                                  A genuine, unused ticket is marked used.

Exit status: 0 admitted, 1 refused (forged, unknown, cancelled or already used), 2 configuration error.
"""
from __future__ import annotations

import argparse
import sys

from bot.settings import SettingsError, current_settings, require_secret
from bot.tickets.repository import booking_repository
from bot.tickets.signing import check_ticket


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-3:] if len(phone) >= 8 else "****"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qn-tickets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check a scanned e-ticket and admit it once")
    verify.add_argument("payload")
    args = parser.parse_args(argv)
    try:
        secret = require_secret("QN_TICKET_SECRET")
    except SettingsError as error:
        print(str(error), file=sys.stderr)
        return 2
    check = check_ticket(args.payload, secret)
    if check.code is None:
        print(f"REFUSED: not a genuine ticket ({check.problem})")
        return 1
    booking, first_use = booking_repository(current_settings().database_url).use(check.code)
    if booking is None:
        print(f"REFUSED: ticket {check.code} is signed but no such booking exists")
        return 1
    summary = (f"{booking.code}: {booking.name} ({mask_phone(booking.phone)}), {booking.visit_date:%d/%m/%Y} "
               f"{booking.slot}, {booking.places} người, {booking.status}")
    if booking.status == "cancelled":
        print(f"REFUSED: cancelled booking. {summary}")
        return 1
    if not first_use:
        used = booking.used_at.strftime("%d/%m/%Y %H:%M") if booking.used_at else "?"
        print(f"REFUSED: already used at {used}. {summary}")
        return 1
    print(f"ADMIT: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
