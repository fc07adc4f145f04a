"""`qn-staff insight-consumer`: in production Rasa publishes every event to RabbitMQ (endpoints `event_broker:
type: pika`, queue `qn_conversation_events`); this takes them from the queue into `conversation_turns` at
QN_CONVERSATIONS_URL, the store the staff page reads, summarised exactly as on the embedded default
(bot/insight/broker.py).

A message is acknowledged only once the turn it belongs to is written (or it belongs to no turn), so a consumer
stopped mid-turn gets that turn's events again from RabbitMQ; a turn can then be counted twice at worst, never
lost. Rasa's masking store (bot/conversations/store.py) publishes the events already masked.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bot.insight.broker import TurnWriter
from bot.insight.turns import TurnAssembler

logger = logging.getLogger(__name__)
QUEUE = "qn_conversation_events"
DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/"
# Unacknowledged messages RabbitMQ may hand over at once: enough for ~100 turns in progress together.
PREFETCH = 1000


@dataclass
class TurnConsumer:
    writer: TurnWriter
    assembler: TurnAssembler = field(default_factory=TurnAssembler)
    unacknowledged: dict[str, list[AbstractIncomingMessage]] = field(default_factory=dict)
    turns_written: int = 0

    async def handle(self, message: AbstractIncomingMessage) -> None:
        try:
            event: dict[str, Any] = json.loads(message.body)
        except ValueError:
            logger.warning("not an event (%d bytes): dropped", len(message.body))
            await message.ack()
            return
        sender = str(event.get("sender_id") or "")
        if event.get("event") == "user":
            for abandoned in self.unacknowledged.pop(sender, []):  # a turn that never finished
                await abandoned.ack()
        turn = self.assembler.add(event)
        held = self.unacknowledged.get(sender)
        if turn is not None:
            await asyncio.to_thread(self.writer.write_now, [turn])
            self.turns_written += 1
            for done in [*self.unacknowledged.pop(sender, []), message]:
                await done.ack()
        elif event.get("event") == "user":
            self.unacknowledged[sender] = [message]
        elif held is not None:
            held.append(message)
        else:  # outside any turn (a session start): nothing to wait for
            await message.ack()


async def consume(writer: TurnWriter, amqp_url: str = DEFAULT_AMQP_URL, queue_name: str = QUEUE,
                  idle_exit: float | None = None) -> int:
    """Take events until stopped (or, with `idle_exit`, until no message came for that many seconds); returns
    the number of turns written."""
    consumer = TurnConsumer(writer)
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        # Declared as Rasa's PikaEventBroker declares it (durable), whichever of the two starts first.
        queue = await channel.declare_queue(queue_name, durable=True)
        async with queue.iterator() as messages:
            while True:
                try:
                    message = await asyncio.wait_for(messages.__anext__(), timeout=idle_exit)
                except asyncio.TimeoutError:
                    break
                await consumer.handle(message)
    return consumer.turns_written
