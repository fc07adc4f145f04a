"""Staff command line: check and load the knowledge files, and see what the bot knows.

    qn-staff validate      check every file; print each problem with its file, record and field
    qn-staff load          check, then load everything in one transaction (the running bot sees it at once)
    qn-staff stats         what the database holds now, and when it was loaded
    qn-staff migrate       bring the database's schema to the newest migration (load and the bot do it too)
    qn-staff import-portal PATH
                           import the national portal's procedure records (a folder with records/*.jsonl and
                           lists/*.xlsx, one records file or one list export), by code, in one transaction;
                           prints what it could not read and what disappeared since the last import
    qn-staff qr SITE_ID | --all [--out DIR] [--paper A4|A5]
                           print each site's Telegram deep link; write its QR code (PNG, SVG) and a printable
                           plaque (PDF; --all: one PDF, a page per site)
    qn-staff purge [--days N]
                           remove visitors' names and phones from bookings visited more than N days ago
                           (QN_PURGE_AFTER_DAYS, 30)
    qn-staff notify [--loop]
                           send what the bot says first and is due: reminders the day before a visit, expired
                           holds, e-tickets a payment's own push missed (each once, however many run)
    qn-staff notices       how many of those were sent, refused by a channel, or failed
    qn-staff try-booking [--slots S --capacity N --closed DAYS] | --off
                           open booking on a local bot with a schedule you type in (asked when not given);
                           the chat marks it as a trial, never as the museum's published schedule

Exit status: 0 success, 1 the files have errors (nothing was loaded), 2 the database could not be reached.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db import get_engine
from bot.knowledge.loader import KnowledgeValidationError, load_knowledge, read_knowledge
from bot.knowledge.portal_import import import_portal
from bot.knowledge.repository import KnowledgeBase
from bot.knowledge.trial import TrialScheduleError, parse_trial, save_trial
from bot.schema import migrate
from bot.settings import current_settings

# Modules that add staff commands of their own concern: each has `register_commands(commands, settings)`, which
# adds sub-parsers with `set_defaults(run=function)`; the function takes the parsed arguments, returns the exit status.
STAFF_COMMAND_MODULES = ("bot.entry_cli", "bot.insight.cli", "bot.tickets.staff_cli", "bot.notifications.cli")


def _print_errors(error: KnowledgeValidationError) -> None:
    print(f"{len(error.errors)} problem(s) found; nothing was loaded:", file=sys.stderr)
    for item in error.errors:
        print(f"  - {item}", file=sys.stderr)


def _save_trial_schedule(args: argparse.Namespace, path: Path) -> bool:
    """Ask for what was not given on the command line, check it, and keep it (or remove it with --off)."""
    if args.off:
        path.unlink(missing_ok=True)
        print("Trial schedule removed: booking in the chat is closed again until museum.yml has slots.")
        return True
    answers = {}
    for name, question, default in (("slots", "Time slots (e.g. 08:00-10:00,14:00-16:00)", None),
                                    ("capacity", "Visitors per slot (e.g. 30)", None),
                                    ("closed", "Weekdays closed (e.g. monday; empty for none)", "")):
        value = getattr(args, name)
        if value is None:
            value = default if default is not None and not sys.stdin.isatty() else input(f"{question}: ")
        answers[name] = value
    try:
        schedule = parse_trial(answers["slots"] or "", answers["capacity"] or "", answers["closed"] or "")
    except TrialScheduleError as error:
        print(f"Not a schedule: {error}. Nothing changed.", file=sys.stderr)
        return False
    save_trial(path, schedule)
    print(f"Trial schedule saved in {path}: slots {', '.join(schedule.time_slots)}, "
          f"{schedule.capacity_per_slot} visitors per slot. The chat will say it is a trial, not the museum's "
          "published schedule; `qn-staff try-booking --off` removes it.")
    return True


def _import_portal(args: argparse.Namespace, engine: Engine) -> int:
    try:
        report = import_portal(engine, args.path)
    except (FileNotFoundError, ValueError) as refused:
        print(f"Nothing imported: {refused}", file=sys.stderr)
        return 1
    for problem in report.errors:
        print(f"  could not read: {problem}", file=sys.stderr)
    for code, name in report.removed:
        print(f"  removed (no longer in its file): {code} {name}")
    for code, name in report.kept:
        print(f"  kept (not found, but its file has unreadable lines): {code} {name}")
    print(f"Read {report.read} procedures: {report.added} added, {report.updated} updated, {report.unchanged} "
          f"unchanged, {len(report.removed)} removed, {len(report.errors)} could not be read"
          + (f"; knowledge version {report.version}" if report.version else "; nothing changed"))
    return 0 if report.read else 1


def main(argv: list[str] | None = None) -> int:
    settings = current_settings()
    parser = argparse.ArgumentParser(prog="qn-staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=settings.knowledge_dir, help="knowledge folder")
    parser.add_argument("--database-url", default=settings.database_url, help="SQLAlchemy URL (QN_DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check the files, change nothing")
    commands.add_parser("load", help="check and load the files")
    commands.add_parser("stats", help="what the database holds")
    commands.add_parser("migrate", help="bring the database's schema to the newest migration")
    portal = commands.add_parser("import-portal", help="import the national portal's procedure records")
    portal.add_argument("path", type=Path, help="a portal folder, a records .jsonl file or a list .xlsx export")
    portal.set_defaults(run=lambda args: _import_portal(args, get_engine(args.database_url)))
    trial = commands.add_parser("try-booking", help="open booking locally with a schedule you type in")
    trial.add_argument("--slots", help='time slots, e.g. "08:00-10:00,10:00-12:00,14:00-16:00"')
    trial.add_argument("--capacity", help="visitors per slot, e.g. 30")
    trial.add_argument("--closed", help='weekdays closed, e.g. "monday" (none when not given)')
    trial.add_argument("--off", action="store_true", help="remove the trial schedule (booking closes again)")
    for module in STAFF_COMMAND_MODULES:  # each concern adds its own commands, run through `args.run`
        importlib.import_module(module).register_commands(commands, settings)
    args = parser.parse_args(argv)

    try:
        if args.command == "validate":
            counts = read_knowledge(args.dir).counts()
            print("OK: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
            return 0
        if hasattr(args, "run"):
            return int(args.run(args))
        engine = get_engine(args.database_url)
        if args.command == "try-booking":
            if not _save_trial_schedule(args, settings.trial_booking_file):
                return 1
        if args.command == "migrate":
            print(f"Database schema at revision {migrate(engine)}")
            return 0
        if args.command in ("load", "try-booking"):
            version, bundle = load_knowledge(engine, args.dir, settings.trial_booking_file)
            print(f"Loaded version {version}: " + ", ".join(f"{n} {k}" for k, n in bundle.counts().items()))
            return 0
        migrate(engine)
        stats = KnowledgeBase(engine).stats()
        if stats.version is None:
            print("The database is empty: run `qn-staff load`.")
        else:
            print(f"Version {stats.version}, loaded {stats.loaded_at}")
        print(f"sites: {stats.sites}\nprocedures: {stats.procedures} (and {stats.portal_procedures} from the national "
              f"portal)\nticket types: {stats.ticket_types}\n"
              f"museum: {'yes' if stats.museum else 'no'}")
        return 0
    except KnowledgeValidationError as error:
        _print_errors(error)
        return 1
    except SQLAlchemyError as error:
        print(f"Database error ({type(error).__name__}): {error.__class__.__doc__ or ''}".strip(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
