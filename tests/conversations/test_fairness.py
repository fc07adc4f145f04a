"""One visitor flooding the bot gets no queue of turns (issue 22): beyond a few waiting, the flooder is told to
wait at once, and the other visitors are answered."""
from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import httpx

from bot.channels.guard import PLEASE_WAIT


async def conversation(client: httpx.AsyncClient, url: str, sender: str, timings: list[float]) -> None:
    for text in ("xin chào", "Yên Tử ở đâu?", "cảm ơn"):
        started = time.monotonic()
        response = await client.post(url, json={"sender": sender, "message": text})
        assert response.status_code == 200 and response.json()
        timings.append(time.monotonic() - started)


async def others_while(url: str, flood_size: int) -> tuple[list[float], list[list[dict]]]:
    """20 visitors' turn times while one sender fires `flood_size` messages at once; and the flood's answers."""
    flooder, timings = f"flood-{uuid.uuid4().hex[:6]}", []
    async with httpx.AsyncClient(timeout=180, limits=httpx.Limits(max_connections=500)) as client:
        flood = [asyncio.create_task(client.post(url, json={"sender": flooder, "message": f"xin chào lần {i}"}))
                 for i in range(flood_size)]
        await asyncio.sleep(0.3)  # the flood is in the server
        await asyncio.gather(*(conversation(client, url, f"calm-{uuid.uuid4().hex[:6]}", timings)
                               for _ in range(20)))
        answers = [(await task).json() for task in flood]
    return timings, answers


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def test_a_flood_from_one_sender_leaves_other_visitors_as_fast_and_the_flooder_is_told_to_wait(running_bot):
    url = f"{running_bot.rasa_url}/webhooks/rest/webhook"
    quiet, _ = asyncio.run(others_while(url, 0))
    during, answers = asyncio.run(others_while(url, 300))
    told_to_wait = sum(any(r.get("text") == PLEASE_WAIT["vi"] for r in answer) for answer in answers)
    print(f"others' p95 {p95(quiet) * 1000:.0f} ms alone, {p95(during) * 1000:.0f} ms during a 300-message flood; "
          f"{told_to_wait} of the 300 told to wait")
    assert all(answers)  # every flood message got an answer, none an error
    assert told_to_wait >= 250  # all but the first few, which wait their turn in the conversation's own line
    # The other visitors are all answered; how fast depends on the HTTP cost of 300 requests at once, which the
    # production proxy's per-client rate limit removes (issue 22's part 2): the figures are printed above.
    assert len(during) == len(quiet) == 60
