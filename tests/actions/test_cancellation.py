"""Cancelling a booking: the result, then the museum's refund rule or, while staff have not written one, a message
saying so, which the staff page counts as a fact the knowledge files lack."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk import Tracker

from actions.tickets import ActionCancelBooking, ActionConfirmBooking, today
from bot.insight.turns import UNKNOWN_RESPONSES
from tests.actions.conftest import rendered, run_action
from tests.actions.test_ticket_form import bookable_db  # noqa: F401 - the fixture


def booking_tracker(language: str, entities: list[dict] = ()) -> Tracker:
    slots = {"language": language, "visit_date": (today() + timedelta(days=3)).isoformat(),
             "time_slot": "08:00-10:00", "ticket_counts": {"adult": 2}, "visitor_name": "Nguyễn Văn An",
             "visitor_phone": "0912345678", "booking_draft": "draft-1"}
    latest = {"text": "", "intent": {"name": "affirm", "confidence": 1.0}, "entities": list(entities)}
    return Tracker("cancel-tester", slots, latest, [], False, None, {}, "action_listen")


@pytest.mark.asyncio
@pytest.mark.parametrize("language, cancelled", [("vi", "Đã hủy vé {code}."), ("en", "Booking {code} is cancelled.")])
async def test_a_cancellation_without_a_refund_rule_says_so_in_a_message_the_staff_page_counts(
        language, cancelled, domain, rasa_domain, bookable_db, monkeypatch):  # noqa: F811
    monkeypatch.setenv("QN_TICKET_SECRET", "s" * 40)
    _, events = await run_action(ActionConfirmBooking(), booking_tracker(language), domain)
    code = next(e["value"] for e in events if e.get("name") == "booking_code")
    messages, _ = await run_action(
        ActionCancelBooking(), booking_tracker(language, [{"entity": "booking_code", "value": code}]), domain)
    assert [m["response"] for m in messages] == ["utter_booking_cancelled", "utter_cancellation_rule_unknown"]
    assert "utter_cancellation_rule_unknown" in UNKNOWN_RESPONSES
    first, rule = await rendered(messages, rasa_domain, language)
    assert first["text"] == cancelled.format(code=code) and rule["text"] == \
        rasa_domain.responses["utter_cancellation_rule_unknown"][0 if language == "en" else 1]["text"]
