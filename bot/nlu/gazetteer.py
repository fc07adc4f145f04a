"""Entities from the knowledge base's names: sites (place), areas, kinds (category) and procedures.

Names are read from the knowledge base at run time and cached per knowledge version, so a site that staff
add is recognised from the next load on, without retraining. Matching is on folded, token-aligned words
(with or without diacritics, chat abbreviations expanded); values are canonical: a site's or procedure's
id, an area's or a kind's name, so every spelling of the same thing gives the same value.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

NOT_RUN = object()
# Spans (entity, start, end) of known names in a training example, for the masker: training then masks every
# name prediction will mask, not only the ones its writers annotated.
TRAINING_SPANS = "qn_gazetteer_spans"
# The knowledge version of the names the latest process() call used (None: no knowledge loaded). Rasa runs
# NLU synchronously, so bot/serving.py's NLU cache reads here the version its own analysis used.
last_version_used: Any = NOT_RUN


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Whether training marks the names the knowledge files know in every example, for the masker
        # (bench/nlu_configs.py measures it). A staff load is noticed by bot/knowledge/watcher.py.
        return {"mask_in_training": True}

    def __init__(self, config: Dict[Text, Any]) -> None:
        from bot.settings import current_settings

        self._config = {**self.get_default_config(), **config}
        self._settings = current_settings()  # read once, when the model loads

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GazetteerEntityExtractor":
        return cls(config)

    def _current(self) -> Optional[Any]:
        """The names of the latest load, from the knowledge watcher's background thread (never waits for the
        database, except for the very first message)."""
        from bot.knowledge.watcher import knowledge_snapshot

        return knowledge_snapshot(self._settings.database_url).gazetteer

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        if not self._config["mask_in_training"]:
            return training_data
        from bot.knowledge.repository import gazetteer_from_files

        gazetteer = gazetteer_from_files(self._settings.knowledge_dir)
        if gazetteer is None:
            logger.warning("the knowledge files could not be read: training masks only the annotated names")
            return training_data
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if text:
                example.set(TRAINING_SPANS, [(m.entity, m.start, m.end) for m in gazetteer.find(text)])
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
