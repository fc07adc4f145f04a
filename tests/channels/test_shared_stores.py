"""What replicas share through Redis (bot/channels/shared.py): two line objects on one Redis stand for two
replicas. Needs Redis at 127.0.0.1:6379 (skipped without it unless QN_REQUIRE_SERVICES=1); every test keeps its
keys under a prefix of its own."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.channels.admission import ConversationTurn
from bot.channels.shared import SharedConversationTurns, SharedRedis, SharedSeenEvents, SharedTurn
from bot.channels.zalo import SeenEvents
from tests.conftest import skip_or_fail

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    prefix = f"test{uuid.uuid4().hex[:10]}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def replicas(prefix: str, limit: int = 3, lease_ms: int = 5000) -> tuple[SharedConversationTurns, ...]:
    return tuple(SharedConversationTurns(SharedRedis(REDIS_URL, prefix), limit, lease_ms) for _ in range(2))


@pytest.mark.asyncio
async def test_the_turn_limit_and_the_order_hold_across_replicas(redis_prefix):
    first, second = replicas(redis_prefix)
    started: list[str] = []
    go = {name: asyncio.Event() for name in ("a1", "b1", "a2", "other")}

    async def turn(line: SharedConversationTurns, sender: str, name: str) -> str | None:
        place = await line.admit(sender)
        if place is None:
            return None  # the channel tells the sender to wait
        async with place:
            started.append(name)
            await go[name].wait()
        return name

    tasks = []
    for line, name in ((first, "a1"), (second, "b1"), (first, "a2")):  # one conversation, on both replicas
        tasks.append(asyncio.create_task(turn(line, "visitor", name)))
        await asyncio.sleep(0.05)
    assert await second.full("visitor")
    assert await turn(second, "visitor", "refused") is None  # a fourth, on either replica, is refused at once
    other = asyncio.create_task(turn(second, "someone else", "other"))
    await asyncio.sleep(0.1)
    assert started == ["a1", "other"]  # one at a time, and nobody else waits behind this conversation
    for name in ("other", "a1", "b1", "a2"):
        go[name].set()
    assert [await task for task in tasks] == ["a1", "b1", "a2"] and await other == "other"
    assert started == ["a1", "other", "b1", "a2"]  # in arrival order, whichever replica each reached
    assert not await first.full("visitor")


@pytest.mark.asyncio
async def test_a_dead_replicas_turns_free_their_places_when_their_lease_runs_out(redis_prefix):
    dead, alive = replicas(redis_prefix, limit=2, lease_ms=300)
    for _ in range(2):  # admitted, then the process died: never entered, never left, never renewed
        assert isinstance(await dead.admit("visitor"), SharedTurn)
    assert await alive.admit("visitor") is None
    await asyncio.sleep(0.4)
    place = await alive.admit("visitor")
    assert place is not None
    async with place:  # first in line: nothing left of the dead replica's turns
        pass


@pytest.mark.asyncio
async def test_a_long_turn_keeps_its_place_beyond_its_lease(redis_prefix):
    first, second = replicas(redis_prefix, limit=3, lease_ms=300)
    order: list[str] = []

    async def long_turn() -> None:
        place = await first.admit("visitor")
        assert place is not None
        async with place:
            await asyncio.sleep(1.0)  # three leases: renewed meanwhile
            order.append("long")

    long = asyncio.create_task(long_turn())
    await asyncio.sleep(0.05)
    place = await second.admit("visitor")
    assert place is not None
    async with place:
        order.append("next")
    await long
    assert order == ["long", "next"]


@pytest.mark.asyncio
async def test_a_resent_zalo_event_is_handled_once_whichever_replica_it_reaches(redis_prefix):
    first, second = (SharedSeenEvents(SharedRedis(REDIS_URL, redis_prefix), "zalo", SeenEvents()) for _ in range(2))
    assert await first.first_time("msg-1")
    assert not await second.first_time("msg-1")
    assert await second.first_time("msg-2")


@pytest.mark.asyncio
async def test_without_redis_each_process_keeps_its_own_line_and_the_bot_still_answers():
    unreachable = SharedRedis("redis://127.0.0.1:9/0", "test")
    line = SharedConversationTurns(unreachable, limit=1)
    place = await line.admit("visitor")
    assert isinstance(place, ConversationTurn)  # the process's own line
    async with place:
        assert await line.admit("visitor") is None  # the limit still holds, in this process
    seen = SharedSeenEvents(unreachable, "zalo", SeenEvents())
    assert await seen.first_time("m") and not await seen.first_time("m")
