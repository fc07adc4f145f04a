"""Production's path to the staff page: the masking store publishes through Rasa's own PikaEventBroker to a real
RabbitMQ, and `qn-staff insight-consumer` writes the turns into PostgreSQL, where the page reads them: the same
figures as on the embedded default, and no phone number on the way."""
from __future__ import annotations

import json
import uuid

import aio_pika
import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet
from rasa.utils.endpoints import EndpointConfig

from bot.conversations.store import MaskingSQLTrackerStore
from bot.insight.broker import TurnWriter
from bot.insight.consumer import DEFAULT_AMQP_URL, QUEUE, consume
from bot.insight.report import Period, day_of, read_report
from bot.insight.turns import FALLBACK, UNKNOWN
from tests.conftest import skip_or_fail
from tests.insight.test_conversation_store import BOOKING_TURNS, PHONE, play, user

pytestmark = pytest.mark.postgres


@pytest.mark.asyncio
async def test_events_from_rasas_broker_reach_the_page_store_in_postgresql(tmp_path, postgres_engine, domain):
    assert QUEUE == "qn_conversation_events"  # the name production's endpoints give Rasa's broker
    queue = f"qn_conversation_events_test_{uuid.uuid4().hex[:8]}"
    try:
        # An exchange of its own: Rasa's default one fans out every running bot's events to every queue bound to it.
        broker = await EventBroker.create(EndpointConfig(url="localhost", type="pika", username="guest",
                                                         password="guest", port=5672, queues=[queue],
                                                         exchange_name=queue))
    except Exception as error:  # noqa: BLE001 - whatever aio-pika raises when nothing listens
        skip_or_fail(f"RabbitMQ is not reachable at localhost:5672 ({type(error).__name__})")
    try:
        store = MaskingSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker)
        await play(store, "telegram-7", BOOKING_TURNS)
        await play(store, "web-8", [
            [ActionExecuted("action_listen"), user("Chùa Ba Vàng mở cửa mấy giờ", "ask_opening_hours"),
             ActionExecuted("action_opening_hours"),
             BotUttered("...", metadata={"utter_action": "utter_place_hours_unknown"}),
             SlotSet("place_id", "chua-ba-vang"), ActionExecuted("action_listen")],
            [user("qwrtx zzkp", "nlu_fallback"), ActionExecuted("action_two_stage_fallback"),
             ActionExecuted("action_listen")]])
        written = await consume(TurnWriter(postgres_engine), DEFAULT_AMQP_URL, queue, idle_exit=3)
    finally:
        connection = await aio_pika.connect_robust(DEFAULT_AMQP_URL)
        async with connection:
            channel = await connection.channel()
            left = await channel.declare_queue(queue, durable=True, passive=True)
            remaining = left.declaration_result.message_count
            await left.delete(if_unused=False, if_empty=False)
            await channel.exchange_delete(queue)
        await broker.close()
    assert written == 6 and remaining == 0  # every message acknowledged once its turn was written
    with postgres_engine.connect() as connection:
        rows = connection.execute(sa.text("select sender_id, channel, outcome, subject, text from conversation_turns "
                                          "order by id")).all()
    assert [(r.sender_id, r.channel) for r in rows][:4] == [("telegram-7", "telegram")] * 4
    assert [(r.outcome, r.subject) for r in rows[4:]] == [(UNKNOWN, "site:chua-ba-vang"), (FALLBACK, None)]
    assert PHONE not in json.dumps([list(r) for r in rows], ensure_ascii=False)
    with postgres_engine.connect() as connection:
        today = day_of(connection.execute(sa.text("select min(started_at) from conversation_turns")).scalar())
    report = read_report(postgres_engine, Period(today, today))  # the page's reader, on PostgreSQL
    assert (report.messages, report.conversations, report.fallbacks) == (6, 2, 1)
    assert report.unanswered[0].link == "knowledge/sites.yml › id: chua-ba-vang › opening_hours"
