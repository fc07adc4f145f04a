"""Administrative procedures: the steps first, then documents, fee and processing time on request."""
from __future__ import annotations

import abc
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, ask_knowledge, latest_text, response_text, user_language
from bot.knowledge.repository import KnowledgeBase, ProcedureGuide, ProcedureMatch
from bot.text import fold, split_for_chat

Domain = Dict[Text, Any]
MESSAGE_LIMIT = 3500


def find_focus(kb: KnowledgeBase, entity: Optional[str], message: str, procedure_id: Optional[str],
               follow_up: bool) -> ProcedureMatch:
    """The procedure this turn is about: the one named, else the one the question describes, else (for a
    follow-up like "cần giấy tờ gì?") the one the conversation is about."""
    if entity:
        named = kb.find_procedure(entity)
        if named.procedure:
            return named
        whole = kb.find_procedure(message)  # "hộ chiếu" alone is ambiguous; "làm hộ chiếu" is not
        return whole if whole.procedure else named
    match = kb.find_procedure(message)
    if match.procedure or (match.candidates and not (follow_up and procedure_id)):
        return match
    if procedure_id:
        guide = kb.procedure(procedure_id)
        if guide:
            return kb.find_procedure(guide.id)
    return match


def numbered(items: tuple[str, ...]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def bulleted(items: tuple[str, ...]) -> str:
    return "\n".join(f"• {item}" for item in items)


def send_long(dispatcher: CollectingDispatcher, text: str, buttons: Optional[list] = None) -> None:
    pieces = split_for_chat(text, MESSAGE_LIMIT)
    for piece in pieces[:-1]:
        dispatcher.utter_message(text=piece)
    dispatcher.utter_message(text=pieces[-1], buttons=buttons or [])


class ProcedureAction(BaseAction):
    intent = ""
    follow_up = True

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain) -> List[Dict]:
        language = user_language(tracker)
        entity = next(tracker.get_latest_entity_values("procedure"), None)
        message = latest_text(tracker)
        context = tracker.get_slot("procedure_id")
        match = await ask_knowledge(lambda kb: find_focus(kb, entity, message, context, self.follow_up))
        if match.procedure is not None:
            procedure_id = match.procedure.id
            guide = await ask_knowledge(lambda kb: kb.procedure(procedure_id))
            if guide is not None:
                self.answer(dispatcher, guide, domain, language)
                return [SlotSet("procedure_id", guide.id)]
        if match.candidates:
            buttons = [{"title": c.name, "payload": f'/{self.intent}{{"procedure": "{c.id}"}}'}
                       for c in match.candidates]
            dispatcher.utter_message(response="utter_which_procedure", buttons=buttons)
        elif entity or fold(message).split():
            dispatcher.utter_message(response="utter_procedure_unknown" if entity else "utter_ask_procedure_name")
        else:
            dispatcher.utter_message(response="utter_ask_procedure_name")
        return []

    @abc.abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, guide: ProcedureGuide, domain: Domain, language: str) -> None:
        """Reply about the procedure."""

    @staticmethod
    def follow_ups(guide: ProcedureGuide, domain: Domain, language: str, skip: str) -> List[Dict[str, str]]:
        target = f'{{"procedure": "{guide.id}"}}'
        options = [("ask_procedure_documents", "utter_button_documents"),
                   ("ask_procedure_fee", "utter_button_procedure_fee"),
                   ("ask_processing_time", "utter_button_time")]
        return [{"title": response_text(domain, label, language) or intent, "payload": f"/{intent}{target}"}
                for intent, label in options if intent != skip]

    @staticmethod
    def unknown(dispatcher: CollectingDispatcher, guide: ProcedureGuide, domain: Domain, language: str,
                what: str) -> None:
        dispatcher.utter_message(response="utter_procedure_fact_unknown", name=guide.name, source=guide.sources[0],
                                 what=response_text(domain, what, language) or "")


class ActionProcedureGuide(ProcedureAction):
    intent = "ask_procedure"
    follow_up = False

    def name(self) -> Text:
        return "action_procedure_guide"

    def answer(self, dispatcher, guide, domain, language) -> None:
        level_response = {"toàn trình": "utter_level_toan_trinh", "một phần": "utter_level_mot_phan",
                          "trực tiếp": "utter_level_truc_tiep"}[guide.online_level]
        template = response_text(domain, "utter_procedure_guide", language) or "{name}\n{steps}"
        steps = numbered(guide.steps) or (response_text(domain, "utter_procedure_no_steps", language) or "").format(
            code=guide.code or "-")
        text = template.format(name=guide.name, level=response_text(domain, level_response, language),
                               where=guide.where, steps=steps)
        if guide.online_level != "toàn trình" and guide.offline:
            text += "\n\n" + (response_text(domain, "utter_procedure_offline", language) or "").format(
                offline=guide.offline)
        source = (response_text(domain, "utter_procedure_source", language) or "").format(
            legal="; ".join(guide.legal_basis) or "-", source=guide.sources[0])
        send_long(dispatcher, f"{text}\n\n{source}", self.follow_ups(guide, domain, language, skip=""))


class ActionProcedureDocuments(ProcedureAction):
    intent = "ask_procedure_documents"

    def name(self) -> Text:
        return "action_procedure_documents"

    def answer(self, dispatcher, guide, domain, language) -> None:
        if not guide.documents:
            self.unknown(dispatcher, guide, domain, language, "utter_what_documents")
            return
        template = response_text(domain, "utter_procedure_documents", language) or "{name}\n{documents}"
        send_long(dispatcher, template.format(name=guide.name, documents=bulleted(guide.documents)),
                  self.follow_ups(guide, domain, language, skip=self.intent))


class ProcedureFactAction(ProcedureAction):
    """One fact of a procedure, or that no official source gives it (never a guess)."""

    field = ""
    response = ""
    variable = ""
    what = ""

    @abc.abstractmethod
    def name(self) -> Text:
        """Each concrete fact action has its own name (an abstract class is not registered by rasa_sdk)."""

    def answer(self, dispatcher, guide, domain, language) -> None:
        value = getattr(guide, self.field)
        if not value:
            self.unknown(dispatcher, guide, domain, language, self.what)
            return
        dispatcher.utter_message(response=self.response, name=guide.name, **{self.variable: value},
                                 buttons=self.follow_ups(guide, domain, language, skip=self.intent))


class ActionProcedureFee(ProcedureFactAction):
    intent = "ask_procedure_fee"
    field, response, variable, what = "fee", "utter_procedure_fee", "fee", "utter_what_fee"

    def name(self) -> Text:
        return "action_procedure_fee"


class ActionProcessingTime(ProcedureFactAction):
    intent = "ask_processing_time"
    field, response, variable, what = "processing_time", "utter_procedure_time", "time", "utter_what_time"

    def name(self) -> Text:
        return "action_processing_time"
