"""The booking form's actions on saved trackers (tests/data/trackers/), against a real knowledge base opened for
booking with an operator's trial schedule: what the visitor said becomes the slots, checked as if typed."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from rasa_sdk import Tracker

from actions import base
from actions.tickets import ActionChangeBooking, ValidateTicketForm, today
from tests.actions.conftest import copy_database, run_action
from tests.conftest import PROJECT_ROOT

TRACKERS = PROJECT_ROOT / "tests" / "data" / "trackers"


def saved_tracker(name: str, **changes) -> Tracker:
    state = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    state = copy.deepcopy(state)
    for key, value in changes.items():
        state[key] = value
    return Tracker.from_dict(state)


@pytest.fixture
def bookable_db(tmp_path, monkeypatch, loaded_bookable):
    copy_database(loaded_bookable, tmp_path / "form.db")  # the session's load, in a database of the test's own
    url = f"sqlite:///{tmp_path / 'form.db'}"
    monkeypatch.setenv("QN_DATABASE_URL", url)
    base.knowledge_base.cache_clear()
    yield url
    base.knowledge_base.cache_clear()


def slot_events(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def next_week(weekday: int):
    day = today()
    return day - timedelta(days=day.weekday()) + timedelta(days=7 + weekday)


@pytest.mark.asyncio
async def test_the_request_that_opens_the_form_fills_the_day_and_the_counts_it_says(domain, bookable_db):
    messages, events = await run_action(ValidateTicketForm(), saved_tracker("form_opens_with_the_request"), domain)
    slots = slot_events(events)
    assert slots["visit_date"] == next_week(5).isoformat()  # "thứ 7 tuần sau"
    assert slots["ticket_counts"] == {"adult": 4}  # not 11: the 7 belongs to the day
    assert slots["time_slot"] is None and messages == []  # no time said: asked later, no complaint now


@pytest.mark.asyncio
async def test_a_past_day_in_the_request_is_refused_with_a_reason(domain, bookable_db):
    text = "đặt 2 vé ngày 1/1/2020"
    tracker = saved_tracker("form_opens_with_the_request",
                            slots={"language": "vi", "requested_slot": None, "visit_date": text,
                                   "time_slot": text, "ticket_counts": text},
                            events=[{"event": "action", "name": "ticket_form"},
                                    *({"event": "slot", "name": s, "value": text}
                                      for s in ("visit_date", "time_slot", "ticket_counts"))])
    messages, events = await run_action(ValidateTicketForm(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_date_past"]
    assert slot_events(events)["visit_date"] is None and slot_events(events)["ticket_counts"] == {"adult": 2}


@pytest.mark.asyncio
async def test_a_change_with_new_values_reopens_the_form_with_them(domain, bookable_db):
    messages, events = await run_action(ActionChangeBooking(), saved_tracker("change_at_the_summary"), domain)
    slots = slot_events(events)
    sunday = today() + timedelta(days=(6 - today().weekday()) % 7)
    assert slots["ticket_counts"] == {"adult": 3, "child": 1} and slots["visit_date"] == sunday.isoformat()
    assert slots["booking_draft"] is None and messages == []
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert events[-1] == {"event": "followup", "name": "ticket_form", "timestamp": None}


@pytest.mark.asyncio
async def test_a_change_naming_only_the_field_asks_it_again(domain, bookable_db):
    tracker = saved_tracker("change_at_the_summary",
                            latest_message={"text": "sđt sai rồi", "intent": {"name": "change_booking"},
                                            "entities": []})
    _, events = await run_action(ActionChangeBooking(), tracker, domain)
    slots = slot_events(events)
    assert slots["visitor_phone"] is None and "ticket_counts" not in slots
