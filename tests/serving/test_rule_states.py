"""bot/serving.py's rule_states_carried_on: RulePolicy's states, worked out from where the same tracker's last call
stopped, are exactly the states Rasa's Domain.states_for_tracker_history builds from the first event, at every
call while the recorded conversations are replayed (booking forms interrupted and resumed, fields changed at the
summary, the two-stage fallback, "/back", "/restart"), and are new objects at every call, as Rasa's are."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.serving.recorded import MESSAGES, RECORDED, store_of_kind, use_store


@pytest.mark.parametrize("kind", ["masking", "memory"])
def test_states_carried_on_are_the_states_rasa_builds_at_every_call(agent, action_server, kind, monkeypatch):
    import numpy as np
    from rasa.shared.core.domain import Domain

    from bot import serving

    assert Domain.states_for_tracker_history is serving._states_carried_on
    rasas = serving._original_states_for_history
    calls = {"all": 0, "carried on": 0}

    def checked(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False, rule_only_data=None):
        replayed = len(tracker.__dict__["_qn_states"].ids) if "_qn_states" in tracker.__dict__ else 0
        mine = serving._states_carried_on(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        again = serving._states_carried_on(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        expected = rasas(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        assert mine == expected == again
        # Callers edit what they get (a user part's text or intent removed): nothing of it is kept.
        assert not any(a is b or any(a[part] is b[part] for part in a if part in b)
                       for a, b in zip(mine, again))
        calls["all"] += 1
        calls["carried on"] += replayed > 0
        return mine

    monkeypatch.setattr(Domain, "states_for_tracker_history", checked)
    use_store(agent, store_of_kind(kind, agent, action_server["workdir"]))
    for path in RECORDED:
        messages = json.loads(path.read_text(encoding="utf-8"))["messages"][:MESSAGES]

        async def replay() -> None:
            for turn, text in enumerate(messages):
                np.random.seed(turn)
                await agent.handle_text(text, sender_id=f"states-{kind}-{path.stem}")

        asyncio.run(replay())
    # Calls went on from an earlier one: a message's second and later predictions, and with the masking store
    # (whose next message goes on from the tracker the turn left) most of the next message's too (139 of 193
    # calls; 78 with Rasa's in-memory store).
    assert calls["carried on"] >= calls["all"] * (0.6 if kind == "masking" else 0.3), calls
