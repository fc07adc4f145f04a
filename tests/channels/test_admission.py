"""Rasa works on a few turns at once, in the order they came, and a stuck turn never stops the bot."""
from __future__ import annotations

import asyncio

import pytest

from bot.channels.admission import TurnAdmission
from bot.settings import Settings, SettingsError


class Turns:
    """Turns that each wait for their own go-ahead, recording when they start and how many run at once."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.running = self.most_at_once = 0
        self.go: dict[int, asyncio.Event] = {}

    async def turn(self, number: int, fail: bool = False) -> int:
        self.started.append(number)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.go.setdefault(number, asyncio.Event()).wait()
            if fail:
                raise RuntimeError("the action server broke")
            return number
        finally:
            self.running -= 1

    def finish(self, number: int) -> None:
        self.go.setdefault(number, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_at_most_the_limit_run_at_once_and_waiting_turns_go_in_arrival_order():
    admission, turns = TurnAdmission(2, wait_seconds=30), Turns()
    tasks = [asyncio.create_task(admission.run(turns.turn(n))) for n in range(6)]
    await settle()
    assert turns.started == [0, 1]
    turns.finish(1)
    await settle()
    assert turns.started == [0, 1, 2]
    for number in (0, 2, 3, 4, 5):
        turns.finish(number)
    assert await asyncio.gather(*tasks) == [0, 1, 2, 3, 4, 5]
    assert turns.started == [0, 1, 2, 3, 4, 5] and turns.most_at_once == 2


@pytest.mark.asyncio
async def test_a_failed_turn_gives_its_place_to_the_next():
    admission, turns = TurnAdmission(1, wait_seconds=30), Turns()
    failing = asyncio.create_task(admission.run(turns.turn(0, fail=True)))
    waiting = asyncio.create_task(admission.run(turns.turn(1)))
    await settle()
    assert turns.started == [0]
    turns.finish(0)
    with pytest.raises(RuntimeError):
        await failing
    turns.finish(1)
    assert await waiting == 1


@pytest.mark.asyncio
async def test_turns_stuck_on_a_hung_action_server_hold_the_others_back_only_briefly():
    admission, turns = TurnAdmission(1, wait_seconds=0.05), Turns()
    stuck = asyncio.create_task(admission.run(turns.turn(0)))  # never finished below
    turns.finish(1)
    assert await asyncio.wait_for(admission.run(turns.turn(1)), timeout=10) == 1
    assert not stuck.done()
    stuck.cancel()


@pytest.mark.asyncio
async def test_a_limit_of_zero_lets_every_turn_in_at_once():
    admission, turns = TurnAdmission(0), Turns()
    tasks = [asyncio.create_task(admission.run(turns.turn(n))) for n in range(5)]
    await settle()
    assert turns.running == 5
    for number in range(5):
        turns.finish(number)
    await asyncio.gather(*tasks)


def test_the_limit_is_set_by_qn_concurrent_turns():
    assert Settings.from_env({"QN_CONCURRENT_TURNS": "6"}).concurrent_turns == 6
    assert Settings.from_env({"QN_CONCURRENT_TURNS": "-1"}).concurrent_turns == 0
    with pytest.raises(SettingsError, match="QN_CONCURRENT_TURNS"):
        Settings.from_env({"QN_CONCURRENT_TURNS": "four"})


@pytest.mark.asyncio
async def test_one_conversation_goes_one_turn_at_a_time_and_beyond_its_limit_is_told_to_wait():
    from bot.channels.admission import ConversationTurns

    turns, conversation = ConversationTurns(limit=3), Turns()

    async def take(number: int, sender: str) -> int | None:
        turn = await turns.admit(sender)
        if turn is None:
            return None  # the channel tells the sender to wait
        async with turn:
            return await conversation.turn(number)

    flood = [asyncio.create_task(take(n, "flooder")) for n in range(1, 11)]
    other = asyncio.create_task(take(100, "someone else"))
    await asyncio.sleep(0.01)
    assert conversation.started == [1, 100]  # the other conversation is not behind the flooder's turns
    refused = [await task for task in flood[3:]]
    assert refused == [None] * 7  # beyond three turns waiting: told to wait, at once
    for number in (1, 2, 3, 100):
        conversation.go.setdefault(number, asyncio.Event()).set()
    assert [await task for task in flood[:3]] == [1, 2, 3] and await other == 100
    assert conversation.started == [1, 100, 2, 3]  # in arrival order, one at a time
    assert await turns.admit("flooder") is not None  # the line is free again


@pytest.mark.asyncio
async def test_no_limit_means_every_turn_is_taken():
    from bot.channels.admission import ConversationTurns

    turns = ConversationTurns(limit=0)
    assert all([await turns.admit("x") is not None for _ in range(100)])
