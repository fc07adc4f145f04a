"""Speed-ups of Rasa's own serving path, found by bench/profile_turn.py. Each keeps Rasa's behaviour.

Installed by bot/channels/__init__.py, which Rasa imports whenever it serves our channels.
"""
from __future__ import annotations

import copy
import time
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Dict


@lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    return validator_for(schema)(schema)


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """Rasa's check of an action server's answer, against the same schema, with a validator built once.
    Rasa calls jsonschema.validate(), which re-checks the schema itself and re-resolves its references on
    every call: 38 ms per custom action on these machines, more than everything else in a turn."""
    from jsonschema import ValidationError

    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          "the Action endpoint is valid.")
        raise error


_subclasses: dict[type, list[Any]] = {}


def _all_subclasses(cls: type) -> list[Any]:
    """Rasa looks up an event's or slot's class by walking every subclass (with inspect.isabstract on
    each) for every event it reads: 4 ms a message. The classes are all defined at import, so the walk is
    done once per base class."""
    if cls not in _subclasses:
        _subclasses[cls] = _original_all_subclasses(cls)
    return _subclasses[cls]


_original_all_subclasses: Any = None
_original_parse: Any = None


NLU_CACHE_ENTRIES = 10_000


def _parse_with_cache(self: Any, message: Any, tracker: Any, only_output_properties: bool = True) -> Dict[str, Any]:
    """NLU depends on the text alone (and the knowledge base's names, which the gazetteer itself re-reads
    only every 2 seconds), so under load the same text ("xin chào", "xem thêm", "mấy giờ mở cửa?") is
    analysed once per interval instead of once per user. The cache lives on the processor, so a new model
    starts with an empty one (and reads QN_NLU_CACHE_SECONDS once)."""
    if "_qn_nlu_cache" not in self.__dict__:
        from bot.settings import Settings

        self.__dict__["_qn_nlu_cache"] = (Settings.from_env().nlu_cache_seconds, OrderedDict())
    seconds, cache = self.__dict__["_qn_nlu_cache"]
    if seconds <= 0:
        return _original_parse(self, message, tracker, only_output_properties)
    key = (message.text, only_output_properties)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < seconds:
        return copy.deepcopy(hit[1])
    parsed = _original_parse(self, message, tracker, only_output_properties)
    cache[key] = (now, copy.deepcopy(parsed))
    cache.move_to_end(key)
    while len(cache) > NLU_CACHE_ENTRIES:
        cache.popitem(last=False)
    return parsed


def install() -> None:
    global _original_all_subclasses, _original_parse
    import rasa.shared.utils.common
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    RemoteAction._validate_action_result = _validate_action_result
    if _original_all_subclasses is None:
        _original_all_subclasses = rasa.shared.utils.common.all_subclasses
        rasa.shared.utils.common.all_subclasses = _all_subclasses
    if _original_parse is None:
        _original_parse = MessageProcessor._parse_message_with_graph
        MessageProcessor._parse_message_with_graph = _parse_with_cache
