"""One row per message a person sent, summarised from the events Rasa stores, for the staff page.

Why a summary table and not Rasa's `events` table itself: the page needs, per message, its day, channel, intent,
confidence, response time and whether the bot could answer; in Rasa's table these are spread over 5-6 rows of
JSON per message. Measured on 100,000 messages (500,000 events, 294 MB of SQLite): each scan of `events` took
0.2-0.7 s, and the page needs several. The summary has one small row per message, made from the events Rasa
publishes to its event broker, the same way everywhere (bot/insight/broker.py): in the bot's own process on the
embedded default, by `qn-staff insight-consumer` from RabbitMQ in production. `rebuild_turns` makes it again
from Rasa's `events` table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.conversations.store import MASK, mask_numbers

ACTION_LISTEN = "action_listen"
FALLBACK_ACTIONS = ("action_default_fallback",)
TWO_STAGE_FALLBACK = "action_two_stage_fallback"
NLU_FALLBACK = "nlu_fallback"
# The bot's "I do not know this fact" answers (domain/*.yml); utter_date_unknown is a date the bot could not
# read, not a fact missing from the knowledge files, so it is not one of them.
UNKNOWN_RESPONSES = ("utter_place_hours_unknown", "utter_place_fee_unknown", "utter_place_unknown",
                     "utter_procedure_fact_unknown", "utter_procedure_unknown", "utter_cancellation_rule_unknown")
SUBJECT_SLOTS = {"place_id": "site", "procedure_id": "procedure"}
OUT_OF_SCOPE_ACTION = "utter_out_of_scope"
# Outcomes: answered; not understood (a fallback); a fact the knowledge files lack; a question the bot recognised
# as outside what it does (staff may still want to know what people ask for).
ANSWERED, FALLBACK, UNKNOWN, OUT_OF_SCOPE = "answered", "fallback", "unknown", "out_of_scope"
VIETNAM = timezone(timedelta(hours=7))  # the days staff count in

metadata = sa.MetaData()
conversation_turns = sa.Table(
    "conversation_turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False, index=True),  # Unix time of the message
    sa.Column("day", sa.String(10), nullable=False, index=True),  # its date in Vietnam, YYYY-MM-DD
    sa.Column("intent", sa.String(255)),
    sa.Column("confidence", sa.Float),
    sa.Column("response_seconds", sa.Float),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("answer", sa.String(255)),  # the action that answered "I do not know" (which fact was asked)
    sa.Column("unknown_response", sa.String(255)),
    sa.Column("subject", sa.String(255)),  # "site:<id>" or "procedure:<id>" the message was about
    sa.Column("text", sa.Text),  # only for messages the bot could not answer, masked
)

# The page's counts of one finished day and channel, kept once made (bot/insight/report.py): a view of 30 days
# then reads 28 of these and counts only yesterday's and today's turns. Writing a turn of a day drops its counts.
conversation_days = sa.Table(
    "conversation_days", metadata,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("counts", sa.Text, nullable=False),  # JSON, see report.DayCounts
)


@dataclass(frozen=True)
class Turn:
    sender_id: str
    channel: str
    started_at: float
    day: str
    intent: str | None
    confidence: float | None
    response_seconds: float | None
    outcome: str
    answer: str | None
    unknown_response: str | None
    subject: str | None
    text: str | None


def channel_of(sender_id: str, user_event: dict[str, Any]) -> str:
    """Telegram reaches Rasa through the REST channel with `telegram-<chat>` senders (bot/channels/telegram.py)."""
    for prefix in ("telegram", "zalo"):
        if sender_id.startswith(f"{prefix}-"):
            return prefix
    return str(user_event.get("input_channel") or "rest")


def _confidence(parse_data: dict[str, Any]) -> float | None:
    """How sure NLU was of its best real intent (the fallback's own confidence is only its threshold)."""
    for ranked in parse_data.get("intent_ranking") or []:
        if ranked.get("name") != NLU_FALLBACK and ranked.get("confidence") is not None:
            return float(ranked["confidence"])
    confidence = (parse_data.get("intent") or {}).get("confidence")
    return float(confidence) if confidence is not None else None


def summarise(sender_id: str, events: list[dict[str, Any]]) -> Turn:
    """The turn that `events` make: a `user` event, then what the bot did up to its `action_listen`."""
    user = events[0]
    parse_data = user.get("parse_data") or {}
    intent = (parse_data.get("intent") or {}).get("name")
    actions = [e.get("name") for e in events if e.get("event") == "action"]
    responses = [(e.get("metadata") or {}).get("utter_action") for e in events if e.get("event") == "bot"]
    unknown = next((r for r in responses if r in UNKNOWN_RESPONSES), None)
    if any(a in FALLBACK_ACTIONS for a in actions) or (intent == NLU_FALLBACK and TWO_STAGE_FALLBACK in actions):
        outcome = FALLBACK
    elif unknown is not None:
        outcome = UNKNOWN
    elif OUT_OF_SCOPE_ACTION in actions:
        outcome = OUT_OF_SCOPE
    else:
        outcome = ANSWERED
    answer = None
    if unknown is not None:  # the action that ran just before the "I do not know" answer
        index = next(i for i, e in enumerate(events) if e.get("event") == "bot"
                     and (e.get("metadata") or {}).get("utter_action") == unknown)
        answer = next((e.get("name") for e in reversed(events[:index]) if e.get("event") == "action"), None)
    subject = next((f"{SUBJECT_SLOTS[e['name']]}:{e['value']}" for e in reversed(events)
                    if e.get("event") == "slot" and e.get("name") in SUBJECT_SLOTS and e.get("value")), None)
    started = float(user.get("timestamp") or 0)
    listened = next((e.get("timestamp") for e in reversed(events)
                     if e.get("event") == "action" and e.get("name") == ACTION_LISTEN), None)
    text = None
    if outcome != ANSWERED:
        typed = mask_numbers(str(user.get("text") or ""))
        # Button payloads and the masked answers to the booking form's name and phone questions are not questions.
        text = typed if typed.strip() and not typed.startswith("/") and typed.strip() != MASK else None
    return Turn(sender_id=sender_id, channel=channel_of(sender_id, user), started_at=started,
                day=datetime.fromtimestamp(started, VIETNAM).date().isoformat(), intent=intent,
                confidence=_confidence(parse_data),
                response_seconds=round(float(listened) - started, 4) if listened is not None else None,
                outcome=outcome, answer=answer, unknown_response=unknown, subject=subject, text=text)


def started_by_the_bot(event: dict[str, Any]) -> bool:
    """A turn Rasa's trigger-intent API started (a message the bot sends first: bot/notifications), not a visitor's
    message: not summarised, so the staff page counts what visitors asked."""
    return event.get("event") == "user" and bool((event.get("metadata") or {}).get("is_external"))


def split_turns(events: Iterable[dict[str, Any]]) -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
    """Complete turns (a `user` event up to the bot's next `action_listen`), and what is left after the last
    one (a turn still in progress, to be completed by later events)."""
    complete: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for event in events:
        if started_by_the_bot(event):
            current = []
        elif event.get("event") == "user":
            current = [event]
        elif current:
            current.append(event)
            if event.get("event") == "action" and event.get("name") == ACTION_LISTEN:
                complete.append(current)
                current = []
    return complete, current


class TurnAssembler:
    """Events arrive one at a time, conversations interleaved; each conversation's events in order (Rasa's lock
    store runs one turn of a conversation at a time). A turn is summarised when the bot listens again."""

    def __init__(self) -> None:
        self._open: dict[str, list[dict[str, Any]]] = {}

    def add(self, event: dict[str, Any]) -> Turn | None:
        sender = str(event.get("sender_id") or "")
        if started_by_the_bot(event):
            self._open.pop(sender, None)
            return None
        if event.get("event") == "user":
            self._open[sender] = [event]  # a turn left unfinished (the bot crashed) is dropped
            return None
        events = self._open.get(sender)
        if events is None:
            return None
        events.append(event)
        if event.get("event") == "action" and event.get("name") == ACTION_LISTEN:
            del self._open[sender]
            return summarise(sender, events)
        return None


def turns_of(sender_id: str, events: Iterable[dict[str, Any]]) -> list[Turn]:
    """The complete turns among `events` (events as Rasa stores them: `Event.as_dict()`), summarised."""
    complete, _ = split_turns(events)
    return [summarise(sender_id, turn) for turn in complete]


def create_table(engine: Engine) -> None:
    metadata.create_all(engine)


# Built once: a turn's summary is written at every message, and building the statements cost as much as running them.
_INSERT_TURNS = conversation_turns.insert()
_FORGET_DAYS = conversation_days.delete().where(conversation_days.c.day.in_(sa.bindparam("days", expanding=True)))


def save_turns(connection: Connection, turns: list[Turn]) -> None:
    """Store `turns`; the kept counts of their days are made again when next read."""
    if turns:
        connection.execute(_INSERT_TURNS, [asdict(turn) for turn in turns])
        connection.execute(_FORGET_DAYS, {"days": sorted({turn.day for turn in turns})})


def _stored_events(events_engine: Engine, batch: int = 20000) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each conversation's events from Rasa's `events` table, in order."""
    import json

    events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("data"))
    with events_engine.connect() as connection:
        rows = connection.execution_options(stream_results=True).execute(
            sa.select(events.c.sender_id, events.c.data).order_by(events.c.sender_id, events.c.id))
        sender, collected = None, []
        for row in rows.yield_per(batch):
            if row.sender_id != sender and sender is not None:
                yield sender, collected
                collected = []
            sender = row.sender_id
            collected.append(json.loads(row.data))
        if sender is not None:
            yield sender, collected


def rebuild_turns(events_engine: Engine, turns_engine: Engine) -> int:
    """Make the summary again from Rasa's `events` table (after a change to how turns are summarised)."""
    create_table(turns_engine)
    if not sa.inspect(events_engine).has_table("events"):
        return 0  # Rasa has stored no conversation there yet
    count = 0
    with turns_engine.begin() as connection:
        connection.execute(conversation_turns.delete())
        connection.execute(conversation_days.delete())
        for sender, events in _stored_events(events_engine):
            turns = turns_of(sender, events)
            save_turns(connection, turns)
            count += len(turns)
    return count
