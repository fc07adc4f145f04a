"""With Rasa's selective domain (endpoints.yml) most actions are called without the domain: they must say
exactly what they say with it (they name domain responses, which Rasa renders, and take their labels from
actions/labels.yml)."""
from __future__ import annotations

import pytest

from actions.core import ActionAskAffirmation
from actions.heritage import ActionFindPlaces, ActionOpeningHours, ActionPlaceInfo, ActionTicketPrice
from tests.actions.conftest import make_tracker, run_action
from tests.actions.test_core_actions import UNSURE

MUSEUM = {"entity": "place", "value": "bao-tang-quang-ninh"}
CASES = [
    (ActionAskAffirmation, make_tracker("giup toi voi", "nlu_fallback", UNSURE)),
    (ActionAskAffirmation, make_tracker("help pls", "nlu_fallback", UNSURE, language="en")),
    (ActionPlaceInfo, make_tracker("bảo tàng quảng ninh", "ask_place_info", entities=[MUSEUM])),
    (ActionOpeningHours, make_tracker("bảo tàng mở cửa mấy giờ", "ask_opening_hours", entities=[MUSEUM])),
    (ActionOpeningHours, make_tracker("museum hours", "ask_opening_hours", entities=[MUSEUM], language="en")),
    (ActionTicketPrice, make_tracker("vé bảo tàng bao nhiêu", "ask_ticket_price", entities=[MUSEUM])),
    (ActionFindPlaces, make_tracker("di tích ở đông triều", "find_places",
                                    entities=[{"entity": "area", "value": "Đông Triều"}])),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("action_class, tracker", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
async def test_an_action_called_without_the_domain_says_the_same(action_class, tracker, domain, knowledge_db):
    with_domain = await run_action(action_class(), tracker, domain)
    without = await run_action(action_class(), tracker, {})
    assert without == with_domain
    assert with_domain[0], "the action said nothing"
