"""bot/serving.py's bounded_history: a message handled on the conversation's recent window gets exactly what
Rasa's own handling of the whole conversation gives, and the store keeps the same conversation, on each tracker
store the bot is run with (Rasa's in-memory store, Rasa's SQL store, the project's masking SQL store).

The conversations are recorded ones (tests/data/trackers/long_*.json, bench/record_conversations.py): long enough
for the window to be cut several times, through a booking form interrupted and resumed, fields changed at the
summary, the two-stage fallback (a loop that reverts and logs messages again), "/back" and "/restart". Each is
replayed twice in one process, with and without the patch, and compared turn by turn (every reply) and as stored
(every event: actions with the policy and confidence that predicted them, slots, loops); midway, the windows are
forgotten, as by a restart, so the conversation is read whole and cut again."""
from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from tests.serving.recorded import MESSAGES, RECORDED, store_of_kind, use_store

STORES = ("memory", "sql", "masking")
RUN_SPECIFIC = ("timestamp", "recipient_id", "message_id")  # differ between two runs of one conversation


def _without_times(value: Any) -> Any:
    """`value` without what differs between two runs of one conversation: times, its id, the messages' ids, and
    the random id a booking summary gets (booking_draft)."""
    if isinstance(value, dict) and value.get("event") == "slot" and value.get("name") == "booking_draft" \
            and value.get("value"):
        value = {**value, "value": "a draft's random id"}
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items() if key not in RUN_SPECIFIC}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value


def _stored(store, sender_id: str) -> list:
    """The conversation as the store holds it, every event, without the times of day."""
    if hasattr(store, "store"):
        return _without_times(json.loads(store.store[sender_id])["events"])
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id) \
            .order_by(store.SQLEvent.id).all()
        return [(row.type_name, row.intent_name, row.action_name, _without_times(json.loads(row.data)))
                for row in rows]


def _state_of(tracker, domain) -> tuple:
    """Everything of a tracker Rasa's policies and actions can see: its events, latest message, bot message and
    active loop as stored and sent to the action server (JSON: a message's token offsets are tuples in memory,
    lists once read back, and nothing reads them but the JSON), and exactly: its slots, the loop's name and
    state, latest action, follow-up action, pause, and the states the policies are given."""
    loop = tracker.active_loop
    as_json = json.loads(json.dumps([[event.as_dict() for event in tracker.events],
                                     tracker.latest_message.as_dict() if tracker.latest_message else None,
                                     tracker.latest_bot_utterance.as_dict() if tracker.latest_bot_utterance else None,
                                     dataclasses.asdict(loop) if loop else None]))
    return (as_json, {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
            (loop.name, loop.is_interrupted, loop.rejected) if loop else None, tracker.latest_action,
            tracker.followup_action, tracker.is_paused(), tracker.past_states(domain))


async def _replay(agent, sender_id: str, messages: list[str], forget_at: int) -> list:
    import numpy as np

    replies = []
    for turn, text in enumerate(messages):
        if turn == forget_at:  # as after a restart: the window is gone, the conversation is read whole again
            agent.processor.__dict__.pop("_qn_history", None)
        np.random.seed(turn)  # the same variation of a domain response in both runs
        replies.append(_without_times(await agent.handle_text(text, sender_id=sender_id)))
    return replies


@pytest.mark.parametrize("kind", STORES)
def test_a_long_conversation_on_its_recent_window_goes_exactly_as_on_its_whole_history(agent, action_server, kind,
                                                                                       monkeypatch):
    from bot import serving

    assert len(RECORDED) >= 2, "bench/record_conversations.py records the conversations"
    read: dict[str, list[int]] = {}  # events each message of a conversation was handled on
    opened = serving._RecentHistory.open

    async def counted_open(self, processor, sender_id, turns):
        tracker = await opened(self, processor, sender_id, turns)
        read.setdefault(sender_id, []).append(len(tracker.events))
        return tracker

    monkeypatch.setattr(serving._RecentHistory, "open", counted_open)
    store = store_of_kind(kind, agent, action_server["workdir"])
    reads_of_rows: dict[str, int] = {}  # the store's reads of a conversation's rows
    retrieve = type(store)._retrieve if kind != "memory" else None

    async def counted_retrieve(self, sender_id, fetch_events_from_all_sessions):
        reads_of_rows[sender_id] = reads_of_rows.get(sender_id, 0) + 1
        return await retrieve(self, sender_id, fetch_events_from_all_sessions)

    if retrieve is not None:
        monkeypatch.setattr(type(store), "_retrieve", counted_retrieve)
    kept_trackers: list[str] = []  # conversations whose next message went on from the tracker a turn left
    cut_trackers: list[str] = []  # of those, where the turn cut the window
    closed = serving._RecentHistory.close

    async def checked_close(self, processor, tracker, loaded, window):
        await closed(self, processor, tracker, loaded, window)
        kept = self.windows.get(tracker.sender_id)
        if kept is not None and kept.tracker is not None:  # the turn's own or, if cut, the cut window's: it must
            # be the tracker its rows give
            from_rows = self.store.tracker_of(tracker.sender_id, kept.texts)
            assert _state_of(kept.tracker, processor.domain) == _state_of(from_rows, processor.domain)
            kept_trackers.append(tracker.sender_id)
            if kept.tracker is not tracker:
                cut_trackers.append(tracker.sender_id)

    monkeypatch.setattr(serving._RecentHistory, "close", checked_close)
    use_store(agent, store)
    for path in RECORDED:
        messages = json.loads(path.read_text(encoding="utf-8"))["messages"][:MESSAGES]
        whole, windowed = f"whole-{path.stem}", f"window-{path.stem}"
        serving.install(off=["bounded_history"])
        expected = asyncio.run(_replay(agent, whole, messages, forget_at=-1))
        serving.install()
        got = asyncio.run(_replay(agent, windowed, messages, forget_at=len(messages) // 2))
        history = agent.processor.__dict__["_qn_history"]
        assert history is not None, f"bounded_history is not used with the {kind} store"
        for turn, (mine, rasas) in enumerate(zip(got, expected)):
            assert mine == rasas, f"{path.name}, message {turn + 1} ({messages[turn]!r})"
        assert _stored(store, windowed) == _stored(store, whole)
        if kind == "masking":  # a turn goes on from the tracker the turn before left, where its rows hold it
            # unmasked (most turns: the others are cut, or hold a name or phone number)
            assert kept_trackers.count(windowed) >= len(messages) / 3, kept_trackers.count(windowed)
            assert cut_trackers, "no cut window's tracker was kept"
            # a turn's tracker is built from the rows the turn before wrote, not read back:
            # read only at a conversation's or a session's start and after the windows were forgotten (2-3 of 45
            # messages, 45 of 45 before)
            assert reads_of_rows[windowed] <= len(messages) / 4, reads_of_rows[windowed]
            assert reads_of_rows[whole] == len(messages)
        # The windows were cut: within a session, a message was handled on fewer events than the one before.
        sizes = read[windowed]
        assert any(later < earlier for earlier, later in zip(sizes, sizes[1:])), sizes
    # The longest session was handled on a few turns at a time to its end.
    assert max(read["window-long_visitor"][-15:]) < len(_stored(store, "whole-long_visitor")) / 3


def test_conversations_taking_turns_get_the_same_answers_with_few_trackers_kept(agent, action_server, monkeypatch):
    """Three recorded conversations interleaved message by message, with room for one kept tracker: every reply
    is the one Rasa's handling of the whole history gives, and never more than one window holds a tracker (the
    others' next messages build theirs from their rows)."""
    import numpy as np

    from bot import serving

    monkeypatch.setattr(serving, "KEPT_TRACKERS", 1)
    store = store_of_kind("masking", agent, action_server["workdir"])
    use_store(agent, store)
    conversations = {path.stem: json.loads(path.read_text(encoding="utf-8"))["messages"][:15]
                     for path in (*RECORDED, *RECORDED)[:3]}
    senders = [f"{name}-{i}" for i, name in enumerate(conversations)]
    texts = list(conversations.values())

    async def interleaved(prefix: str) -> list:
        replies = []
        for turn in range(max(map(len, texts))):
            for sender, messages in zip(senders, texts):
                if turn < len(messages):
                    np.random.seed(turn)
                    replies.append(_without_times(await agent.handle_text(messages[turn],
                                                                          sender_id=f"{prefix}{sender}")))
                    history = agent.processor.__dict__.get("_qn_history")
                    if history is not None:
                        assert sum(w.tracker is not None for w in history.windows.values()) <= 1
        return replies

    serving.install(off=["bounded_history"])
    expected = asyncio.run(interleaved("whole-"))
    serving.install()
    got = asyncio.run(interleaved("window-"))
    assert agent.processor.__dict__["_qn_history"].kept, "no tracker was kept"
    assert got == expected
