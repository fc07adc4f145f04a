"""What every custom action shares: error handling, the user's language, and the knowledge base."""
from __future__ import annotations

import abc
import asyncio
import json
import logging
from functools import lru_cache
from typing import Any, Callable, Dict, List, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.db import get_engine
from bot.knowledge import KnowledgeBase
from bot.privacy import pseudonym
from bot.settings import current_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base, created on first use (the action server imports this module at start-up)."""
    return KnowledgeBase(get_engine(current_settings().database_url))


async def ask_knowledge(query: Callable[[KnowledgeBase], T]) -> T:
    """Run a blocking knowledge query in a worker thread, so the action server's event loop stays free."""
    base = knowledge_base()
    return await asyncio.to_thread(query, base)


def latest_text(tracker: Tracker) -> str:
    """What the user typed last (a button's payload, for a pressed button)."""
    return (tracker.latest_message or {}).get("text") or ""


def money(amount: int) -> str:
    """Vietnamese money: 40000 -> "40.000 đ"."""
    return f"{amount:,}".replace(",", ".") + " đ"


def payload(intent: str, **entities: Any) -> str:
    """A button's payload, what a user could type too: `/intent{"entity": "value"}`, built with json.dumps (a
    staff-edited name may hold quotes)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def user_language(tracker: Tracker) -> str:
    return "en" if tracker.get_slot("language") == "en" else "vi"


class BaseAction(Action, abc.ABC):
    """Runs `perform`; any unexpected error is logged with context and the user gets a polite reply,
    never a stack trace."""

    @abc.abstractmethod
    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            with KnowledgeBase.consistent_reads():
                return await self.perform(dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - the last line of defence for the user's conversation
            logger.exception("action %s failed for %s (intent %s)", self.name(), pseudonym(tracker.sender_id),
                             (tracker.latest_message or {}).get("intent", {}).get("name"))
            dispatcher.utter_message(response="utter_internal_error")
            return []
