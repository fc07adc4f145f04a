"""An operator's schedule for trying museum booking on a local bot, kept apart from the published facts.

knowledge/museum.yml holds only what a public source states, and no source states the museum's time slots or
capacity, so booking in the chat stays closed by default. `qn-staff try-booking` lets whoever runs a local bot
type in slots, a capacity and closed weekdays; they are kept in their own file (Settings.trial_booking_file),
merged into the museum at each load only where the published file says nothing, and marked as a trial, so the
chat says so in every booking and never gives them as the museum's hours.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class TrialScheduleError(ValueError):
    """What the operator typed cannot be a schedule; the message says why."""


@dataclass(frozen=True)
class TrialSchedule:
    time_slots: tuple[str, ...]
    capacity_per_slot: int
    closed_weekdays: tuple[int, ...] = ()


def parse_trial(slots: str, capacity: str, closed: str = "") -> TrialSchedule:
    """"08:00-10:00, 14:00-16:00", "30", "monday" -> a schedule, or TrialScheduleError saying what is wrong."""
    found = tuple(s.replace(" ", "") for s in re.split(r"[,;]", slots) if s.strip())
    if not found:
        raise TrialScheduleError("give at least one time slot, like 08:00-10:00")
    for slot in found:
        if not _SLOT.match(slot) or slot[:5] >= slot[6:]:
            raise TrialScheduleError(f"'{slot}' is not a time slot like 08:00-10:00")
    if len(set(found)) != len(found):
        raise TrialScheduleError("a time slot is given twice")
    try:
        places = int(capacity)
    except ValueError as error:
        raise TrialScheduleError(f"capacity must be a whole number (got '{capacity}')") from error
    if not 1 <= places <= 10_000:
        raise TrialScheduleError("capacity must be between 1 and 10000")
    days = []
    for word in (w.strip().lower() for w in re.split(r"[,; ]", closed or "") if w.strip()):
        if word not in WEEKDAY_NAMES:
            raise TrialScheduleError(f"'{word}' is not a weekday ({', '.join(WEEKDAY_NAMES)})")
        days.append(WEEKDAY_NAMES.index(word))
    if len(set(days)) == 7:
        raise TrialScheduleError("the museum cannot be closed every day")
    return TrialSchedule(tuple(sorted(found)), places, tuple(sorted(set(days))))


def save_trial(path: Path, schedule: TrialSchedule) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(schedule), indent=2), encoding="utf-8")


def read_trial(path: Path) -> TrialSchedule | None:
    """The saved schedule, or None when there is none (or the file is not one: it is then ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return TrialSchedule(tuple(data["time_slots"]), int(data["capacity_per_slot"]),
                             tuple(data.get("closed_weekdays") or ()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def trial_for(museum: dict, schedule: TrialSchedule | None) -> dict | None:
    """The trial schedule to store with the museum, only when the published file gives no slots or capacity:
    published facts always win."""
    if schedule is None or (museum.get("time_slots") and museum.get("capacity_per_slot")):
        return None
    return asdict(schedule)
