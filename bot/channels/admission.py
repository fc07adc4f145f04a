"""How many turns Rasa works on at once: a few, first come first served.

Rasa runs every turn on one event loop, and a turn gives way each time it waits for the action server.
With no limit, every waiting turn rejoins the line behind all the turns that arrived since, at every step:
with 20 users, a turn that calls three actions waits in line three times, and bench/serve.py measured a
p95 2.7 times the median. A few turns at once still keep the processor busy while one of them waits for
the action server, and the turns finish in the order they came: the same messages per second, with the
long tail gone (the README's "Speed" section has the figures).

The limit never stops the bot: a turn that has waited ADMISSION_WAIT_SECONDS goes in anyway, so turns
stuck on a hung action server (Rasa waits up to 5 minutes for it) delay the others by at most that.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Awaitable, TypeVar

if TYPE_CHECKING:
    from bot.channels.shared import SharedConversationTurns

logger = logging.getLogger(__name__)

T = TypeVar("T")

ADMISSION_WAIT_SECONDS = 2.0  # far above a turn's wait under heavy load (about 0.2 s at 20 users)


class TurnAdmission:
    def __init__(self, limit: int, wait_seconds: float = ADMISSION_WAIT_SECONDS):
        self.limit, self.wait_seconds = limit, wait_seconds
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._semaphores.get(loop)
        if semaphore is None:
            for old in [known for known in self._semaphores if known.is_closed()]:
                del self._semaphores[old]
            semaphore = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        return semaphore

    async def run(self, turn: Awaitable[T]) -> T:
        """Await `turn` once one of the `limit` places is free, or after `wait_seconds` in any case."""
        if self.limit <= 0:
            return await turn
        semaphore = self._semaphore()
        try:
            await asyncio.wait_for(semaphore.acquire(), self.wait_seconds)
        except asyncio.TimeoutError:
            logger.warning("a turn waited %.1f s for one of %d places; it goes in anyway", self.wait_seconds,
                           self.limit)
            return await turn
        try:
            return await turn
        finally:
            semaphore.release()


class ConversationTurns:
    """At most `limit` turns of one conversation in flight or waiting, taken one at a time in arrival order.

    Rasa answers one conversation's turns one after the other anyway (its lock per conversation); without this,
    each of a flooding client's turns would hold one of TurnAdmission's places while it waited for that lock, and
    everybody else waited behind them. Here a conversation's extra turns wait on their own line, outside the
    admission, and those beyond the limit are refused at once (the channel tells the sender to wait). This line
    is the process's own; SharedConversationTurns keeps it in Redis for replicas."""

    def __init__(self, limit: int):
        self.limit = limit
        self._turns: dict[tuple[asyncio.AbstractEventLoop, str], tuple[asyncio.Lock, int]] = {}

    async def full(self, conversation: str) -> bool:
        """Whether the conversation already holds `limit` turns (a new one would be refused)."""
        _, holding = self._turns.get((asyncio.get_running_loop(), conversation)) or (None, 0)
        return 0 < self.limit <= holding

    async def admit(self, conversation: str) -> "ConversationTurn | None":
        """A place in the conversation's line, or None when it already holds `limit` turns."""
        if await self.full(conversation):
            return None
        key = (asyncio.get_running_loop(), conversation)
        lock, holding = self._turns.get(key) or (asyncio.Lock(), 0)
        self._turns[key] = (lock, holding + 1)
        return ConversationTurn(self, key, lock)

    def _leave(self, key: tuple[asyncio.AbstractEventLoop, str]) -> None:
        lock, holding = self._turns[key]
        if holding <= 1:
            del self._turns[key]
        else:
            self._turns[key] = (lock, holding - 1)


class ConversationTurn:
    """`async with` it: the conversation's earlier turns are done first."""

    def __init__(self, turns: ConversationTurns, key: tuple[asyncio.AbstractEventLoop, str], lock: asyncio.Lock):
        self._turns, self._key, self._lock = turns, key, lock

    async def __aenter__(self) -> "ConversationTurn":
        try:
            await self._lock.acquire()
        except BaseException:
            self._turns._leave(self._key)
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._lock.release()
        self._turns._leave(self._key)


_admission: TurnAdmission | None = None
_conversation_turns: "ConversationTurns | SharedConversationTurns | None" = None


def admission() -> TurnAdmission:
    """The process's admission, sized by QN_CONCURRENT_TURNS."""
    global _admission
    if _admission is None:
        from bot.settings import current_settings

        _admission = TurnAdmission(current_settings().concurrent_turns)
    return _admission


def conversation_turns() -> "ConversationTurns | SharedConversationTurns":
    """The per-conversation line, sized by QN_TURNS_PER_CONVERSATION: in Redis when QN_REDIS_URL is set (the limit
    lives where Rasa's lock lives, so it holds across replicas), else the process's own."""
    global _conversation_turns
    if _conversation_turns is None:
        from bot.settings import current_settings

        settings = current_settings()
        _conversation_turns = ConversationTurns(settings.turns_per_conversation)
        if settings.redis_url:
            from bot.channels.shared import SharedConversationTurns, SharedRedis

            _conversation_turns = SharedConversationTurns(
                SharedRedis(settings.redis_url, settings.redis_key_prefix), settings.turns_per_conversation)
    return _conversation_turns
