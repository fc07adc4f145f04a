"""Heritage sites: the card, location, hours, fees, lists, nearest sites and QR entry."""
from __future__ import annotations

import abc
from typing import Any, Dict, List, Optional, Text
from urllib.parse import quote

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BaseAction, ask_knowledge, latest_text, money, payload, user_language
from actions.core import format_contact
from actions.labels import label, weekday_name
from bot.knowledge.places import PlaceMatch, PlaceRef, category_of
from bot.knowledge.repository import KnowledgeBase, MuseumInfo, PlaceCard
from bot.lexicon import says_near_me

PAGE_SIZE = 5
Domain = Dict[Text, Any]


def latest_entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def find_focus(kb: KnowledgeBase, entity: Optional[str], message: str, place_id: Optional[str]) -> PlaceMatch:
    """The site this turn is about: the one the user names, else one the message contains, else the one the
    conversation is already about."""
    if entity:
        return kb.resolve_place(entity)
    match = kb.resolve_place(message, whole_message=True)
    if match.place or match.candidates:
        return match
    if place_id:
        place = kb.place_index().places.get(place_id)
        if place:
            return PlaceMatch(place, 100.0)
    return PlaceMatch()


def venue(card: PlaceCard, language: str) -> Optional[Dict[str, Any]]:
    """Where the site is, for channels that show a map pin (Telegram's venue); None without coordinates."""
    if card.lat is None or card.lon is None:
        return None
    return {"venue": {"latitude": card.lat, "longitude": card.lon, "title": display_name(card, language),
                      "address": card.address}}


def map_link(name: str, lat: Optional[float], lon: Optional[float]) -> str:
    if lat is not None and lon is not None:
        return f"https://www.google.com/maps/search/?api=1&query={lat:.5f},{lon:.5f}"
    return f"https://www.google.com/maps/search/?api=1&query={quote(name + ', Quảng Ninh')}"


def display_name(place: PlaceRef | PlaceCard, language: str) -> str:
    return place.name_en if language == "en" and place.name_en else place.name


def kind_label(kind: str, rank: Optional[str], language: str) -> str:
    """The card's second line: the kind of site, and its rank when it has one ("Đền · di tích quốc gia")."""
    kind_line = label(f"kind.{kind}", language).capitalize()
    return f"{kind_line} · {label(f'rank.{rank}', language)}" if rank else kind_line


def follow_up_buttons(card: PlaceCard, language: str) -> List[Dict[str, str]]:
    return [
        {"title": label("place.button.hours", language), "payload": payload("ask_opening_hours", place=card.id)},
        {"title": label("place.button.fee", language), "payload": payload("ask_ticket_price", place=card.id)},
        {"title": label("place.button.location", language), "payload": payload("ask_place_location", place=card.id)},
        {"title": label("place.button.nearby", language, area=card.former_area),
         "payload": payload("find_places", area=card.former_area)},
    ]


def museum_hours_text(museum: MuseumInfo, language: str) -> Optional[str]:
    if not museum.hours_known():
        return None
    lines = []
    for weekday, hours in enumerate(museum.opening_hours.values()):
        ranges = hours if isinstance(hours, list) else [hours]
        value = label("unknown", language) if hours is None else label("closed", language) if hours == "closed" \
            else ", ".join(ranges)
        lines.append(f"{weekday_name(weekday, language)}: {value}")
    return "\n".join(lines)


def museum_fee_text(museum: MuseumInfo, language: str) -> Optional[str]:
    priced = [t for t in museum.ticket_types if t.price_vnd is not None]
    if not priced:
        return None
    lines = []
    for ticket in priced:
        name = ticket.name_en if language == "en" and ticket.name_en else ticket.name_vi
        price = label("free", language) if ticket.price_vnd == 0 else money(ticket.price_vnd or 0)
        lines.append(f"• {name}: {price}")
    return "\n".join(lines)


class PlaceAction(BaseAction):
    """Shared steps: find the site, ask back when unclear, remember the site for follow-up questions."""

    intent = ""

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain) -> List[Dict]:
        language = user_language(tracker)
        entity = latest_entity(tracker, "place")
        message = latest_text(tracker)
        focus = tracker.get_slot("place_id")
        if (tracker.active_loop or {}).get("name") == "ticket_form" and not entity:
            # In the middle of booking museum tickets, "how much? / when open?" is about the museum.
            museum = await ask_knowledge(lambda kb: kb.museum())
            focus = museum.id if museum else focus
        match = await ask_knowledge(lambda kb: find_focus(kb, entity, message, focus))
        if match.place is not None:
            site_id = match.place.id
            card = await ask_knowledge(lambda kb: kb.place_card(site_id))
            if card is not None:
                await self.answer(dispatcher, card, language)
                return [SlotSet("place_id", card.id)]
        if match.candidates:
            buttons = [{"title": display_name(p, language), "payload": payload(self.intent, place=p.id)}
                       for p in match.candidates]
            dispatcher.utter_message(response="utter_which_place", buttons=buttons)
        elif entity:
            dispatcher.utter_message(response="utter_place_unknown", place=entity[:80])
        else:
            await self.no_place(dispatcher, language)
        return []

    async def no_place(self, dispatcher: CollectingDispatcher, language: str) -> None:
        dispatcher.utter_message(response="utter_ask_place_name")

    @abc.abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, card: PlaceCard, language: str) -> None:
        """Reply about the resolved site."""

    @staticmethod
    async def contacts_text(topic: str, language: str) -> str:
        contacts = await ask_knowledge(lambda kb: kb.contacts(topic))
        relevant = [c for c in contacts if c.topic in (topic, "general")] or contacts
        return "\n".join(format_contact(c, language) for c in relevant[:2])


class ActionPlaceInfo(PlaceAction):
    intent = "ask_place_info"

    def name(self) -> Text:
        return "action_place_info"

    async def answer(self, dispatcher, card, language) -> None:
        not_published = label("not_published", language)
        museum = await ask_knowledge(lambda kb: kb.museum())
        hours, fee = card.opening_hours, card.entry_fee
        if museum and museum.id == card.id:
            hours = museum_hours_text(museum, language) or hours
            fee = museum_fee_text(museum, language) or fee
        intro = card.intro_en if language == "en" and card.intro_en else card.intro_vi
        dispatcher.utter_message(
            response="utter_place_card", name=display_name(card, language),
            kind=kind_label(card.kind, card.rank, language), address=card.address, intro=intro,
            hours=hours or not_published, fee=fee or not_published,
            map=map_link(card.name, card.lat, card.lon), source=card.sources[0],
            buttons=follow_up_buttons(card, language), json_message=venue(card, language))


class ActionOpenSite(ActionPlaceInfo):
    """Opened from a site's QR code: its payload names the site; show its card."""

    def name(self) -> Text:
        return "action_open_site"


class ActionPlaceLocation(PlaceAction):
    intent = "ask_place_location"

    def name(self) -> Text:
        return "action_place_location"

    async def answer(self, dispatcher, card, language) -> None:
        dispatcher.utter_message(response="utter_place_location", name=display_name(card, language),
                                 address=card.address, former_area=card.former_area,
                                 map=map_link(card.name, card.lat, card.lon), json_message=venue(card, language))


class PlaceFactAction(PlaceAction):
    """One fact of a site (the museum's from its own file), or that none is published and where to ask."""

    known_response = ""
    unknown_response = ""
    variable = ""

    @abc.abstractmethod
    def fact(self, card: PlaceCard, museum: Optional[MuseumInfo], language: str) -> Optional[str]:
        """The fact, or None when no source gives it. `museum` is given when the site is the museum."""

    def fact_source(self, card: PlaceCard, museum: Optional[MuseumInfo]) -> str:
        """Where the fact comes from: the record's first source unless the fact names its own."""
        return museum.sources[0] if museum else card.sources[0]

    async def answer(self, dispatcher, card, language) -> None:
        museum = await ask_knowledge(lambda kb: kb.museum())
        own_museum = museum if museum is not None and museum.id == card.id else None
        value = self.fact(card, own_museum, language)
        name = display_name(card, language)
        if value:
            source = self.fact_source(card, own_museum)
            dispatcher.utter_message(response=self.known_response, name=name, source=source,
                                     **{self.variable: value})
        else:
            contacts = await self.contacts_text("museum" if own_museum else "tourism", language)
            dispatcher.utter_message(response=self.unknown_response, name=name, contacts=contacts)


class ActionOpeningHours(PlaceFactAction):
    intent = "ask_opening_hours"
    known_response, unknown_response, variable = "utter_place_hours", "utter_place_hours_unknown", "hours"

    def name(self) -> Text:
        return "action_opening_hours"

    def fact(self, card, museum, language) -> Optional[str]:
        if museum is None:
            return card.opening_hours
        # No weekly timetable published: the hours a dated press report gives, said as such.
        reported = museum.hours_reported_en if language == "en" and museum.hours_reported_en else museum.hours_reported
        return museum_hours_text(museum, language) or reported

    def fact_source(self, card, museum) -> str:
        if museum is not None and not museum.hours_known() and museum.hours_reported_source:
            return museum.hours_reported_source
        return super().fact_source(card, museum)


class ActionTicketPrice(PlaceFactAction):
    intent = "ask_ticket_price"
    known_response, unknown_response, variable = "utter_place_fee", "utter_place_fee_unknown", "fee"

    def name(self) -> Text:
        return "action_ticket_price"

    def fact(self, card, museum, language) -> Optional[str]:
        return museum_fee_text(museum, language) if museum else card.entry_fee


class ActionFindPlaces(BaseAction):
    """Sites of an area or a kind, five at a time; a bare "xem thêm" continues the last list."""

    def name(self) -> Text:
        return "action_find_places"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain) -> List[Dict]:
        language = user_language(tracker)
        area_text, category_text = latest_entity(tracker, "area"), latest_entity(tracker, "category")
        if not area_text and says_near_me(latest_text(tracker)):
            # "gần đây có chùa nào": near the visitor, who must say where they are (Telegram: a button).
            dispatcher.utter_message(response="utter_ask_location", json_message={
                "request_location": label("share_location", language)})
            return [SlotSet("category", category_text), SlotSet("list_offset", None)]
        place_text = latest_entity(tracker, "place")
        if not area_text and place_text:
            # "gần Yên Tử còn gì", "near Cửa Ông temple": the sites of the area it is in, as its card's "nearby".
            near = await ask_knowledge(lambda kb: kb.resolve_place(place_text))
            area_text = near.place.former_area if near.place else None
        if area_text or category_text or tracker.get_slot("list_offset") is None:
            offset = 0
        else:  # "xem thêm": the same list, next page
            offset = int(tracker.get_slot("list_offset")) + PAGE_SIZE
            area_text, category_text = tracker.get_slot("area"), tracker.get_slot("category")
        category = category_of(category_text) if category_text else None
        area = await ask_knowledge(lambda kb: kb.place_index().area(area_text)) if area_text else None
        page, total = await ask_knowledge(lambda kb: kb.find_places(area, category, offset, PAGE_SIZE))
        what = " ".join(filter(None, [category_text, f"({area_text})" if area_text else None])) or "-"
        if total == 0:
            dispatcher.utter_message(response="utter_places_none", what=what)
            return [SlotSet("list_offset", None)]
        if not page:
            dispatcher.utter_message(response="utter_places_end")
            return [SlotSet("list_offset", None)]
        kinds = label(f"kinds.{category}" if category else "kinds.all", language).capitalize()
        heading = label("places.heading.area", language, kinds=kinds, area=area) if area else \
            label("places.heading.province", language, kinds=kinds)
        items = "\n".join(f"{offset + i}. {display_name(p, language)} ({label(f'kind.{p.kind}', language)}, "
                          f"{p.former_area})" for i, p in enumerate(page, 1))
        buttons = [{"title": display_name(p, language), "payload": payload("ask_place_info", place=p.id)}
                   for p in page]
        if offset + len(page) < total:
            buttons.append({"title": label("see_more", language),
                            "payload": "/find_places"})
        dispatcher.utter_message(response="utter_places_list", heading=heading,
                                 shown=f"{offset + 1}-{offset + len(page)}", total=total, items=items,
                                 buttons=buttons)
        return [SlotSet("list_offset", float(offset)), SlotSet("area", area_text),
                SlotSet("category", category_text)]


class ActionNearestPlaces(BaseAction):
    def name(self) -> Text:
        return "action_nearest_places"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain) -> List[Dict]:
        language = user_language(tracker)
        try:
            lat = float(latest_entity(tracker, "latitude") or "nan")
            lon = float(latest_entity(tracker, "longitude") or "nan")
        except ValueError:
            lat = lon = float("nan")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            dispatcher.utter_message(response="utter_ask_place_name")
            return []
        # The kind asked for just before ("gần đây có chùa nào", then the location), if any.
        category = category_of(tracker.get_slot("category")) if tracker.get_slot("category") else None
        nearest = await ask_knowledge(lambda kb: kb.nearest_places(lat, lon, PAGE_SIZE, category))
        if not nearest:
            dispatcher.utter_message(response="utter_places_near_none")
            return []
        items = "\n".join(f"{i}. {display_name(p, language)}: {km:.1f} km" for i, (p, km) in enumerate(nearest, 1))
        buttons = [{"title": display_name(p, language), "payload": payload("ask_place_info", place=p.id)}
                   for p, _ in nearest]
        dispatcher.utter_message(response="utter_places_near", items=items, buttons=buttons)
        return []
