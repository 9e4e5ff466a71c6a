"""Slot generation from local templates to absolute instants, and closed days.

The clocks in Europe/Rome go forward at 02:00 on the last Sunday of March
(2026-03-29, 2027-03-28) and back at 03:00 on the last Sunday of October
(2026-10-25): in March the wall clock skips 02:00-03:00, in October it shows
02:00-03:00 twice.
"""

import itertools
import os
import time as process_time
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retecup.domain.calendar import closed_days, years_between
from retecup.domain.schedule import (
    ROME,
    Band,
    Closure,
    Template,
    band_slots,
    generate_slots,
    local_instant,
)

SPRING_2026, AUTUMN_2026, SPRING_2027 = (
    date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28))
DST_SUNDAYS = [SPRING_2026, AUTUMN_2026, SPRING_2027, date(2027, 10, 31)]
SUNDAY = 6


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def slots_of(day: date, start: str, end: str, slot_min: int) -> list:
    band = Band(day.weekday(), time.fromisoformat(start), time.fromisoformat(end),
                slot_min)
    return list(band_slots(day, band))


def every_day(start="08:00", end="12:00", slot_min=30) -> tuple[Band, ...]:
    return tuple(Band(d, time.fromisoformat(start), time.fromisoformat(end), slot_min)
                 for d in range(7))


def wall(instant: datetime) -> tuple[date, time]:
    local = instant.astimezone(ROME)
    return local.date(), local.time()


class TestLocalInstant:
    def test_a_repeated_time_opens_at_its_later_reading(self):
        opening = local_instant(AUTUMN_2026, time(2, 30), ROME)

        assert opening == utc(2026, 10, 25, 1, 30)

    def test_a_repeated_time_closes_at_its_earlier_reading(self):
        closing = local_instant(AUTUMN_2026, time(2, 30), ROME, closing=True)

        assert closing == utc(2026, 10, 25, 0, 30)

    def test_a_skipped_time_opens_when_the_clocks_resume(self):
        opening = local_instant(SPRING_2026, time(2, 30), ROME)

        assert opening.astimezone(ROME).isoformat() == "2026-03-29T03:00:00+02:00"

    def test_a_skipped_time_closes_when_the_clocks_resume(self):
        closing = local_instant(SPRING_2026, time(2, 30), ROME, closing=True)

        assert closing.astimezone(ROME).isoformat() == "2026-03-29T03:00:00+02:00"

    def test_a_band_wholly_inside_the_repeated_hour_runs_once(self):
        slots = slots_of(AUTUMN_2026, "02:00", "02:45", 15)

        assert [s.starts_at.astimezone(ROME).isoformat() for s in slots] == [
            "2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00",
            "2026-10-25T02:30:00+02:00"]


class TestBandSlotsAcrossDst:
    def test_a_morning_band_starts_an_hour_earlier_in_utc_after_march(self):
        before = slots_of(date(2026, 3, 28), "08:00", "12:00", 30)
        after = slots_of(date(2026, 3, 30), "08:00", "12:00", 30)

        assert before[0].starts_at == utc(2026, 3, 28, 7, 0)
        assert after[0].starts_at == utc(2026, 3, 30, 6, 0)
        assert len(before) == len(after) == 8

    @pytest.mark.parametrize("day", [SPRING_2026, SPRING_2027])
    def test_a_night_band_over_the_missing_hour_gives_two_hour_slots(self, day):
        slots = slots_of(day, "01:00", "04:00", 60)

        assert len(slots) == 2
        assert [s.starts_at.astimezone(ROME).isoformat()[11:] for s in slots] == [
            "01:00:00+01:00", "03:00:00+02:00"]
        assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)

    def test_a_night_band_over_the_repeated_hour_gives_four_hour_slots(self):
        slots = slots_of(AUTUMN_2026, "01:00", "04:00", 60)

        assert [s.starts_at for s in slots] == [
            utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), utc(2026, 10, 25, 1),
            utc(2026, 10, 25, 2)]
        assert all(s.ends_at - s.starts_at == timedelta(hours=1) for s in slots)

    def test_a_length_that_does_not_divide_the_band_leaves_the_rest_unused(self):
        slots = slots_of(date(2026, 5, 4), "08:00", "09:00", 25)

        assert [wall(s.ends_at)[1] for s in slots] == [time(8, 25), time(8, 50)]

    def test_slots_carry_the_band_capacity(self):
        band = Band(0, time(9), time(10), 20, capacity=3)

        assert {s.capacity for s in band_slots(date(2026, 5, 4), band)} == {3}


class TestBandsInsideTheRepeatedHour:
    def test_a_band_ending_in_the_repeated_hour_ends_there_on_the_wall_clock(self):
        slots = slots_of(AUTUMN_2026, "01:00", "02:30", 30)

        assert all(wall(s.starts_at)[1] < time(2, 30) for s in slots)

    def test_a_band_starting_in_the_repeated_hour_starts_there_on_the_wall_clock(
        self,
    ):
        slots = slots_of(AUTUMN_2026, "02:30", "04:00", 30)

        assert all(wall(s.starts_at)[1] >= time(2, 30) for s in slots)


class TestGenerateSlots:
    def test_the_template_end_date_is_included(self):
        template = Template(date(2026, 5, 4), date(2026, 5, 5), every_day())

        slots = generate_slots([template], [], frozenset(), date(2026, 5, 3),
                               date(2026, 5, 7))

        assert {wall(s.starts_at)[0] for s in slots} == {date(2026, 5, 4),
                                                        date(2026, 5, 5)}

    def test_the_template_that_started_last_is_in_force(self):
        old = Template(date(2026, 1, 1), None, every_day("08:00", "09:00", 30))
        new = Template(date(2026, 5, 5), None, every_day("14:00", "15:00", 60))

        slots = generate_slots([new, old], [], frozenset(), date(2026, 5, 4),
                               date(2026, 5, 5))

        assert [wall(s.starts_at) for s in slots] == [
            (date(2026, 5, 4), time(8)), (date(2026, 5, 4), time(8, 30)),
            (date(2026, 5, 5), time(14))]

    def test_closures_and_closed_days_skip_whole_days(self):
        template = Template(date(2026, 1, 1), None, every_day())
        closure = Closure(date(2026, 5, 5), date(2026, 5, 6))

        slots = generate_slots([template], [closure], frozenset({date(2026, 5, 8)}),
                               date(2026, 5, 4), date(2026, 5, 9))

        assert sorted({wall(s.starts_at)[0] for s in slots}) == [
            date(2026, 5, 4), date(2026, 5, 7), date(2026, 5, 9)]

    def test_milan_agendas_skip_its_patron_day_and_the_immacolata(self):
        template = Template(date(2026, 1, 1), None, every_day())
        holidays = closed_days("MI", True, years_between(date(2026, 12, 6),
                                                         date(2026, 12, 9)))

        slots = generate_slots([template], [], holidays, date(2026, 12, 6),
                               date(2026, 12, 9))

        assert sorted({wall(s.starts_at)[0] for s in slots}) == [
            date(2026, 12, 6), date(2026, 12, 9)]

    def test_reserve_percent_marks_that_share_spread_evenly(self):
        template = Template(date(2026, 1, 1), None, every_day())

        slots = generate_slots([template], [], frozenset(), date(2026, 5, 4),
                               date(2026, 5, 5), reserve_percent=25)

        reserved = [i % 8 for i, s in enumerate(slots) if s.reserved]
        assert reserved == [3, 7, 3, 7]

    def test_a_small_clinic_keeps_its_reserve_across_days(self):
        # Four slots a day at 10 %: one slot in ten over the period, not none.
        template = Template(date(2026, 1, 1), None,
                            every_day("08:00", "10:00", 30))

        slots = generate_slots([template], [], frozenset(), date(2026, 5, 4),
                               date(2026, 5, 13), reserve_percent=10)

        assert len(slots) == 40
        assert sum(s.reserved for s in slots) == 4

    @pytest.mark.parametrize("zone, offset_h", [("America/New_York", -5),
                                                ("Asia/Tokyo", 9)])
    def test_results_do_not_depend_on_the_process_time_zone(
        self, zone, offset_h, process_tz,
    ):
        template = Template(date(2026, 1, 1), None, every_day("01:00", "04:00", 45))
        expected = generate_slots([template], [], frozenset(), date(2026, 3, 27),
                                  date(2026, 10, 26))

        process_tz(zone)
        again = generate_slots([template], [], frozenset(), date(2026, 3, 27),
                               date(2026, 10, 26))

        assert process_time.localtime(0).tm_gmtoff == offset_h * 3600
        assert again == expected


@pytest.fixture
def process_tz():
    saved = os.environ.get("TZ")

    def switch(zone: str) -> None:
        os.environ["TZ"] = zone
        process_time.tzset()

    switch("UTC")
    yield switch
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    process_time.tzset()


class TestClosedDays:
    def test_milan_patron_day_closes_the_capital(self):
        assert date(2026, 12, 7) in closed_days("MI", True, (2026,))

    def test_milan_patron_day_does_not_close_monza(self):
        assert date(2026, 12, 7) not in closed_days("MB", True, (2026,))

    def test_a_patron_day_closes_only_the_capital_comune(self):
        assert date(2026, 12, 7) not in closed_days("MI", False, (2026,))

    @pytest.mark.parametrize("day", [date(2026, 12, 8), date(2026, 12, 25),
                                     date(2026, 4, 6), date(2026, 10, 4)])
    @pytest.mark.parametrize("province", ["MI", "MB", None])
    def test_national_holidays_close_every_comune(self, day, province):
        assert day in closed_days(province, False, (2026,))


# Properties -------------------------------------------------------------------
#
# On the wall clock of `day`, a slot of a band starts in [start, end) and ends
# in (start, end], except that a band closing at a time the clocks skip closes
# when they resume (03:00). The oracle below computes the band's opening and
# closing from the day's two UTC offsets, without zoneinfo's `fold`: a reading
# that happens twice (October) opens at its later occurrence and closes at its
# earlier; a reading that never happens (March) opens and closes when the
# clocks resume; a band wholly inside the repeated hour runs once, first time
# round. The slots are floor((closing - opening) / slot_min), back to back.

def readings(day: date, clock: time) -> list[datetime]:
    naive = datetime.combine(day, clock)
    offsets = {datetime.combine(day, t, ROME).utcoffset() for t in (time(0),
                                                                     time(23, 59))}
    return sorted(
        u for u in {(naive - off).replace(tzinfo=UTC) for off in offsets}
        if u.astimezone(ROME).replace(tzinfo=None) == naive
    )


def resume(day: date) -> datetime:
    # In Europe the clocks jump at 02:00 standard time.
    return datetime.combine(day, time(2)).replace(tzinfo=UTC) - timedelta(hours=1)


def band_bounds(day: date, band: Band) -> tuple[datetime, datetime]:
    opens, closes = readings(day, band.start), readings(day, band.end)
    opening = opens[-1] if opens else resume(day)
    closing = closes[0] if closes else resume(day)
    if closing <= opening and opens and closes:
        opening, closing = opens[0], closes[0]
    return opening, closing


def expected_count(day: date, band: Band) -> int:
    opening, closing = band_bounds(day, band)
    return max(0, (closing - opening) // timedelta(minutes=band.slot_min))


night_or_any = st.one_of(st.integers(50, 250), st.integers(0, 1439))


@st.composite
def bands(draw, weekday=None):
    start = draw(night_or_any.filter(lambda m: m < 1439))
    end = draw(st.integers(start + 1, 1439))
    return Band(
        weekday if weekday is not None else draw(st.integers(0, 6)),
        time(start // 60, start % 60), time(end // 60, end % 60),
        draw(st.sampled_from([5, 10, 15, 20, 25, 30, 45, 60, 90])),
        draw(st.integers(1, 3)),
    )


class TestSlotProperties:
    @given(st.sampled_from(DST_SUNDAYS), bands(weekday=SUNDAY))
    @example(AUTUMN_2026, Band(SUNDAY, time(1), time(4), 45))
    @example(SPRING_2026, Band(SUNDAY, time(2, 10), time(2, 50), 5))
    def test_slots_of_a_band_last_their_length_back_to_back(self, day, band):
        slots = list(band_slots(day, band))

        assert all(s.ends_at - s.starts_at == timedelta(minutes=band.slot_min)
                   for s in slots)
        assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(slots))
        assert len(slots) == expected_count(day, band)
        if slots:
            assert slots[0].starts_at == band_bounds(day, band)[0]

    @given(st.sampled_from(DST_SUNDAYS), bands(weekday=SUNDAY))
    @example(SPRING_2026, Band(SUNDAY, time(1), time(2, 30), 30))
    @example(SPRING_2026, Band(SUNDAY, time(2, 30), time(5), 30))
    def test_slots_lie_within_their_band_on_the_wall_clock(self, day, band):
        closes_in_gap = not readings(day, band.end)

        for slot in band_slots(day, band):
            (start_day, start), (end_day, end) = wall(slot.starts_at), wall(
                slot.ends_at)
            assert start_day == end_day == day
            assert band.start <= start < band.end
            assert band.start < end <= band.end or (closes_in_gap and end == time(3))

    @settings(deadline=None)
    @given(st.data())
    def test_generated_slots_follow_templates_closures_and_reserve(self, data):
        draw = data.draw
        first = draw(st.sampled_from(DST_SUNDAYS)) - timedelta(
            days=draw(st.integers(0, 6)))
        days = [first + timedelta(days=i) for i in range(draw(st.integers(1, 9)))]
        templates = [
            Template(first + timedelta(days=s),
                     draw(st.none() | st.just(first + timedelta(days=s + 4))),
                     tuple(draw(st.lists(bands(), max_size=4))))
            for s in draw(st.lists(st.integers(-3, 9), min_size=1, max_size=2,
                                   unique=True))
        ]
        closed = frozenset(draw(st.sets(st.sampled_from(days))))
        closures = [Closure(d, d + timedelta(days=1))
                    for d in draw(st.lists(st.sampled_from(days), max_size=1))]
        percent = draw(st.integers(0, 100))

        slots = generate_slots(templates, closures, closed, days[0], days[-1],
                               reserve_percent=percent)

        by_day: dict[date, list] = {}
        for slot in slots:
            by_day.setdefault(wall(slot.starts_at)[0], []).append(slot)
        shut = closed | {d for d in days if any(c.covers(d) for c in closures)}
        assert not shut & by_day.keys()
        for day in days:
            in_force = [t for t in templates if t.covers(day)]
            template = max(in_force, key=lambda t: t.valid_from, default=None)
            todays = [b for b in (template.bands if template else ())
                      if b.weekday == day.weekday()]
            expected = sum(expected_count(day, b) for b in todays)
            got = by_day.get(day, [])
            assert len(got) == (0 if day in shut else expected)
        assert sum(s.reserved for s in slots) == len(slots) * percent // 100
