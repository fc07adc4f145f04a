"""Staff commands of the insight page:

    qn-staff unanswered --since 7d [--channel telegram] --csv FILE
                           the questions the bot could not answer, grouped, with the knowledge file and field
                           that would answer each (FILE `-`: the terminal)
    qn-staff insight-consumer [--amqp-url URL] [--queue NAME]
                           production: take Rasa's events from RabbitMQ into the store the staff page reads
    qn-staff insight-rebuild
                           summarise again every turn of Rasa's stored conversations (embedded default)
"""
from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings, current_settings

if TYPE_CHECKING:
    from bot.insight.report import Period

# Every qn-staff command imports this module: what needs Rasa (slow to import) is imported by the commands here.

SINCE = re.compile(r"^(\d+)d$")


def since_period(since: str) -> "Period":
    """`7d` (the last 7 days, today included) or a date (`2025-10-01`) up to today."""
    from bot.insight.report import VIETNAM, Period

    today = datetime.now(VIETNAM).date()
    found = SINCE.match(since.strip())
    if found:
        return Period.last_days(max(1, int(found.group(1))), today)
    return Period(date.fromisoformat(since.strip()), today)


def _unanswered(args: argparse.Namespace) -> int:
    from bot.conversations.store import conversations_engine, conversations_url
    from bot.db import get_engine
    from bot.insight.page import unanswered_csv
    from bot.insight.report import read_report
    from bot.knowledge.repository import KnowledgeBase

    settings = current_settings()
    try:
        period = since_period(args.since)
    except ValueError:
        print(f"--since: a number of days like 7d, or a date like 2025-10-01 (got {args.since!r})", file=sys.stderr)
        return 1
    report = read_report(conversations_engine(conversations_url(settings)), period, args.channel or None,
                         KnowledgeBase(get_engine(args.database_url)))
    text = unanswered_csv(report)
    if args.csv == "-":
        sys.stdout.write(text)
    else:
        Path(args.csv).write_text(text, encoding="utf-8")
        print(f"{len(report.unanswered)} groups of unanswered questions from {period.first} to {period.last} "
              f"written to {args.csv}")
    return 0


def _consumer(args: argparse.Namespace) -> int:
    from bot.conversations.store import conversations_engine, conversations_url
    from bot.insight.broker import TurnWriter
    from bot.insight.consumer import consume

    engine = conversations_engine(conversations_url(current_settings()))
    print(f"Taking events from RabbitMQ queue {args.queue} into {engine.url!r}; Ctrl-C stops.")
    try:
        written = asyncio.run(consume(TurnWriter(engine), args.amqp_url, args.queue, args.idle_exit))
    except KeyboardInterrupt:
        return 0
    print(f"{written} turns written")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from bot.conversations.store import conversations_engine, conversations_url
    from bot.insight.report import keep_finished_days
    from bot.insight.turns import rebuild_turns

    url = conversations_url(current_settings())
    turns = conversations_engine(url)
    print(f"{rebuild_turns(conversations_engine(args.events_url or url), turns)} turns summarised")
    keep_finished_days(turns, date(2000, 1, 1))
    print("finished days counted")
    return 0


def register_commands(commands: Any, settings: Settings) -> None:
    unanswered = commands.add_parser("unanswered", help="export the grouped unanswered questions")
    unanswered.add_argument("--since", default="7d", help="7d (last 7 days) or a date, 2025-10-01 (default 7d)")
    unanswered.add_argument("--channel", help="rest, telegram or zalo (default: all)")
    unanswered.add_argument("--csv", required=True, help="file to write, - for the terminal")
    unanswered.set_defaults(run=_unanswered)
    consumer = commands.add_parser("insight-consumer", help="RabbitMQ events into the staff page's store")
    consumer.add_argument("--amqp-url", default=settings.rabbitmq_url, help="RabbitMQ (QN_RABBITMQ_URL)")
    consumer.add_argument("--queue", default=settings.events_queue,
                          help="the queue Rasa's broker publishes to (QN_EVENTS_QUEUE)")
    consumer.add_argument("--idle-exit", type=float, default=None, help="stop after this many idle seconds")
    consumer.set_defaults(run=_consumer)
    rebuild = commands.add_parser("insight-rebuild", help="summarise Rasa's stored conversations again")
    rebuild.add_argument("--events-url", help="Rasa's tracker store (default: QN_CONVERSATIONS_URL's)")
    rebuild.set_defaults(run=_rebuild)
