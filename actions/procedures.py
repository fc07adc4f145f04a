"""Administrative procedures: the steps first, then documents, fee and processing time on request."""
from __future__ import annotations

import abc
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, ask_knowledge, latest_text, payload, user_language
from actions.labels import has_label, label
from bot.knowledge.repository import KnowledgeBase, ProcedureGuide, ProcedureMatch
from bot.text import fold

Domain = Dict[Text, Any]
# Steps beyond this many characters go on the next page, behind a "xem thêm" button: the portal's records can
# run to thousands of characters, more than a phone screen shows.
STEPS_PAGE_CHARS = 1200


def step_pages(steps: tuple[str, ...], limit: int = STEPS_PAGE_CHARS) -> list[str]:
    """Numbered steps cut into pages of whole steps (a step longer than a page is a page of its own)."""
    pages: list[str] = []
    current: list[str] = []
    for number, step in enumerate(steps, 1):
        line = f"{number}. {step}"
        if current and len("\n".join([*current, line])) > limit:
            pages.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        pages.append("\n".join(current))
    return pages


def requested_page(tracker: Tracker, pages: int) -> int:
    """The page a "xem thêm" button asked for (typed text is checked the same way): 1 when absent or not a page."""
    value = next(tracker.get_latest_entity_values("procedure_page"), None)
    try:
        page = int(str(value))
    except ValueError:
        return 1
    return page if 1 <= page <= pages else 1


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


def online_level(guide: ProcedureGuide, language: str) -> str:
    """How far the procedure can be done online, in words."""
    key = f"procedure.level.{guide.online_level}"
    return label(key if has_label(key) else "procedure.level.unknown", language)


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
                self.answer(dispatcher, guide, language, tracker)
                return [SlotSet("procedure_id", guide.id)]
        if match.candidates:
            buttons = [{"title": c.name, "payload": payload(self.intent, procedure=c.id)} for c in match.candidates]
            dispatcher.utter_message(response="utter_which_procedure", buttons=buttons)
        elif entity or fold(message).split():
            dispatcher.utter_message(response="utter_procedure_unknown" if entity else "utter_ask_procedure_name")
        else:
            dispatcher.utter_message(response="utter_ask_procedure_name")
        return []

    @abc.abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, guide: ProcedureGuide, language: str,
               tracker: Tracker) -> None:
        """Reply about the procedure."""

    @staticmethod
    def follow_ups(guide: ProcedureGuide, language: str, skip: str) -> List[Dict[str, str]]:
        options = [("ask_procedure_documents", "procedure.button.documents"),
                   ("ask_procedure_fee", "procedure.button.fee"),
                   ("ask_processing_time", "procedure.button.time")]
        return [{"title": label(title, language), "payload": payload(intent, procedure=guide.id)}
                for intent, title in options if intent != skip]

    @staticmethod
    def unknown(dispatcher: CollectingDispatcher, guide: ProcedureGuide, language: str, what: str) -> None:
        dispatcher.utter_message(response="utter_procedure_fact_unknown", name=guide.name, source=guide.sources[0],
                                 what=label(what, language))


class ActionProcedureGuide(ProcedureAction):
    intent = "ask_procedure"
    follow_up = False

    def name(self) -> Text:
        return "action_procedure_guide"

    def answer(self, dispatcher, guide, language, tracker) -> None:
        pages = step_pages(guide.steps)
        page = requested_page(tracker, len(pages))
        buttons = self.follow_ups(guide, language, skip="")
        if page < len(pages):
            buttons.insert(0, {"title": label("procedure.button.more_steps", language),
                               "payload": payload(self.intent, procedure=guide.id, procedure_page=str(page + 1))})
        if page > 1:  # a further page of steps: the steps alone, under the procedure's name
            dispatcher.utter_message(response="utter_procedure_steps_page", name=guide.name, page=str(page),
                                     pages=str(len(pages)), steps=pages[page - 1], buttons=buttons)
            return
        # Lines only some guides have, each with the line break that sets it apart (empty when absent): which
        # version this is (the level of government that handles it), where to go when it is not all online, and
        # the date of the portal's record.
        levels = "\n" + label("procedure.levels", language, levels=", ".join(guide.levels)) if guide.levels else ""
        offline = "\n\n" + label("procedure.offline", language, offline=guide.offline) \
            if guide.online_level not in ("toàn trình", "trực tuyến") and guide.offline else ""
        record_date = "\n" + label("procedure.record_date", language, date=guide.source_date) \
            if guide.source_date else ""
        steps = pages[0] if pages else label("procedure.no_steps", language, code=guide.code or "-")
        # Long answers are cut to each channel's size where they are sent (bot/channels/replies.py).
        dispatcher.utter_message(
            response="utter_procedure_guide", name=guide.name, levels=levels, level=online_level(guide, language),
            where=guide.where, steps=steps, offline=offline, legal="; ".join(guide.legal_basis) or "-",
            source=guide.sources[0], record_date=record_date, buttons=buttons)


class ActionProcedureDocuments(ProcedureAction):
    intent = "ask_procedure_documents"

    def name(self) -> Text:
        return "action_procedure_documents"

    def answer(self, dispatcher, guide, language, tracker) -> None:
        if not guide.documents:
            self.unknown(dispatcher, guide, language, "procedure.what.documents")
            return
        dispatcher.utter_message(response="utter_procedure_documents", name=guide.name,
                                 documents=bulleted(guide.documents),
                                 buttons=self.follow_ups(guide, language, skip=self.intent))


class ProcedureFactAction(ProcedureAction):
    """One fact of a procedure, or that no official source gives it (never a guess)."""

    field = ""
    channel_fact = ""  # the same fact in the portal's ways to submit ("time", "fee")
    response = ""
    variable = ""
    what = ""

    @abc.abstractmethod
    def name(self) -> Text:
        """Each concrete fact action has its own name (an abstract class is not registered by rasa_sdk)."""

    def answer(self, dispatcher, guide, language, tracker) -> None:
        value = getattr(guide, self.field)
        if not value and guide.channels:  # the portal's record: one line per way to submit that states it
            value = "\n" + "\n".join(f"{label(f'procedure.channel.{kind}', language)}: {text}"
                                      for kind, text in guide.channel_facts(self.channel_fact))
            value = value if value.strip() else None
        if not value:
            self.unknown(dispatcher, guide, language, self.what)
            return
        dispatcher.utter_message(response=self.response, name=guide.name, **{self.variable: value},
                                 buttons=self.follow_ups(guide, language, skip=self.intent))


class ActionProcedureFee(ProcedureFactAction):
    intent = "ask_procedure_fee"
    field, response, variable, what = "fee", "utter_procedure_fee", "fee", "procedure.what.fee"
    channel_fact = "fee"

    def name(self) -> Text:
        return "action_procedure_fee"


class ActionProcessingTime(ProcedureFactAction):
    intent = "ask_processing_time"
    field, response, variable, what = "processing_time", "utter_procedure_time", "time", "procedure.what.time"
    channel_fact = "time"

    def name(self) -> Text:
        return "action_processing_time"
