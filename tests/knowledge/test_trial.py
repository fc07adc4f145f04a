"""An operator's trial schedule opens booking only where the published museum file says nothing."""
from __future__ import annotations

import pytest
import yaml

from bot.db import get_engine
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.trial import TrialScheduleError, parse_trial, read_trial, save_trial


@pytest.mark.parametrize("slots,capacity,closed,reason", [
    ("", "30", "", "at least one"), ("8-10", "30", "", "not a time slot"), ("10:00-08:00", "30", "", "not a time"),
    ("08:00-10:00,08:00-10:00", "30", "", "twice"), ("08:00-10:00", "thirty", "", "whole number"),
    ("08:00-10:00", "0", "", "between"), ("08:00-10:00", "30", "funday", "not a weekday"),
    ("08:00-10:00", "30", "monday tuesday wednesday thursday friday saturday sunday", "every day"),
])
def test_a_schedule_that_cannot_be_is_refused_with_the_reason(slots, capacity, closed, reason):
    with pytest.raises(TrialScheduleError, match=reason):
        parse_trial(slots, capacity, closed)


def test_the_trial_opens_booking_marked_as_such_and_published_facts_win(tmp_path, knowledge_copy):
    trial = tmp_path / "trial.json"
    save_trial(trial, parse_trial("14:00-16:00, 08:00-10:00", "25", "monday"))
    assert read_trial(trial).time_slots == ("08:00-10:00", "14:00-16:00")
    engine = get_engine(f"sqlite:///{tmp_path / 'k.db'}")
    load_knowledge(engine, knowledge_copy)
    assert not KnowledgeBase(engine).museum().bookable()  # the shipped file: booking stays closed
    load_knowledge(engine, knowledge_copy, trial)
    museum = KnowledgeBase(engine).museum()
    assert museum.bookable() and museum.trial and museum.capacity_per_slot == 25
    assert museum.open_on(0) is False and museum.open_on(5) is True
    assert not museum.hours_known()  # the trial never becomes the museum's published hours

    path = knowledge_copy / "museum.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["museum"]["time_slots"], document["museum"]["capacity_per_slot"] = ["09:00-11:00"], 40
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    load_knowledge(engine, knowledge_copy, trial)
    museum = KnowledgeBase(engine).museum()
    assert not museum.trial and museum.time_slots == ("09:00-11:00",) and museum.capacity_per_slot == 40


def test_a_damaged_trial_file_is_ignored(tmp_path):
    broken = tmp_path / "trial.json"
    broken.write_text("{not json", encoding="utf-8")
    assert read_trial(broken) is None and read_trial(tmp_path / "absent.json") is None
