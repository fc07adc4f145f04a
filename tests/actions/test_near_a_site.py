"""Sites near a named site: "gần Yên Tử còn chỗ nào đi được" lists the sites of its area, as its card's "nearby"."""
from __future__ import annotations

import pytest
import yaml

from actions.heritage import ActionFindPlaces
from tests.actions.conftest import make_tracker, rendered, run_action
from tests.conftest import KNOWLEDGE_DIR

SITES = yaml.safe_load((KNOWLEDGE_DIR / "sites.yml").read_text(encoding="utf-8"))["sites"]
NEAR_SITES = [s for s in SITES if s["former_area"] and s["id"] != "vinh-ha-long"][::4]


@pytest.mark.asyncio
@pytest.mark.parametrize("site", NEAR_SITES, ids=[s["id"] for s in NEAR_SITES])
async def test_the_sites_near_a_site_are_those_of_its_area(domain, rasa_domain, knowledge_db, site):
    tracker = make_tracker(f"gần {site['name']} còn chỗ nào đi được", "find_places",
                           entities=[{"entity": "place", "value": site["id"]}])
    messages, events = await run_action(ActionFindPlaces(), tracker, domain)
    [reply] = await rendered(messages, rasa_domain)
    listed = [line for line in reply["text"].splitlines() if line[:1].isdigit()]
    assert listed and all(f", {site['former_area']})" in line for line in listed), reply["text"]
    assert {"event": "slot", "name": "area", "value": site["former_area"], "timestamp": None} in events
