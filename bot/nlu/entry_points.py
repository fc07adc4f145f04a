"""Recognises messages that are not language but entry points, and classifies them with certainty:

* a site's QR payload, `site-<id>` (what a printed QR code opens, on any channel): intent `open_site`,
  entity `place` = the site id;
* a location as coordinates, "21.0269, 107.3700" (what a REST or Zalo client sends): intent
  `share_location`, entities `latitude` and `longitude`.

Placed after DIET in the pipeline, so it overrides the statistical guess only for these exact shapes.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.entry import SITE_PAYLOAD_PREFIX

SITE_PAYLOAD = re.compile(rf"^\s*{SITE_PAYLOAD_PREFIX}([a-z0-9]+(?:-[a-z0-9]+)*)\s*$")
COORDINATES = re.compile(r"^\s*\(?\s*(-?\d{1,2}\.\d+)\s*[,;\s]\s*(-?\d{1,3}\.\d+)\s*\)?\s*$")


def recognise(text: str) -> tuple[str, list[dict[str, Any]]] | None:
    """(intent, entities) for an entry-point message, or None for ordinary text."""
    site = SITE_PAYLOAD.match(text)
    if site:
        return "open_site", [{"entity": "place", "value": site.group(1), "start": site.start(1),
                              "end": site.end(1)}]
    coordinates = COORDINATES.match(text)
    if coordinates:
        lat, lon = float(coordinates.group(1)), float(coordinates.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return "share_location", [
                {"entity": "latitude", "value": lat, "start": coordinates.start(1), "end": coordinates.end(1)},
                {"entity": "longitude", "value": lon, "start": coordinates.start(2), "end": coordinates.end(2)},
            ]
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EntryPointClassifier(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntryPointClassifier":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = recognise(message.get(TEXT) or "")
            if found is None:
                continue
            intent, entities = found
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}], add_to_output=True)
            kept = [e for e in message.get(ENTITIES, []) if e.get("entity") == "language"]
            message.set(ENTITIES, kept + self.add_extractor_name(entities), add_to_output=True)
        return messages
