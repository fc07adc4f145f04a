"""Core conversation actions: the clarifying fallback and the hand-over to official channels."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, ask_knowledge, payload, user_language
from actions.labels import has_label, label

# Intents never offered as a guess: they are not something a user "meant".
_NOT_OFFERED = {"nlu_fallback", "out_of_scope", "affirm", "deny"}
MAX_GUESSES = 3


class ActionAskAffirmation(BaseAction):
    """First stage of the fallback: offer the most likely intents as buttons, plus "none of these"."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = user_language(tracker)
        latest = tracker.latest_message or {}
        entities = {e["entity"]: e["value"] for e in latest.get("entities", []) if e.get("entity") != "language"}
        buttons = []
        for candidate in latest.get("intent_ranking", []):
            intent = candidate.get("name")
            if intent in _NOT_OFFERED or not has_label(f"intent.{intent}"):
                continue
            buttons.append({"title": label(f"intent.{intent}", language), "payload": payload(intent, **entities)})
            if len(buttons) == MAX_GUESSES:
                break
        buttons.append({"title": label("none_of_these", language), "payload": "/out_of_scope"})
        dispatcher.utter_message(response="utter_ask_affirmation", buttons=buttons)
        return []


CONTACT_FIELDS = ("phone", "website", "email", "address", "hours")


def format_contact(contact: Any, language: str) -> str:
    """One official contact: its name, then a labelled line per field it has."""
    name = contact.name_en if language == "en" and contact.name_en else contact.name
    parts = [f"• {name}"]
    for field in CONTACT_FIELDS:
        value = getattr(contact, field)
        if value:
            parts.append(f"  {label(f'contact.{field}', language)}: {value}")
    return "\n".join(parts)


class ActionRequestHuman(BaseAction):
    """Point the user to official channels from knowledge/contacts.yml, the topic of the chat first."""

    def name(self) -> Text:
        return "action_request_human"

    async def perform(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = user_language(tracker)
        contacts = await ask_knowledge(lambda kb: kb.contacts())
        if not contacts:
            dispatcher.utter_message(response="utter_request_human_none")
            return []
        dispatcher.utter_message(response="utter_request_human_intro")
        dispatcher.utter_message(response="utter_request_human_contacts",
                                 contacts="\n".join(format_contact(c, language) for c in contacts))
        return []
