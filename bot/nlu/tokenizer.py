"""A Rasa tokenizer for Vietnamese: pyvi word segmentation, with a folded lemma on every token.

Tokens keep the user's text and character offsets (entities are extracted from them), while each token's
lemma is its canonical form: lowercase, without diacritics, with chat abbreviations expanded
("Bảo tàng" -> "bao tang", "ko" -> "khong"). Rasa's featurizers read lemmas by default, so a message
typed with or without diacritics, or in teencode, yields the same features. A compound word's lemma keeps
its syllables apart ("bao tang"), so the word featurizer also matches input that pyvi did not join
(pyvi segments undiacritised text poorly).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.text import canonical, nfc

logger = logging.getLogger(__name__)


def segment(text: str) -> List[tuple[str, int, int]]:
    """Split `text` into words with pyvi; returns (word, start, end) with offsets into `text`.
    Punctuation-only pieces are dropped."""
    from pyvi import ViTokenizer  # imported lazily: loading pyvi's CRF model takes ~0.3 s

    words: List[tuple[str, int, int]] = []
    cursor = 0
    for piece in ViTokenizer.tokenize(text).split():
        syllables = [s for s in piece.split("_") if s]
        start = end = -1
        for syllable in syllables:
            found = text.find(syllable, cursor)
            if found < 0:
                break
            if start < 0:
                start = found
            end = cursor = found + len(syllable)
        else:
            if start >= 0 and any(ch.isalnum() for ch in text[start:end]):
                words.append((text[start:end], start, end))
            continue
        # pyvi changed a character we cannot find again: fall back to whitespace splitting from here on.
        logger.debug("pyvi output not aligned with the text; falling back to whitespace tokens")
        return words + _whitespace_words(text, cursor)
    return words


def _whitespace_words(text: str, offset: int) -> List[tuple[str, int, int]]:
    words = []
    position = offset
    for word in text[offset:].split():
        start = text.find(word, position)
        position = start + len(word)
        if any(ch.isalnum() for ch in word):
            words.append((word, start, position))
    return words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """pyvi word segmentation with canonical (folded, teencode-expanded) lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # Only the first characters of a message are analysed: a 10,000-character paste must not
            # cost seconds of CPU, and intent is decided early in a message anyway.
            "max_chars": 1000,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        # NFC keeps offsets stable only if the text already is NFC; channels normalise, and training data
        # is NFC, so normalising here is a no-op in practice but guards against NFD input from the API.
        if nfc(text) != text:
            text = nfc(text)
            message.set(attribute, text)
        limited = text[: self._config["max_chars"]]
        tokens = [Token(word, start, end, lemma=canonical(word) or word.lower())
                  for word, start, end in segment(limited)]
        if not tokens:  # only punctuation or emoji: keep one token so featurizers have something
            tokens = [Token(limited or " ", 0, len(limited) or 1, lemma=limited.lower() or " ")]
        return self._apply_token_pattern(tokens)
