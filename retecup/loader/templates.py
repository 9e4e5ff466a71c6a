"""Generated weekly templates: a small pool of plausible clinic timetables.

Agendas draw their template from a pool per (slot length, capacity), so that
many agendas share the same bands and their slots can be generated once per
distinct timetable (see `slots`). A template averages about 20 slots a week.
"""

import math
import random
from datetime import time

from retecup.domain.schedule import Band

POOL_SIZE = 12

# Weekly slot counts and how often they occur: the mean is about 20.
_WEEKLY_SLOTS = (10, 14, 20, 24, 30)
_WEEKLY_WEIGHTS = (15, 20, 30, 20, 15)

_MORNING = ((8, 0), (8, 30), (9, 0))
_AFTERNOON = ((14, 0), (14, 30))
_MORNING_MINUTES = 300    # a session may run 08:00-13:00
_AFTERNOON_MINUTES = 240  # or 14:00-18:00


def template_pool(
    rng: random.Random, slot_min: int, capacity: int
) -> list[tuple[Band, ...]]:
    return [weekly_bands(rng, slot_min, capacity) for _ in range(POOL_SIZE)]


def weekly_bands(rng: random.Random, slot_min: int, capacity: int) -> tuple[Band, ...]:
    """One timetable: a few sessions on distinct weekdays, morning or afternoon."""
    target = rng.choices(_WEEKLY_SLOTS, _WEEKLY_WEIGHTS)[0]

    sessions = rng.choice((1, 2, 2, 3, 3, 4))
    while math.ceil(target / sessions) * slot_min > _AFTERNOON_MINUTES:
        sessions += 1
    per_session = math.ceil(target / sessions)

    days = sorted(rng.sample(range(5), min(sessions, 5)))
    parts = {day: rng.random() < 0.3 for day in days}
    chosen = [(day, parts[day]) for day in days]
    # Past five sessions a day gets its other half too (at most ten).
    for day in days[: max(0, min(sessions, 10) - len(days))]:
        chosen.append((day, not parts[day]))

    bands = [_band(rng, weekday, afternoon, per_session, slot_min, capacity)
             for weekday, afternoon in sorted(chosen)]
    return tuple(bands)


def _band(rng, weekday, afternoon, slots, slot_min, capacity) -> Band:
    hour, minute = rng.choice(_AFTERNOON if afternoon else _MORNING)
    start = hour * 60 + minute
    end = start + slots * slot_min
    latest = (14 * 60 if not afternoon else 19 * 60)
    if end > latest:
        start, end = latest - slots * slot_min, latest
    return Band(weekday, _clock(start), _clock(end), slot_min, capacity)


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def bands_json(bands: tuple[Band, ...]) -> list[dict]:
    """Bands in the form the agenda_template.bands column documents."""
    return [
        {"weekday": b.weekday, "start": b.start.strftime("%H:%M"),
         "end": b.end.strftime("%H:%M"), "slot_min": b.slot_min,
         "capacity": b.capacity}
        for b in bands
    ]
