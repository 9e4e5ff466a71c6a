"""Generated booking history, so that a demo calendar looks lived in.

A share of each day's free, unreserved slots is booked, high in the next
weeks and fading later (`BookingCurve`). Each booking goes to a patient of
the site's ATS who has no overlapping appointment and no other future
appointment of the same duplicate group, the rules the booking service
enforces. `first_offer` is the slot's start and `took_first_offer` true: the
history is generated, there were no earlier offers to refuse.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from retecup.domain.priority import Priority, deadline
from retecup.domain.schedule import ROME
from retecup.loader.agendas import AgendaPlan

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G
CODE_LENGTH = 8
_PATIENT_TRIES = 8
_PRIORITIES = (Priority.B, Priority.D, Priority.P)
_PRIORITY_WEIGHTS = (15, 35, 50)


@dataclass(frozen=True)
class BookingCurve:
    """Share of slots booked by days ahead: steps, then an exponential tail."""

    steps: tuple[tuple[int, float], ...]
    tail_days: float = 0.0

    def rate(self, days_ahead: int) -> float:
        for until, rate in self.steps:
            if days_ahead < until:
                return rate
        if not self.tail_days or not self.steps:
            return 0.0
        last_until, last_rate = self.steps[-1]
        rate = last_rate * math.exp(-(days_ahead - last_until) / self.tail_days)
        return rate if rate >= 0.002 else 0.0


@dataclass(frozen=True)
class Booking:
    code: str
    patient_id: int
    service_code: str
    agenda_id: int
    slot_index: int  # position in the agenda's slot pattern
    starts_at: datetime
    ends_at: datetime
    channel: str
    booked_at: datetime
    priority: str | None
    prescribed_on: date | None
    deadline: datetime | None


@dataclass
class _Diary:
    """What a patient already holds: intervals and duplicate groups."""

    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)

    def accepts(self, group: str, start: datetime, end: datetime) -> bool:
        if group in self.groups:
            return False
        return all(end <= s or e <= start for s, e in self.intervals)


def plan_bookings(
    rng: random.Random, plans: list[AgendaPlan], pattern_of, curve: BookingCurve,
    patients_by_ats: dict[str, list[int]], ats_of_comune: dict[str, str],
    kind_of: dict[str, str], today: date,
) -> list[Booking]:
    """Bookings for the generated agendas; `pattern_of(plan)` gives (key, pattern)."""
    diaries: dict[int, _Diary] = defaultdict(_Diary)
    codes: set[str] = set()
    eligible: dict = {}
    bookings = []
    for plan in plans:
        pool = patients_by_ats.get(ats_of_comune[plan.site.comune_istat])
        key, pattern = pattern_of(plan)
        if key not in eligible:
            eligible[key] = _eligible(pattern, curve, today)
        for index, slot, rate in eligible[key] if pool else ():
            for _ in range(slot.capacity):
                if rng.random() >= rate:
                    continue
                booking = _book(rng, plan, index, slot, pool, diaries, codes, kind_of,
                                today)
                if booking:
                    bookings.append(booking)
    return bookings


def _eligible(pattern, curve: BookingCurve, today: date) -> list:
    """The pattern's bookable slots with their booking rate, in time order."""
    result = []
    for index, (slot, reserved_until) in enumerate(
            zip(pattern.slots, pattern.reserved_until, strict=True)):
        rate = curve.rate((slot.starts_at.astimezone(ROME).date() - today).days)
        if rate == 0.0:
            break  # slots come in time order: the rest are later still
        if reserved_until is None:  # reserved slots wait for their release
            result.append((index, slot, rate))
    return result


def booked_counts(bookings: list[Booking]) -> dict[int, dict[int, int]]:
    """Appointments per agenda and slot index, for the slot rows' counters."""
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for booking in bookings:
        counts[booking.agenda_id][booking.slot_index] += 1
    return counts


def _book(rng, plan, index, slot, pool, diaries, codes, kind_of, today
          ) -> Booking | None:
    service_code, _ = rng.choice(plan.services)
    group = service_code  # duplicate_group defaults to the code (catalogue)
    for _ in range(_PATIENT_TRIES):
        patient_id = rng.choice(pool)
        diary = diaries[patient_id]
        if diary.accepts(group, slot.starts_at, slot.ends_at):
            break
    else:
        return None

    diary.groups.add(group)
    diary.intervals.append((slot.starts_at, slot.ends_at))
    booked_at = _booked_at(rng, today)
    priority = prescribed = limit = None
    if plan.access == "first" and plan.regime == "ssn":
        priority = rng.choices(_PRIORITIES, _PRIORITY_WEIGHTS)[0]
        booked_on = booked_at.astimezone(ROME).date()
        prescribed = booked_on - timedelta(days=rng.randint(0, 7))
        limit = deadline(priority, prescribed, kind_of[service_code])

    return Booking(
        code=_unique_code(rng, codes), patient_id=patient_id,
        service_code=service_code, agenda_id=plan.id, slot_index=index,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at, channel=rng.choice(plan.channels), booked_at=booked_at,
        priority=priority.value if priority else None, prescribed_on=prescribed,
        deadline=limit,
    )


def _booked_at(rng: random.Random, today: date) -> datetime:
    # Some day in the four weeks before today, in office hours: always before
    # the slot, which is today or later.
    day = today - timedelta(days=rng.randint(1, 28))
    minute = rng.randrange(8 * 60, 19 * 60)
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=ROME)
    return local + timedelta(seconds=rng.randrange(60))


def _unique_code(rng: random.Random, codes: set[str]) -> str:
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH))
        if code not in codes:
            codes.add(code)
            return code
