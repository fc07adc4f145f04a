"""What every custom action shares: error handling, the user's language, and the knowledge base."""
from __future__ import annotations

import abc
import asyncio
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Text, TypeVar

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import labels
from bot.db import get_engine
from bot.knowledge import KnowledgeBase
from bot.privacy import pseudonym
from bot.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: 0.03 s instead of 0.3 s here
DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base, created on first use (the action server imports this module at start-up)."""
    return KnowledgeBase(get_engine(Settings.from_env().database_url))


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


@lru_cache(maxsize=1)
def shipped_responses() -> Dict[Text, Any]:
    """The domain's responses, read once from domain/ (the same files the model was trained from).
    endpoints.yml turns on Rasa's selective domain: the 40 KB domain then travels only to the actions
    that declare `send_domain: true` (the form's validation), instead of with every action call."""
    responses: Dict[Text, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}
        responses.update(document.get("responses") or {})
    return responses


def response_text(domain: Dict[Text, Any], response: str, language: str) -> str | None:
    """The text of a domain response in `language` (its `language` condition, or its default variation).
    For texts an action composes into something larger, like button titles. An action called without the
    domain (selective domain) reads domain/ instead."""
    variations = (domain.get("responses") or shipped_responses()).get(response) or []
    default = None
    for variation in variations:
        conditions = variation.get("condition") or []
        wanted = [c.get("value") for c in conditions if c.get("name") == "language"]
        if language in wanted:
            return variation.get("text")
        if not conditions and default is None:
            default = variation.get("text")
    return default


def weekday_name(domain: Dict[Text, Any], weekday: int, language: str) -> str:
    """Monday is 0. The weekday names are labels now (actions/labels.yml); kept with this signature for the
    ticket actions until they move to actions.labels."""
    return labels.weekday_name(weekday, language)


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
