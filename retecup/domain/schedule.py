"""Slot generation: from weekly templates in local time to absolute instants.

Templates speak the wall clock of the agenda's zone (Europe/Rome). Each band is
turned into two instants, its opening and its closing, and slots are laid from
the opening in steps of their length, as long as a slot ends by the closing.
Stepping in absolute time keeps every slot exactly its length on the nights the
clocks change: a band that spans the missing hour in March is an hour shorter,
one that spans the repeated hour in October an hour longer. See `local_instant`
for a band that opens or closes inside those hours.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


@dataclass(frozen=True)
class Band:
    """A weekly time band: weekday 0 is Monday; times are local."""

    weekday: int
    start: time
    end: time
    slot_min: int
    capacity: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise ValueError("a band must end after it starts")
        if self.slot_min <= 0 or self.capacity <= 0:
            raise ValueError("slot length and capacity must be positive")


@dataclass(frozen=True)
class Template:
    """Bands valid from `valid_from` to `valid_to`, both days included."""

    valid_from: date
    valid_to: date | None
    bands: tuple[Band, ...]

    def covers(self, day: date) -> bool:
        ended = self.valid_to is not None and day > self.valid_to
        return self.valid_from <= day and not ended


@dataclass(frozen=True)
class Closure:
    first_day: date
    last_day: date

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class SlotTime:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    reserved: bool = False


def local_instant(
    day: date, clock: time, tz: ZoneInfo, *, closing: bool = False
) -> datetime:
    """The UTC instant at which a band opens (or closes) at `clock` on `day`.

    A time the clocks skip (March) is taken as the moment they resume, so a
    band opening at 02:30 opens at 03:00. A time the clocks repeat (October) is
    taken at its later reading for an opening and its earlier one for a
    closing, so that no slot falls outside the band on the wall clock.
    """
    naive = datetime.combine(day, clock)
    if not _exists(naive, tz):
        while not _exists(naive, tz):
            naive += timedelta(minutes=1)
        return naive.replace(tzinfo=tz).astimezone(UTC)

    fold = 0 if closing else 1
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def _repeated(day: date, clock: time, tz: ZoneInfo) -> bool:
    naive = datetime.combine(day, clock)
    first, last = (naive.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    return first != last and _exists(naive, tz)


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    round_trip = naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return round_trip.replace(tzinfo=None) == naive


def first_overlapping_bands(bands: Iterable[Band]) -> tuple[int, int] | None:
    """Indices of two bands of the same weekday that overlap, if any."""
    indexed = sorted(enumerate(bands), key=lambda ib: (ib[1].weekday, ib[1].start))
    for (i, a), (j, b) in zip(indexed, indexed[1:], strict=False):
        if a.weekday == b.weekday and b.start < a.end:
            return tuple(sorted((i, j)))
    return None


def template_for(day: date, templates: Iterable[Template]) -> Template | None:
    """The template in force on `day`: the one that started most recently."""
    in_force = [t for t in templates if t.covers(day)]
    return max(in_force, key=lambda t: t.valid_from, default=None)


def band_slots(day: date, band: Band, tz: ZoneInfo = ROME) -> Iterator[SlotTime]:
    opening = local_instant(day, band.start, tz)
    closing = local_instant(day, band.end, tz, closing=True)
    if closing <= opening and _repeated(day, band.start, tz):
        # A band wholly inside October's repeated hour runs once, first time round.
        opening = datetime.combine(day, band.start, tz).astimezone(UTC)
        closing = datetime.combine(day, band.end, tz).astimezone(UTC)
    step = timedelta(minutes=band.slot_min)

    start = opening
    while start + step <= closing:
        yield SlotTime(start, start + step, band.capacity)
        start += step


def generate_slots(
    templates: Iterable[Template],
    closures: Iterable[Closure],
    closed_days: frozenset[date],
    first_day: date,
    last_day: date,
    *,
    reserve_percent: int = 0,
    tz: ZoneInfo = ROME,
) -> list[SlotTime]:
    """Every slot of an agenda from `first_day` to `last_day`, both included.

    `closed_days` are the holidays of the site; closures are the agenda's own.
    A share `reserve_percent` of the slots is marked reserved, spread evenly.
    The share runs over the whole period, not day by day: a clinic with four
    slots a day and 10 % reserved keeps one slot in ten, not none.
    """
    templates = tuple(templates)
    closures = tuple(closures)
    slots: list[SlotTime] = []

    day = first_day
    while day <= last_day:
        if day not in closed_days and not any(c.covers(day) for c in closures):
            slots.extend(_day_slots(day, templates, tz))
        day += timedelta(days=1)

    if not reserve_percent:
        return slots
    return [
        SlotTime(s.starts_at, s.ends_at, s.capacity, _is_reserved(i, reserve_percent))
        for i, s in enumerate(slots)
    ]


def _day_slots(day, templates, tz) -> list[SlotTime]:
    template = template_for(day, templates)
    if template is None:
        return []

    weekday = day.weekday()
    return [
        slot
        for band in sorted(template.bands, key=lambda b: b.start)
        if band.weekday == weekday
        for slot in band_slots(day, band, tz)
    ]


def _is_reserved(index: int, percent: int) -> bool:
    # Marks `percent` of positions, evenly: position i is reserved when the
    # running quota crosses an integer between i and i + 1.
    return (index + 1) * percent // 100 > index * percent // 100
