"""Priority deadlines: counted in whole days from the prescription date.

The deadline is the local midnight (Europe/Rome) that ends the last allowed
day; an offer is within priority when it starts before it.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retecup.domain.priority import Priority, allowed_days, deadline
from retecup.domain.schedule import ROME


def iso(priority: str, prescribed_on: date, kind: str = "visit") -> str:
    return deadline(Priority(priority), prescribed_on, kind).isoformat()


class TestAllowedDays:
    @pytest.mark.parametrize("priority, kind, days", [
        ("U", "visit", 3), ("U", "diagnostic", 3),
        ("B", "visit", 10), ("B", "diagnostic", 10),
        ("D", "visit", 30), ("D", "diagnostic", 60), ("D", "other", 60),
        ("P", "visit", 120), ("P", "diagnostic", 120),
    ])
    def test_each_class_allows_its_days(self, priority, kind, days):
        assert allowed_days(Priority(priority), kind) == days


class TestDeadline:
    def test_urgent_ends_with_the_third_day_after_the_prescription(self):
        assert iso("U", date(2026, 12, 3)) == "2026-12-07T00:00:00+01:00"

    def test_brief_ends_with_the_tenth_day(self):
        assert iso("B", date(2026, 12, 3)) == "2026-12-14T00:00:00+01:00"

    def test_deferrable_visit_ends_with_the_thirtieth_day(self):
        assert iso("D", date(2026, 12, 3), "visit") == "2027-01-03T00:00:00+01:00"

    def test_deferrable_diagnostic_ends_with_the_sixtieth_day(self):
        assert iso("D", date(2026, 12, 3), "diagnostic") == (
            "2027-02-02T00:00:00+01:00")

    def test_programmable_ends_with_the_hundred_and_twentieth_day_in_summer(self):
        assert iso("P", date(2026, 12, 3)) == "2027-04-03T00:00:00+02:00"

    def test_urgent_just_before_the_spring_change_is_an_hour_shorter(self):
        prescribed = date(2026, 3, 27)

        limit = deadline(Priority.U, prescribed, "visit")

        assert limit.isoformat() == "2026-03-31T00:00:00+02:00"
        assert limit.astimezone(UTC) == datetime(2026, 3, 30, 22, tzinfo=UTC)
        day_start = datetime.combine(prescribed, datetime.min.time(), ROME)
        # Same-zone subtraction is wall-clock time in Python: compare in UTC.
        assert limit.astimezone(UTC) - day_start.astimezone(UTC) == timedelta(
            days=4, hours=-1)

    def test_brief_just_before_the_autumn_change_is_an_hour_longer(self):
        prescribed = date(2026, 10, 24)

        limit = deadline(Priority.B, prescribed, "visit")

        assert limit.isoformat() == "2026-11-04T00:00:00+01:00"
        day_start = datetime.combine(prescribed, datetime.min.time(), ROME)
        assert limit.astimezone(UTC) - day_start.astimezone(UTC) == timedelta(
            days=11, hours=1)

    @pytest.mark.parametrize("priority, kind, expected", [
        ("U", "visit", "2027-01-04T00:00:00+01:00"),
        ("B", "visit", "2027-01-11T00:00:00+01:00"),
        ("D", "visit", "2027-01-31T00:00:00+01:00"),
        ("D", "diagnostic", "2027-03-02T00:00:00+01:00"),
        ("P", "visit", "2027-05-01T00:00:00+02:00"),
    ])
    def test_a_prescription_of_31_december_counts_into_the_new_year(
        self, priority, kind, expected,
    ):
        assert iso(priority, date(2026, 12, 31), kind) == expected

    def test_a_leap_february_counts_its_twenty_ninth(self):
        assert iso("D", date(2027, 12, 31), "diagnostic") == (
            "2028-03-01T00:00:00+01:00")

    @given(st.sampled_from(list(Priority)),
           st.dates(date(2020, 1, 1), date(2040, 12, 31)),
           st.sampled_from(["visit", "diagnostic", "other"]))
    def test_the_deadline_is_always_a_rome_midnight_days_plus_one_later(
        self, priority, prescribed, kind,
    ):
        limit = deadline(priority, prescribed, kind)

        local = limit.astimezone(ROME)
        assert local.time() == datetime.min.time()
        assert (local.date() - prescribed).days == allowed_days(priority, kind) + 1
        assert limit.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
