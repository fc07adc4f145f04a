"""The words and fragments actions compose into larger replies (actions/labels.yml), in the user's language.

Whole messages are the domain's responses, which Rasa renders; these are only the pieces that go inside them
or on their buttons. The file is read once, on first use (the action server imports every module at start-up).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

LABELS_FILE = Path(__file__).resolve().with_name("labels.yml")
LANGUAGES = ("vi", "en")


@lru_cache(maxsize=1)
def labels() -> Dict[str, Dict[str, str]]:
    """Every label, by key then language; NFC, as Vietnamese text is everywhere else."""
    document = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")) or {}
    return {unicodedata.normalize("NFC", str(key)): {language: unicodedata.normalize("NFC", str(text))
                                                     for language, text in texts.items()}
            for key, texts in document.items()}


def has_label(key: str) -> bool:
    return unicodedata.normalize("NFC", key) in labels()


def label(key: str, language: str, **values: object) -> str:
    """The label `key` in `language` ("en", anything else is Vietnamese), with its {variables} filled.
    A missing key is a programming error (tests check every key the actions use), so it raises KeyError."""
    texts = labels()[unicodedata.normalize("NFC", key)]
    text = texts["en" if language == "en" else "vi"]
    return text.format(**values) if values else text


def weekday_name(weekday: int, language: str) -> str:
    """Monday is 0."""
    return label(f"weekday.{weekday}", language)
