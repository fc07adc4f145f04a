"""Replace the lemmas of named things with their entity type before featurisation ("chùa Ngọa Vân ở đâu"
is featurised as "__place__ o dau"), so intents are learnt from the shape of the question rather than from
the names in it. Training uses the annotated entities; prediction uses the gazetteer's, which run before.
A site added later is then as well understood as one in the training data.
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

    def _mask(self, message: Message) -> None:
        spans = [(e["start"], e["end"], e["entity"]) for e in message.get(ENTITIES) or []
                 if e.get("entity") in self._entities and "start" in e and "end" in e]
        if not spans:
            return
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            for start, end, entity in spans:
                if token.start < end and token.end > start:
                    token.lemma = f"__{entity}__"
                    break

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._mask(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._mask(message)
        return messages
