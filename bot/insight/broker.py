"""Rasa's event broker on the embedded default: the events Rasa publishes after each turn (masked by the
conversation store, bot/conversations/store.py) are summarised into `conversation_turns`, in the bot's own
process. In production Rasa publishes the same events to RabbitMQ instead, and `qn-staff insight-consumer`
(bot/insight/consumer.py) summarises them the same way."""
from __future__ import annotations

import logging
import threading
from asyncio import AbstractEventLoop
from concurrent.futures import Future
from datetime import date, timedelta
from typing import Any, Callable

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Connection, Engine

from bot.conversations.store import conversations_engine, conversations_url
from bot.conversations.writer import writer_for
from bot.insight.report import keep_finished_days
from bot.insight.turns import Turn, TurnAssembler, create_table, save_turns
from bot.settings import current_settings

logger = logging.getLogger(__name__)


class TurnWriter:
    """Writes summarised turns into `conversation_turns`: `write_now` in the caller's thread, `write_later` on the
    database's one writer (bot/conversations/writer.py), where the tracker store writes the turns' events too. The
    turns waiting when the writer comes to them go in together, in the order they came: a turn is in the table once
    the writer has finished the transaction it is writing and then this one (milliseconds on SQLite; as before, the
    page never waits for the conversation, nor the conversation for the page)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_table(engine)
        self._newest_day: str | None = None
        self._waiting: list[Turn] = []
        self._lock = threading.Lock()

    def write_now(self, turns: list[Turn]) -> None:
        with self.engine.begin() as connection:
            new_day = self._save(connection, turns)
        self._count_finished(new_day)

    def _save(self, connection: Connection, turns: list[Turn]) -> str | None:
        """Store the turns; returns their newest day if it is a day later than any written before."""
        save_turns(connection, turns)
        newest = max(turn.day for turn in turns)
        new_day = newest if self._newest_day is not None and newest > self._newest_day else None
        self._newest_day = max(newest, self._newest_day or newest)
        return new_day

    def _count_finished(self, new_day: str | None) -> None:
        if new_day is not None:
            # A new day: the day before yesterday is now finished. Count it once here, not at a page view.
            today = date.fromisoformat(new_day)
            keep_finished_days(self.engine, today - timedelta(days=2), today)

    def _job_for_waiting(self) -> Callable[[Connection], str | None]:
        """A writer's job that saves every turn waiting when it first runs (the same turns if it runs again, after
        its batch failed)."""
        taken: list[Turn] = []

        def save_waiting(connection: Connection) -> str | None:
            if not taken:
                with self._lock:
                    taken.extend(self._waiting)
                    self._waiting = []
            return self._save(connection, taken) if taken else None

        return save_waiting

    def _written(self, future: Future[str | None]) -> None:
        """After the writer's commit, in its thread."""
        try:
            self._count_finished(future.result())
        except Exception:  # noqa: BLE001 - the page loses these turns; the conversation must not notice
            logger.exception("could not store turn summaries")

    def write_later(self, turns: list[Turn]) -> None:
        with self._lock:
            first = not self._waiting
            self._waiting.extend(turns)
        if first:  # one job takes every turn waiting when the writer comes to it
            writer_for(self.engine).submit(self._job_for_waiting()).add_done_callback(self._written)

    def close(self) -> None:
        writer_for(self.engine).flush()


class TurnSummaryBroker(EventBroker):
    """`event_broker: {type: bot.insight.broker.TurnSummaryBroker}` in endpoints.yml; `url` (a SQLAlchemy URL)
    says where the summary goes, `QN_CONVERSATIONS_URL`'s store when absent."""

    def __init__(self, url: str) -> None:
        self.assembler = TurnAssembler()
        self.writer = TurnWriter(conversations_engine(url))

    @classmethod
    async def from_endpoint_config(cls, broker_config: EndpointConfig,
                                   event_loop: AbstractEventLoop | None = None) -> "TurnSummaryBroker":
        return cls(broker_config.url or conversations_url(current_settings()))

    def publish(self, event: dict[str, Any]) -> None:
        turn = self.assembler.add(event)
        if turn is not None:
            self.writer.write_later([turn])

    async def close(self) -> None:
        self.writer.close()
