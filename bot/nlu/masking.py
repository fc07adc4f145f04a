"""Replace named things with their entity type before featurisation ("chùa Ngọa Vân ở đâu" is featurised as
"__place__ o dau"), so intents are learnt from the shape of the question rather than from the names in it.
Prediction masks the gazetteer's entities, which run before; training masks the annotated entities and every
name the gazetteer finds in the example (from the knowledge files), so both see the same shapes ("mua vé bảo
tàng" is "mua ve __place__" in training too, even where the writer did not annotate the museum). A site added
later is then as well understood as one in the training data. Both the lemma (folded) and the text (as typed,
for the featurizer that reads diacritics) are masked.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.gazetteer import TRAINING_SPANS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class EntityMasker(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"entities": ["place", "area", "procedure"]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._entities = set({**self.get_default_config(), **config}["entities"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntityMasker":
        return cls(config)

    def _mask(self, message: Message, training: bool = False) -> None:
        spans = [(e["start"], e["end"], e["entity"]) for e in message.get(ENTITIES) or []
                 if e.get("entity") in self._entities and "start" in e and "end" in e]
        if training:
            spans += [(start, end, entity) for entity, start, end in message.get(TRAINING_SPANS) or []
                      if entity in self._entities]
        if not spans:
            return
        # One token per name, however many words it has: "tell me about Yen Tu Relic and Scenic Site" has the
        # shape of "tell me about Yen Tu", not six place words that no training example has.
        kept, masked_span = [], None
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            span = next(((start, end, entity) for start, end, entity in spans
                         if token.start < end and token.end > start), None)
            if span is None:
                kept.append(token)
            elif span == masked_span:
                kept[-1].end = token.end
            else:
                token.lemma = token.text = f"__{span[2]}__"
                kept.append(token)
            masked_span = span
        message.set(TOKENS_NAMES[TEXT], kept)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._mask(example, training=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._mask(message)
        return messages
