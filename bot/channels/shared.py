"""What the channels must share when several Rasa replicas serve one bot (`make prod`): kept in Redis.

Behind the proxy, a visitor's messages may reach any replica, so anything a channel remembers between messages
must not stay in one process:
- the per-conversation line of issue 22 (at most QN_TURNS_PER_CONVERSATION turns in progress or waiting, taken
  one at a time in arrival order), in the same Redis as Rasa's lock store;
- the Zalo events already handled (Zalo resends an event it thinks was lost, possibly to another replica).

Redis unreachable: each process falls back to its own in-memory line and memory of events (a warning is
logged), so the bot keeps answering; the limit then holds per replica instead of across them.
"""
from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import redis.asyncio as aioredis  # type: ignore[import-untyped]
from redis.exceptions import RedisError  # type: ignore[import-untyped]

from bot.channels.admission import ConversationTurn, ConversationTurns

logger = logging.getLogger(__name__)

# A turn's place in the line is leased, and renewed while its process lives: a replica that dies (killed, out of
# memory) frees its conversations' places within LEASE_MS instead of blocking them. Renewed every third of it.
LEASE_MS = 5000
POLL_SECONDS = 0.02  # how often a waiting turn looks whether it is first (a turn takes 20-100 ms)
SEEN_EVENT_SECONDS = 3600  # Zalo resends within minutes; an hour is ample

# Both scripts first drop places whose lease ran out. KEYS: the line (a sorted set, by arrival), the leases (by
# deadline), the arrival counter. Redis runs a script alone, so checking and taking a place is one step.
_DROP_EXPIRED = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  redis.call('ZREM', KEYS[1], gone)
  redis.call('ZREM', KEYS[2], gone)
end
"""
# ARGV: limit (0: none), turn id, lease ms. Returns -1 when the line is full, else the turn's place (0: first).
_ADMIT = _DROP_EXPIRED + """
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[3]))
return redis.call('ZRANK', KEYS[1], ARGV[2])
"""
# ARGV: turn id, lease ms. Renews the lease; returns the turn's place (0: first), or -1 if its lease had run out.
_RENEW = _DROP_EXPIRED + """
local place = redis.call('ZRANK', KEYS[1], ARGV[1])
if not place then return -1 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[2], 2 * tonumber(ARGV[2]))
return place
"""
_COUNT = _DROP_EXPIRED + "return redis.call('ZCARD', KEYS[1])"


class SharedRedis:
    """One Redis, its clients (one per event loop: a client's connections belong to the loop that made them)
    and the prefix of every key the bot keeps there (QN_REDIS_PREFIX)."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}

    def client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for old in [known for known in self._clients if known.is_closed()]:
                del self._clients[old]
            # Short timeouts: Redis answers in a millisecond, and a turn must not hang on a Redis that does not.
            client = self._clients[loop] = aioredis.Redis.from_url(self.url, socket_timeout=2,
                                                                   socket_connect_timeout=2)
        return client

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))


class SharedConversationTurns:
    """ConversationTurns kept in Redis: the limit and the order hold whichever replica each turn reaches."""

    def __init__(self, shared: SharedRedis, limit: int, lease_ms: int = LEASE_MS):
        self.limit, self.lease_ms, self._shared = limit, lease_ms, shared
        self._local = ConversationTurns(limit)  # while Redis is unreachable

    def _keys(self, conversation: str) -> list[str]:
        return [self._shared.key("turns", conversation), self._shared.key("turns", conversation, "leases"),
                self._shared.key("turns", "arrivals")]

    async def run_script(self, script: str, conversation: str, *args: Any) -> int:
        client = self._shared.client()
        return int(await client.eval(script, 3, *self._keys(conversation), *args))

    async def full(self, conversation: str) -> bool:
        if self.limit <= 0:
            return False
        try:
            return await self.run_script(_COUNT, conversation) >= self.limit
        except RedisError:
            logger.warning("Redis unreachable: the turn limit is per process for now", exc_info=True)
            return await self._local.full(conversation)

    async def admit(self, conversation: str) -> "SharedTurn | ConversationTurn | None":
        turn_id = uuid.uuid4().hex
        try:
            place = await self.run_script(_ADMIT, conversation, self.limit, turn_id, self.lease_ms)
        except RedisError:
            logger.warning("Redis unreachable: the turn limit is per process for now", exc_info=True)
            return await self._local.admit(conversation)
        return None if place < 0 else SharedTurn(self, conversation, turn_id)


class SharedTurn:
    """`async with` it: waits until the conversation's earlier turns (on any replica) are done; keeps its lease
    while it waits and runs."""

    def __init__(self, turns: SharedConversationTurns, conversation: str, turn_id: str):
        self._turns, self._conversation, self._id = turns, conversation, turn_id
        self._renewing: asyncio.Task[None] | None = None

    async def _renew(self) -> int:
        return await self._turns.run_script(_RENEW, self._conversation, self._id, self._turns.lease_ms)

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self._turns.lease_ms / 3000)
            try:
                await self._renew()
            except RedisError:
                logger.warning("Redis unreachable: a turn's lease was not renewed", exc_info=True)

    async def __aenter__(self) -> "SharedTurn":
        self._renewing = asyncio.create_task(self._keep_lease())
        try:
            while await self._renew() > 0:
                await asyncio.sleep(POLL_SECONDS)
        except RedisError:
            logger.warning("Redis unreachable: a turn goes in without waiting for its line", exc_info=True)
        except BaseException:
            await self._leave()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._leave()

    async def _leave(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
        line, leases, _ = self._turns._keys(self._conversation)
        try:
            client = self._turns._shared.client()
            async with client.pipeline(transaction=True) as pipe:
                await pipe.zrem(line, self._id).zrem(leases, self._id).execute()
        except RedisError:
            logger.warning("Redis unreachable: a finished turn's place runs out with its lease", exc_info=True)


class SharedSeenEvents:
    """Events already handled, by id, for SEEN_EVENT_SECONDS, in Redis: a resent event is ignored whichever
    replica it reaches. `fallback` (the process's own memory) answers while Redis is unreachable."""

    def __init__(self, shared: SharedRedis, name: str, fallback: Any):
        self._shared, self._name, self._fallback = shared, name, fallback

    async def first_time(self, key: str) -> bool:
        try:
            client = self._shared.client()
            return bool(await client.set(self._shared.key(self._name, "seen", key), 1, nx=True,
                                         ex=SEEN_EVENT_SECONDS))
        except RedisError:
            logger.warning("Redis unreachable: events are de-duplicated per process for now", exc_info=True)
            return bool(await self._fallback.first_time(key))
