"""Starting a turn from outside a conversation, the way Rasa does it: POST /conversations/{id}/trigger_intent
with the channel's name as `output_channel`. Rasa runs the intent's rule (an action that reads the booking and
picks a domain response), records the turn in the tracker like any other, and hands the replies to that input
channel's `get_output_channel()`: Telegram and Zalo send them at once; for REST, which can only answer a
request, Rasa gives them back here and they wait for the visitor's next request (bot/channels/rest.py).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from bot.channels.replies import DELIVERY_REFUSED
from bot.notifications.models import EXPIRED, FAILED, REFUSED, REMINDER, SENT, TICKET
from bot.notifications.store import Claimed, NoticeStore
from bot.privacy import pseudonym

logger = logging.getLogger(__name__)

EXTERNAL_INTENTS = {TICKET: "EXTERNAL_ticket_paid", REMINDER: "EXTERNAL_visit_reminder",
                    EXPIRED: "EXTERNAL_booking_expired"}


@dataclass(frozen=True)
class PushOutcome:
    status: str  # SENT, REFUSED (the channel said no: final) or FAILED (Rasa not reached: tried again later)
    detail: str = ""
    messages: tuple[dict[str, Any], ...] = ()


class RasaTrigger:
    """Rasa's trigger-intent API at `rasa_url` (QN_RASA_URL; behind `make prod`'s internal port, any replica), with
    Rasa's API token when one is set (QN_RASA_TOKEN)."""

    def __init__(self, rasa_url: str, timeout: float = 30, token: str = ""):
        self._url = rasa_url.rstrip("/")
        self._timeout, self._token = timeout, token

    async def push(self, http: httpx.AsyncClient, claimed: Claimed) -> PushOutcome:
        booking = claimed.booking
        url = f"{self._url}/conversations/{quote(booking.sender_id, safe='')}/trigger_intent"
        body = {"name": EXTERNAL_INTENTS[claimed.kind], "entities": {"booking_code": booking.code}}
        params = {"output_channel": claimed.channel, "include_events": "NONE"}
        if self._token:
            params["token"] = self._token
        try:
            answer = await http.post(url, params=params, json=body, timeout=self._timeout)
        except httpx.HTTPError as error:
            return PushOutcome(FAILED, f"rasa unreachable ({type(error).__name__})")
        if answer.status_code == 200:
            messages = answer.json().get("messages") or []
            return PushOutcome(SENT, "", tuple(messages))
        text = answer.text
        if DELIVERY_REFUSED in text:  # the channel's API said no (blocked, outside its window): final
            return PushOutcome(REFUSED, text.split(DELIVERY_REFUSED, 1)[1].strip(" :\"}")[:160])
        return PushOutcome(FAILED, f"rasa {answer.status_code}")


async def deliver(claimed: Claimed, store: NoticeStore, trigger: RasaTrigger, http: httpx.AsyncClient) -> PushOutcome:
    """Push one claimed notice and record how it went. Logged without personal data (the booking code and a
    pseudonym of the conversation); a refusal or failure is counted in booking_notices, never retried forever."""
    outcome = await trigger.push(http, claimed)
    if outcome.status == SENT and claimed.channel == "rest" and outcome.messages:
        await asyncio.to_thread(store.keep_replies, claimed.booking.sender_id, list(outcome.messages))
    await asyncio.to_thread(store.finish, claimed.booking.code, claimed.kind, outcome.status, outcome.detail)
    log = logger.info if outcome.status == SENT else logger.warning
    log("notice %s of %s to %s on %s: %s %s", claimed.kind, claimed.booking.code, pseudonym(claimed.booking.sender_id),
        claimed.channel, outcome.status, outcome.detail)
    return outcome
