"""Entities from the knowledge base's names: sites (place), areas, kinds (category) and procedures.

Names are read from the knowledge base at run time and cached per knowledge version, so a site that staff
add is recognised from the next load on, without retraining. Matching is on folded, token-aligned words
(with or without diacritics, chat abbreviations expanded); values are canonical: a site's or procedure's
id, an area's or a kind's name, so every spelling of the same thing gives the same value.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.knowledge.gazetteer import Gazetteer

logger = logging.getLogger(__name__)

NOT_RUN = object()
# The knowledge version of the names the latest process() call used (None: no knowledge loaded). Rasa runs
# NLU synchronously, so bot/serving.py's NLU cache reads here the version its own analysis used.
last_version_used: Any = NOT_RUN


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # How often (seconds) to ask the database whether staff loaded new knowledge.
        return {"refresh_seconds": 2.0}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **config}
        self._gazetteer: Optional[Gazetteer] = None
        self._checked_at = 0.0
        self._knowledge = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GazetteerEntityExtractor":
        return cls(config)

    def _current(self) -> Optional[Gazetteer]:
        now = time.monotonic()
        if self._gazetteer is not None and now - self._checked_at < self._config["refresh_seconds"]:
            return self._gazetteer
        self._checked_at = now
        try:
            if self._knowledge is None:
                from bot.db import get_engine
                from bot.knowledge import KnowledgeBase
                from bot.settings import Settings

                self._knowledge = KnowledgeBase(get_engine(Settings.from_env().database_url))
            self._gazetteer = self._knowledge.gazetteer()
        except Exception as error:  # noqa: BLE001 - no knowledge yet: NLU still works, without these entities
            if self._gazetteer is None:
                logger.warning("knowledge base unavailable for entity look-up (%s); run `qn-staff load`",
                               type(error).__name__)
        return self._gazetteer

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        global last_version_used
        gazetteer = self._current()
        last_version_used = gazetteer.version if gazetteer is not None else None
        if gazetteer is None:
            return messages
        for message in messages:
            found = [{"entity": m.entity, "value": m.value, "start": m.start, "end": m.end, "confidence": 1.0}
                     for m in gazetteer.find(message.get(TEXT) or "")]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                            add_to_output=True)
        return messages
