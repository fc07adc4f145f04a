"""bot/serving.py makes Rasa's serving path faster without changing what it accepts or finds."""
from __future__ import annotations

import pytest


def test_the_faster_action_response_check_accepts_and_refuses_what_rasa_does():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event, SlotSet
    from rasa.shared.core.slots import Slot, TextSlot
    import rasa.shared.utils.common

    from bot import serving

    serving.install()
    action = RemoteAction("action_place_info", None)
    good = {"events": [{"event": "slot", "name": "place_id", "value": "yen-tu", "timestamp": None}],
            "responses": [{"text": "Yên Tử", "buttons": []}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": 42}], "responses": []})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list", "responses": []})
    # Event and slot classes are still found, from the cached walk.
    assert Event.resolve_by_type("slot") is SlotSet
    assert TextSlot in rasa.shared.utils.common.all_subclasses(Slot)


class _Processor:
    """Stands in for Rasa's MessageProcessor: the cache lives on the instance."""


class _Message:
    def __init__(self, text: str):
        self.text = text


def test_the_same_text_is_analysed_once_per_interval_and_answers_never_share_state(monkeypatch):
    from bot import serving

    analysed = []

    def analyse(processor, message, tracker, only_output_properties=True):
        analysed.append(message.text)
        return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}

    monkeypatch.setattr(serving, "_original_parse", analyse)
    monkeypatch.setenv("QN_NLU_CACHE_SECONDS", "60")
    processor = _Processor()
    first = serving._parse_with_cache(processor, _Message("xin chào"), None)
    first["entities"].append({"entity": "place", "value": "yen-tu"})  # a caller changing its copy
    second = serving._parse_with_cache(processor, _Message("xin chào"), None)
    assert analysed == ["xin chào"] and second["entities"] == []
    serving._parse_with_cache(processor, _Message("cảm ơn"), None)
    serving._parse_with_cache(_Processor(), _Message("xin chào"), None)  # a new model: its own cache
    assert analysed == ["xin chào", "cảm ơn", "xin chào"]

    monkeypatch.setenv("QN_NLU_CACHE_SECONDS", "0")  # off (read when a model is loaded): every message analysed
    off = _Processor()
    serving._parse_with_cache(off, _Message("xin chào"), None)
    serving._parse_with_cache(off, _Message("xin chào"), None)
    assert analysed[-2:] == ["xin chào", "xin chào"] and len(analysed) == 5
