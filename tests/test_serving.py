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
