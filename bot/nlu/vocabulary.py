"""Distrust intents predicted from words the model never saw.

DIET gives gibberish ("asdfgh", "qwrtx zzkp") a confident intent, so Rasa's FallbackClassifier never fires.
This component learns the vocabulary of the training data (folded syllables) and, at prediction time,
multiplies each intent confidence by the share of the message's words it knows. Placed before the
FallbackClassifier, it turns unknown text into the clarifying fallback, and leaves known text untouched.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import ENGLISH_WORDS, VIETNAMESE_SYLLABLES
from bot.text import canonical

VOCABULARY_FILE = "vocabulary.json"


def known_share(text: str, vocabulary: set[str]) -> float:
    """Share of the message's words (folded, teencode expanded) that are known; 1.0 for an empty message."""
    words = [w for w in canonical(text).split() if not w.isdigit()]
    if not words:
        return 1.0
    return sum(w in vocabulary for w in words) / len(words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OutOfVocabularyGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Below this share of known words, confidences are scaled down (at or above it, left alone).
        return {"full_trust_share": 0.5}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[set[str]] = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OutOfVocabularyGuard":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        words = {w for m in training_data.training_examples for w in canonical(m.get(TEXT) or "").split()}
        self.vocabulary = words | set(VIETNAMESE_SYLLABLES) | set(ENGLISH_WORDS)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "OutOfVocabularyGuard":
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(config, model_storage, resource, vocabulary)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if not self.vocabulary:
            return messages
        for message in messages:
            intent = message.get(INTENT)
            if not intent or intent.get("confidence") is None:
                continue
            factor = min(1.0, known_share(message.get(TEXT) or "", self.vocabulary) / self._config["full_trust_share"])
            if factor >= 1.0:
                continue
            intent = {**intent, "confidence": intent["confidence"] * factor}
            ranking = [{**r, "confidence": r["confidence"] * factor} for r in message.get(INTENT_RANKING_KEY, [])]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
