"""Rasa's event broker on the embedded default: the events Rasa publishes after each turn (masked by the
conversation store, bot/conversations/store.py) are summarised into `conversation_turns`, in the bot's own
process. In production Rasa publishes the same events to RabbitMQ instead, and `qn-staff insight-consumer`
(bot/insight/consumer.py) summarises them the same way."""
from __future__ import annotations

import logging
from asyncio import AbstractEventLoop
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Engine

from bot.conversations.store import conversations_engine, conversations_url
from bot.insight.report import keep_finished_days
from bot.insight.turns import Turn, TurnAssembler, create_table, save_turns
from bot.settings import Settings

logger = logging.getLogger(__name__)


class TurnWriter:
    """Writes summarised turns into `conversation_turns`, off the caller's thread, one write at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_table(engine)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="turn-writer")
        self._newest_day: str | None = None

    def write_now(self, turns: list[Turn]) -> None:
        with self.engine.begin() as connection:
            save_turns(connection, turns)
        newest = max(turn.day for turn in turns)
        if self._newest_day is not None and newest > self._newest_day:
            # A new day: the day before yesterday is now finished. Count it once here, not at a page view.
            finished = date.fromisoformat(newest) - timedelta(days=2)
            keep_finished_days(self.engine, finished, date.fromisoformat(newest))
        self._newest_day = max(newest, self._newest_day or newest)

    def _write_logged(self, turns: list[Turn]) -> None:
        try:
            self.write_now(turns)
        except Exception:  # noqa: BLE001 - the page loses a turn; the conversation must not notice
            logger.exception("could not store %d turn summaries", len(turns))

    def write_later(self, turns: list[Turn]) -> None:
        self._worker.submit(self._write_logged, turns)

    def close(self) -> None:
        self._worker.shutdown(wait=True)


class TurnSummaryBroker(EventBroker):
    """`event_broker: {type: bot.insight.broker.TurnSummaryBroker}` in endpoints.yml; `url` (a SQLAlchemy URL)
    says where the summary goes, `QN_CONVERSATIONS_URL`'s store when absent."""

    def __init__(self, url: str) -> None:
        self.assembler = TurnAssembler()
        self.writer = TurnWriter(conversations_engine(url))

    @classmethod
    async def from_endpoint_config(cls, broker_config: EndpointConfig,
                                   event_loop: AbstractEventLoop | None = None) -> "TurnSummaryBroker":
        return cls(broker_config.url or conversations_url(Settings.from_env()))

    def publish(self, event: dict[str, Any]) -> None:
        turn = self.assembler.add(event)
        if turn is not None:
            self.writer.write_later([turn])

    async def close(self) -> None:
        self.writer.close()
